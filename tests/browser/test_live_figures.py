"""Today's figures stay live for a manager watching sign-ins arrive, without a <meta refresh>.

QA (X3): the dashboard and today's day view reloaded themselves every 60 s — axe's
"meta-refresh" (critical); a screen reader started again from the top, the scroll position was
lost and an open <details> closed. Now a small script fetches the page every minute and swaps
in the new figures, only while nobody is using the page; without JavaScript the page shows
the time of its figures and a Refresh link. The phone's clock is Playwright's, run forward.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.attendance.models import Attendance
from formsvc.attendance.voiding import void_attendance
from formsvc.extensions import db
from tests.browser_support import PHONE_WIDTH, log_in
from tests.conftest import CONSENT, form_fields
from tests.quality.conftest import require_npm_package
from tests.quality.test_axe import axe_violations

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

A_MINUTE_AND_MORE = 65_000
NAMES = ["阿卜杜热合曼·买买提", "王小明", "李思琪", "黄子轩", "韦丽娟", "蒙小燕", "覃海波", "陆佳怡"]


@pytest.fixture
def site(make):
    return make.site(name="城关镇新华村留守儿童之家")


@pytest.fixture
def manager(make, site):
    return make.user("xinhua", sites=[site])


def sign_in(app, activity: dict, name: str) -> None:
    phone = app.test_client()
    url = f"/a/{activity['token']}/child"
    fields = form_fields(phone.get(url).data)
    assert phone.post(url, data={**fields, **CONSENT, "child_name": name}).status_code == 302


def void_first_sign_in(app, manager: dict) -> None:
    """Gives the day view a "Voided: 1" <details>, the kind a reload used to close."""
    with app.app_context():
        attendance = db.session.execute(select(Attendance).order_by(Attendance.id)).scalars().first()
        user = db.session.get(User, manager["id"])
        void_attendance(attendance, user=user, reason="重复签到", now=None)
        db.session.commit()


def signed_in_phone(open_phone_with, live_server, manager, *, js: bool = True, clock: bool = True):
    """A 360 px phone signed in to the workspace; with JavaScript, its clock is Playwright's."""
    phone = open_phone_with(js=js)
    page = phone.page
    if clock:
        page.clock.install()
    log_in(page, live_server, manager)
    return phone


def page_fetches(phone, path: str) -> int:
    return sum(1 for request in phone.requests if request.url.split("?")[0].endswith(path))


def child_visits(page) -> str:
    return page.locator("dl.counts dd").first.inner_text()


def test_the_day_view_takes_in_new_sign_ins_where_the_reader_is(
    app, live_server, open_phone_with, manager, site, after_school
):
    for name in NAMES:  # a day long enough to scroll
        sign_in(app, after_school, name)
    void_first_sign_in(app, manager)
    phone = signed_in_phone(open_phone_with, live_server, manager)
    page = phone.page
    path = f"/admin/sites/{site['id']}"
    page.goto(live_server + path)
    expect(page.get_by_text("每分钟自动更新")).to_be_visible()  # said only where it is true
    page.evaluate("() => { window.notReloaded = true; }")
    assert child_visits(page) == str(len(NAMES) - 1)

    # An open <details> (the voided list, a confirmation) stays open: no update under it.
    page.locator("details.voided summary").click()
    fetched = page_fetches(phone, path)
    sign_in(app, after_school, "新来的")
    page.clock.run_for(3 * A_MINUTE_AND_MORE)
    time.sleep(0.5)
    assert page_fetches(phone, path) == fetched
    assert page.locator("details.voided").get_attribute("open") is not None
    assert child_visits(page) == str(len(NAMES) - 1)

    # A field of a form in focus: the manager is choosing a day.
    page.locator("details.voided summary").click()
    page.locator("#day").focus()
    page.clock.run_for(3 * A_MINUTE_AND_MORE)
    time.sleep(0.5)
    assert page_fetches(phone, path) == fetched

    # Left alone for a minute: the new sign-in arrives, on the same page at the same place.
    page.evaluate("() => document.activeElement.blur()")
    page.mouse.wheel(0, 600)
    page.wait_for_function("() => window.scrollY > 300")
    scrolled_to = page.evaluate("() => window.scrollY")
    page.clock.run_for(A_MINUTE_AND_MORE)
    expect(page.locator("dl.counts dd").first).to_have_text(str(len(NAMES)))
    assert page.evaluate("() => window.notReloaded") is True
    assert page.evaluate("() => window.scrollY") == scrolled_to
    expect(page.get_by_text("每分钟自动更新")).to_be_visible()


def test_scrolling_or_tapping_holds_the_update_back_for_a_minute(
    app, live_server, open_phone_with, manager, site, after_school
):
    phone = signed_in_phone(open_phone_with, live_server, manager)
    page = phone.page
    page.goto(f"{live_server}/admin/")
    fetched = page_fetches(phone, "/admin/")
    sign_in(app, after_school, "王小明")
    for _ in range(3):  # the reader keeps using the page: every 40 s a scroll
        page.clock.run_for(40_000)
        page.mouse.wheel(0, 50)
        page.wait_for_timeout(100)
    time.sleep(0.5)
    assert page_fetches(phone, "/admin/") == fetched
    row = page.locator("tr", has_text=site["name"])
    expect(row.locator("td.num").first).to_have_text("0")
    page.clock.run_for(A_MINUTE_AND_MORE)
    expect(page.locator("tr", has_text=site["name"]).locator("td.num").first).to_have_text("1")


def test_the_dashboard_fits_a_phone_with_the_volunteers_column(live_server, open_phone_with, manager, site):
    page = signed_in_phone(open_phone_with, live_server, manager, clock=False).page
    expect(page.get_by_role("columnheader", name="志愿者人数")).to_be_attached()
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")
    assert width <= PHONE_WIDTH


def test_without_javascript_the_page_keeps_still_and_has_a_refresh_link(
    app, live_server, open_phone_with, manager, site, after_school
):
    page = signed_in_phone(open_phone_with, live_server, manager, js=False, clock=False).page
    page.goto(f"{live_server}/admin/sites/{site['id']}")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.get_by_text(re.compile(r"数据截至|Figures as of"))).to_be_visible()
    expect(page.get_by_text("每分钟自动更新")).to_be_hidden()  # not without the script
    assert child_visits(page) == "0"
    sign_in(app, after_school, "王小明")
    page.get_by_role("link", name=re.compile("^(刷新|Refresh)$")).click()
    page.wait_for_load_state()
    assert child_visits(page) == "1"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_axe_finds_no_meta_refresh_on_todays_pages(
    app, live_server, open_phone_with, manager, site, after_school, language
):
    axe_script = require_npm_package("axe-core/axe.min.js")
    sign_in(app, after_school, "王小明")
    phone = open_phone_with(js=True, bypass_csp=True, extra_http_headers={"Accept-Language": language})
    page = phone.page
    log_in(page, live_server, manager)
    found = []
    for path in ("/admin/", f"/admin/sites/{site['id']}"):
        page.goto(live_server + path)
        found.extend(f"{path}: {v['id']} [{v['impact']}] {v['nodes']}" for v in axe_violations(page, axe_script))
    assert found == []
