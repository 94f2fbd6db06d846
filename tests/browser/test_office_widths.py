"""The district clerk's tally on an office PC (1366×768): every column in view, long names wrap.

QA found a realistic long home name (a relocation site's 52 characters) kept on one line, so
the per-home table grew wider than its box and the last four columns (volunteers, paper share,
survey responses, mean rating) sat behind a sideways scroll that a clerk would not notice.
"""

from __future__ import annotations

import pytest

from tests.browser_support import log_in

pytestmark = pytest.mark.browser

LONG_NAME = "那坡乡龙合村坡荷屯至坡利屯联合异地扶贫搬迁安置点新时代文明实践站儿童之家（第二分部）"


@pytest.fixture
def office_pc(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_tally_table_fits_an_office_screen_with_a_long_home_name(make, live_server, office_pc):
    make.site(name=LONG_NAME)
    make.site(name="城关镇东门社区儿童之家")
    admin = make.user("clerk", role="admin")
    page = office_pc
    log_in(page, live_server, admin)
    page.goto(f"{live_server}/admin/tallies?scope=district")
    box = page.locator(".table-scroll", has=page.get_by_text(LONG_NAME)).first
    widths = box.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert widths[0] <= widths[1], f"the per-home table is {widths[0]} px wide in a {widths[1]} px box"
    assert page.get_by_role("columnheader", name="平均分").is_visible()
