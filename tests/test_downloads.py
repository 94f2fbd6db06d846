"""Every workspace download: not even run from WeChat's in-app browser, named by the local date.

WeChat cannot save a file, so a download asked for there is answered with a page saying how to
open it in the phone's browser (formsvc/wechat.py). The view must not run for it: its audit
entry would count an export nobody received, and the real one from the browser would count again.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.wechat import OPEN_ANYWAY_ARG
from tests.browser_support import WECHAT_ANDROID
from tests.conftest import clock_stopped_at, local, login, page_text
from tests.survey_helpers import make_template, spec

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
# The file types a download route ends with, by name or as the `fmt` part of the address.
DOWNLOAD_RULE = re.compile(r"\.(pdf|xlsx|xls|csv|zip|docx?)$|\.<any\(")

frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30), autouse=False)
# 06:21 on 29 November in the district is still 28 November in UTC.
just_after_midnight = clock_stopped_at(local(2026, 11, 29, 6, 21), autouse=False)


@pytest.fixture
def world(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, guardians=True)
    template_id = make_template(app, [spec("rating", "讲座内容")], title="讲座满意度")
    return {
        "site": site,
        "lecture": lecture,
        "template_id": template_id,
        "admin": make.user("boss", role="admin"),
    }


def downloads(world) -> list[tuple[str, str]]:
    """Each download route of the workspace (with a query string where it takes one) and its audit action."""
    site, lecture, template = world["site"]["id"], world["lecture"]["id"], world["template_id"]
    return [
        (f"/admin/sites/{site}/poster.pdf", "poster.print"),
        (f"/admin/posters.pdf?township={world['site']['township_id']}", "poster.print_all"),
        (f"/admin/activities/{lecture}/sheet.pdf", "sheet.print"),
        (f"/admin/activities/{lecture}/sheet.xlsx", "sheet.export"),
        ("/admin/tallies.csv?scope=district&period=2026-11", "tally.export"),
        (f"/admin/surveys/{template}/results.xlsx", "survey.export"),
    ]


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == action)).scalar_one()


def admin_client(app, world):
    client = app.test_client()
    login(client, world["admin"])
    return client


def test_every_download_route_is_marked_as_one(app):
    """A new download route must be marked too, or WeChat would run it (and audit it) for nothing."""
    routes = [rule for rule in app.url_map.iter_rules() if DOWNLOAD_RULE.search(rule.rule)]
    assert len(routes) >= 6
    unmarked = [rule.rule for rule in routes if not getattr(app.view_functions[rule.endpoint], "serves_download", 0)]
    assert unmarked == []


@pytest.mark.parametrize("index", range(6))
def test_in_wechat_a_download_is_not_run_until_opened_anyway(app, world, frozen_afternoon, index):
    path, action = downloads(world)[index]
    client = admin_client(app, world)
    blocked = client.get(path, headers={"User-Agent": WECHAT_ANDROID, **EN})
    assert blocked.status_code == 200 and blocked.mimetype == "text/html"
    assert "User-Agent" in blocked.headers["Vary"] and blocked.headers["Cache-Control"] == "no-store"
    text = page_text(blocked.data)
    assert "Open this in your phone's browser" in text
    assert "Back to the workspace" in text and 'href="/admin/"' in blocked.data.decode()
    assert audit_count(app, action) == 0  # the view did not run

    separator = "&" if "?" in path else "?"
    anyway = f"{path}{separator}{OPEN_ANYWAY_ARG}=open"
    assert f'href="http://localhost{anyway}"' in blocked.data.decode().replace("&amp;", "&")
    sent = client.get(anyway, headers={"User-Agent": WECHAT_ANDROID, **EN})
    assert sent.status_code == 200 and sent.headers["Content-Disposition"].startswith("attachment")
    assert audit_count(app, action) == 1


def test_a_blocked_download_renders_no_pdf(app, world, frozen_afternoon, monkeypatch):
    def must_not_render(*_args, **_kwargs):
        raise AssertionError("the sheet was rendered for WeChat")

    monkeypatch.setattr("formsvc.printables.views.sheet_pdf", must_not_render)
    client = admin_client(app, world)
    response = client.get(
        f"/admin/activities/{world['lecture']['id']}/sheet.pdf", headers={"User-Agent": WECHAT_ANDROID}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_other_browsers_get_the_file_and_one_audit_entry(app, world, frozen_afternoon):
    client = admin_client(app, world)
    for path, action in downloads(world):
        response = client.get(path, headers=EN)
        assert response.status_code == 200 and response.mimetype != "text/html", path
        assert audit_count(app, action) == 1


def test_dated_file_names_use_the_local_date(app, world, just_after_midnight):
    client = admin_client(app, world)
    template = world["template_id"]
    for fmt in ("pdf", "xlsx"):
        response = client.get(f"/admin/surveys/{template}/results.{fmt}", headers=EN)
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith(f'attachment; filename="survey-{template}-20261129.{fmt}";')


def saved_as(response) -> str:
    """The name a browser saves the file under: RFC 6266's filename*, which every current browser reads."""
    from urllib.parse import unquote

    _before, marker, encoded = response.headers["Content-Disposition"].partition("filename*=UTF-8''")
    assert marker, response.headers["Content-Disposition"]
    return unquote(encoded)


