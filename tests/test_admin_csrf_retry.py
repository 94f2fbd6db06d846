"""A workspace form left open too long (its CSRF token expired) asks for one more tap and keeps what was typed."""

from __future__ import annotations

import io
from datetime import date

import pytest

from tests.conftest import form_fields, login, page_text
from tests.survey_helpers import make_template
from tests.workspace_helpers import EN

RETRY = "This page was open for a while, so we need one more tap. Please press the button again."


@pytest.fixture
def world(app, make):
    site = make.site()
    return {
        "site": site["id"],
        "activity": make.activity(site, day=date(2026, 11, 27))["id"],
        "user": make.user("amy", sites=[site])["id"],
        "template": make_template(app, []),
        "admin": make.user("boss", role="admin"),
    }


@pytest.mark.parametrize(
    ("url", "typed"),
    [
        ("/admin/sites/new", {"name": "山前村儿童之家"}),
        ("/admin/sites/{site}/edit", {"name": "山前村儿童之家"}),
        ("/admin/sites/import", {}),  # a chosen file is never sent back to a browser
        ("/admin/activities/new", {"title": "秋季家长课堂"}),
        ("/admin/activities/{activity}/edit", {"title": "秋季家长课堂"}),
        ("/admin/users/new", {"username": "xiaowang"}),
        ("/admin/users/{user}", {"display_name": "王主任"}),
        ("/admin/surveys/new", {"title_zh": "秋季满意度"}),
        ("/admin/surveys/{template}/questions/new", {"title_zh": "讲得清楚吗？"}),
        ("/admin/privacy/consent", {"body_zh": "我们只保存孩子的名字。"}),
    ],
)
def test_an_expired_page_asks_for_one_more_tap_and_keeps_what_was_typed(app, world, url, typed):
    client = app.test_client()
    login(client, world["admin"])
    url = url.format(**world)
    fields = form_fields(client.get(url).data)
    data = {**fields, **typed, "csrf_token": "x"}
    if url.endswith("/import"):
        data["file"] = (io.BytesIO("乡镇,名称\n城关镇,山前村儿童之家\n".encode()), "sites.csv")

    response = client.post(url, data=data, headers=EN)

    assert response.status_code == 200
    text = page_text(response.data)
    assert RETRY in text
    assert "Please check the fields marked below" not in text
    for value in typed.values():
        assert value in response.data.decode()
