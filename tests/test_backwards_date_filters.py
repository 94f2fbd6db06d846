"""QA: an end date before the start date was taken silently by the survey results and the audit log.

/admin/surveys/2/results?date_from=2026-12-01&date_to=2026-01-01 showed "2026-12-01 – 2026-01-01"
with 0 responses and its Excel link downloaded an empty export; the audit log said "nothing
recorded yet". The tallies already said 开始日期晚于结束日期。 — now all three do, beside the end
date, with what was typed still in the fields, and no download is made of such a range.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from formsvc.audit.models import AuditEntry
from formsvc.audit.services import record
from formsvc.extensions import db
from tests.conftest import login, page_text
from tests.survey_helpers import answer, make_template, spec, use_at_site

ZH = {"Accept-Language": "zh-CN"}
BACKWARDS = "date_from=2026-12-01&date_to=2026-01-01"
MESSAGE = "开始日期晚于结束日期。"


def the_end_date_is_refused_as_typed(html: str) -> None:
    """The message sits beside the end date (where the focus goes), and both dates are as typed."""
    error = re.search(r'<p class="error" id="date_to-error">([^<]*)</p>', html)
    assert error is not None and error.group(1) == MESSAGE, page_text(html)
    assert re.search(r'<input[^>]*id="date_from"[^>]*value="2026-12-01"', html)
    assert re.search(r'<input[^>]*id="date_to"[^>]*value="2026-01-01"', html)
    assert 'aria-invalid="true"' in html and "post-answer.js" in html


@pytest.fixture
def admin(make):
    return make.user("boss", role="admin")


def test_the_survey_results_refuse_an_end_before_the_start_and_export_nothing(app, client, make, admin):
    site = make.site(name="新华村儿童之家")
    template_id = make_template(app, [spec("rating", "满意吗")], title="讲座满意度")
    token = use_at_site(app, template_id, site["id"])
    assert answer(app.test_client(), token, {"q1": "5"}).status_code in (200, 302)
    login(client, admin)
    url = f"/admin/surveys/{template_id}/results"

    forwards = page_text(client.get(f"{url}?date_from=2000-01-01&date_to=2099-12-31", headers=ZH).data)
    assert "答卷数 1" in forwards  # the same filter the right way round finds the answer

    html = client.get(f"{url}?{BACKWARDS}", headers=ZH).get_data(as_text=True)
    the_end_date_is_refused_as_typed(html)
    text = page_text(html)
    assert "2026-12-01 – 2026-01-01" not in text and "答卷数" not in text
    assert "讲座满意度" in text  # still the survey's own page
    assert f"results.xlsx?{BACKWARDS}" not in html.replace("&amp;", "&")  # no link to a wrong export

    with app.app_context():
        exports_before = db.session.execute(select(func.count(AuditEntry.id))).scalar_one()
    for fmt in ("xlsx", "pdf"):
        assert client.get(f"{url}.{fmt}?{BACKWARDS}").status_code == 400
    with app.app_context():  # nothing was exported, so nothing is logged as exported
        assert db.session.execute(select(func.count(AuditEntry.id))).scalar_one() == exports_before


def test_the_audit_log_refuses_an_end_before_the_start_instead_of_showing_nothing(app, client, make, admin):
    with app.app_context():
        record("site.create", target="甲乙丙村儿童之家")
        db.session.commit()
    login(client, admin)
    html = client.get(f"/admin/audit/?{BACKWARDS}", headers=ZH).get_data(as_text=True)
    the_end_date_is_refused_as_typed(html)
    assert "还没有记录。" not in page_text(html)
    # A date that cannot be read is said beside it too, rather than the whole log shown unfiltered.
    garbage = client.get("/admin/audit/?date_from=garbage", headers=ZH).get_data(as_text=True)
    assert 'id="date_from-error"' in garbage and "甲乙丙村儿童之家" not in page_text(garbage)


def test_the_tallies_say_it_the_same_way(client, make, admin):
    make.site()
    login(client, admin)
    html = client.get(f"/admin/tallies?scope=district&{BACKWARDS}", headers=ZH).get_data(as_text=True)
    the_end_date_is_refused_as_typed(html)
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"/admin/tallies.{fmt}?scope=district&{BACKWARDS}").status_code == 400


def test_one_day_is_a_range_that_runs_forwards(app, client, make, admin):
    with app.app_context():
        record("site.create", target="甲乙丙村儿童之家")
        db.session.commit()
    login(client, admin)
    day = "date_from=2026-11-27&date_to=2026-11-27"
    assert MESSAGE not in page_text(client.get(f"/admin/audit/?{day}", headers=ZH).data)
    assert MESSAGE not in page_text(client.get(f"/admin/tallies?scope=district&{day}", headers=ZH).data)