def test_a_sign_in_sheet_is_saved_under_its_home_day_and_activity(app, world, frozen_afternoon):
    client = admin_client(app, world)
    lecture = world["lecture"]["id"]
    masked = client.get(f"/admin/activities/{lecture}/sheet.pdf")
    assert saved_as(masked) == "签到表-新华村儿童之家-2026-11-27-家庭教育讲座.pdf"
    assert f'filename="signin-sheet-20261127-{lecture}.pdf"' in masked.headers["Content-Disposition"]
    full = client.get(f"/admin/activities/{lecture}/sheet.xlsx?phones=full")
    assert saved_as(full).endswith("-完整手机号.xlsx")  # never mistaken for the masked copy
    assert f'filename="signin-sheet-20261127-{lecture}-full-phones.xlsx"' in full.headers["Content-Disposition"]


def test_tallies_posters_and_survey_results_are_saved_under_what_they_hold(app, world, frozen_afternoon):
    client = admin_client(app, world)
    tally = client.get("/admin/tallies.csv?scope=district&period=2026-11")
    assert saved_as(tally) == "统计表-全区-2026年11月.csv"
    assert tally.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert saved_as(client.get(f"/admin/sites/{world['site']['id']}/poster.pdf")) == "签到海报-新华村儿童之家.pdf"
    results = client.get(f"/admin/surveys/{world['template_id']}/results.xlsx")
    assert saved_as(results).startswith("问卷结果-讲座满意度-")


def test_in_wechat_the_page_says_what_kind_of_file_it_is(app, world, frozen_afternoon):
    client = admin_client(app, world)
    page = client.get(f"/admin/activities/{world['lecture']['id']}/sheet.xlsx", headers={"User-Agent": WECHAT_ANDROID})
    assert "文件： Excel 表格" in page_text(page.data) or "文件：Excel 表格" in page_text(page.data)


def test_pages_with_downloads_say_how_to_get_them_in_wechat(app, world, frozen_afternoon):
    notice = "Downloads do not work inside WeChat."
    client = admin_client(app, world)
    pages = [
        f"/admin/sites/{world['site']['id']}?day={DAY.isoformat()}",  # the sign-in sheets and the poster
        "/admin/sites/",  # all posters
        "/admin/tallies?scope=district&period=2026-11",
        f"/admin/surveys/{world['template_id']}/results",
    ]
    for path in pages:
        inside = client.get(path, headers={"User-Agent": WECHAT_ANDROID, **EN})
        assert inside.status_code == 200 and notice in page_text(inside.data), path
        assert '<details class="notice wechat-hint"><summary>' in inside.get_data(as_text=True), path  # one line
        outside = client.get(path, headers=EN)
        assert notice not in page_text(outside.data), path


def test_characters_no_file_name_may_hold_are_replaced(app, make, frozen_afternoon):
    site = make.site("东门/西门社区儿童之家:")
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    assert saved_as(client.get(f"/admin/sites/{site['id']}/poster.pdf")) == "签到海报-东门_西门社区儿童之家_.pdf"
