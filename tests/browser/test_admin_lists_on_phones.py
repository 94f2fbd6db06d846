"""The lists of homes and accounts on the district admin's phone (375 px) and on the office PC.

QA: on /admin/users/ the role and homes columns wrapped one character a line; on /admin/sites/
the Edit and Deactivate buttons sat off the screen to the right (inside the sideways-scrolling
box). On a phone each row is now a card: every cell under its column's name, every button on
the screen. The office PC keeps the table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.extensions import db
from tests.browser_support import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

PHONES = [(375, 667), (360, 640)]

# Every button and button-like link of the list's rows: where it is drawn, and how far the box
# around it (the page, or the sideways-scrolling table box) lets it be seen.
ACTIONS_IN_VIEW = """() => [...document.querySelectorAll('td.actions .button, td.actions button')].map(el => {
  const box = el.getBoundingClientRect();
  return {text: el.textContent.trim(), left: box.left, right: box.right, width: box.width};
})"""


@pytest.fixture
def district(app, make):
    """The QA tester's district: long home names in three townships, managers of several homes."""
    homes = [
        make.site("百色镇新区儿童之家", township="百色镇", village="新区"),
        make.site("城关镇东门社区儿童之家", township="城关镇", village="东门社区"),
        make.site("城关镇河西社区儿童之家", township="城关镇", village="河西社区"),
        make.site("那坡乡新建村儿童之家", township="那坡乡", village="新建村", active=False),
    ]
    make.user("manager1", sites=homes[1:3])
    make.user("longwan", sites=[homes[0]])
    viewer = make.user("npview", role="township_viewer")
    with app.app_context():
        db.session.get(User, viewer["id"]).township_id = homes[3]["township_id"]
        for user in db.session.execute(select(User)).scalars():
            user.display_name = f"{user.username} 那坡乡妇联主席"
        db.session.commit()
    return make.user("boss", role="admin")


def fits(page, width: int) -> None:
    """No sideways scrolling of the page, and every action button wholly on the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    buttons = page.evaluate(ACTIONS_IN_VIEW)
    assert buttons, "no action buttons found"
    outside = [button for button in buttons if button["left"] < 0 or button["right"] > width]
    assert not outside, outside


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_accounts_list_is_readable_on_a_phone(live_server, open_phone_with, district, width, height):
    phone = open_phone_with(js=False)
    page = phone.page
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, district)
    page.goto(f"{live_server}/admin/users/")
    fits(page, width)
    # The role is read in one line, not a character a line: its cell spans the card.
    role = page.locator("tr", has_text="manager1").locator("td").nth(1)
    assert role.inner_text().endswith("儿童之家专干")
    assert role.bounding_box()["width"] > width * 0.7
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-users-{width}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_homes_list_keeps_its_buttons_on_a_phone(live_server, open_phone_with, district, width, height):
    phone = open_phone_with(js=False)
    page = phone.page
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, district)
    page.goto(f"{live_server}/admin/sites/")
    fits(page, width)
    # The question before deactivating opens on the screen too, its button in reach.
    row = page.locator("tr", has_text="城关镇河西社区儿童之家")
    row.locator("summary", has_text="停用").click()
    confirm = row.locator("details.confirm button[type=submit]")  # its words are new: not translated yet
    box = confirm.bounding_box()
    assert confirm.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-sites-{width}.png"), full_page=True)


def test_the_office_pc_keeps_the_tables(live_server, browser, district):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server, district)
        for path in ("/admin/users/", "/admin/sites/"):
            page.goto(f"{live_server}{path}")
            assert page.locator("thead th").first.is_visible()
            assert page.evaluate("getComputedStyle(document.querySelector('tbody tr')).display") == "table-row"
            fits(page, 1366)
    finally:
        context.close()
