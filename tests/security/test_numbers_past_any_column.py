"""Numbers typed into URLs and hidden fields that no database column can hold: a 404 or a page, never a 500.

QA found /admin/sites/2147483648 failing inside PostgreSQL ("integer out of range") and
9223372036854775808 inside SQLite, on every route with an id; the survey form's hidden version
field and the audit log's ?page= did the same.
"""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.survey_helpers import make_template, open_survey, spec, use_at_site

TOO_BIG = ["2147483648", "9223372036854775808", "99999999999999999999"]


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(
    "path",
    ["/admin/sites/{n}", "/admin/activities/{n}/edit", "/admin/activities/{n}/kiosk.json", "/admin/users/{n}"],
)
def test_an_id_past_any_column_is_not_found(app, make, path, number):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    assert client.get(path.format(n=number)).status_code == 404


def test_the_largest_id_a_column_holds_is_still_looked_up(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    assert client.get("/admin/sites/2147483647").status_code == 404  # looked up, not there


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_survey_sent_with_an_impossible_version_is_answered_normally(app, make, number):
    site = make.site()
    template_id = make_template(app, [spec("rating", "您对活动内容满意吗", required=True)])
    token = use_at_site(app, template_id, site["id"])
    client = app.test_client()
    _page, fields = open_survey(client, token)
    response = client.post(f"/q/{token}", data={**fields, "version": number, "q1": "5"})
    assert response.status_code in (200, 302)


def test_an_audit_page_past_any_offset_is_an_empty_page(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    assert client.get("/admin/audit/?page=999999999999999999999").status_code == 200
