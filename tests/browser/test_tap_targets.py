"""A site manager's fingers on a 360 px WeChat phone: every action is a 44 px target in reach.

QA (README: "tap targets of 44 px") found, on the manager's pages:
- the sign-in sheet's PDF and Excel links, "编辑或取消", the poster's links, the "‹ back" links of
  sub-pages and the header's account link only 21 px tall;
- on 安排活动, only the 22 px box and the words of a checklist row react, not the rest of its
  44 px row;
- the child table's "作废" (void) link at x≈416, behind a sideways scroll of the table;
- the roll-call's live filter finding nothing for ｗｘｍ (a Chinese IME in full-width mode)
  while the server's search finds 王小明.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from tests.browser_support import PHONE_WIDTH, log_in
from tests.conftest import CONSENT, form_fields

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

TEXT_SIZES = ["standard", "large"]
TAP_HEIGHT = 44
CHILDREN = ["阿卜杜热合曼·买买提", "王小明", "李思琪"]
GUARDIAN = ("古丽米热·阿卜杜拉", "grandmother", "13812345678", "城关镇新华村第三村民小组村", "阿卜杜热合曼·买买提")


@pytest.fixture
def site(make):
    return make.site(name="城关镇新华村留守儿童之家")


@pytest.fixture
def manager(make, site):
    return make.user("xinhua", sites=[site])


@pytest.fixture
def seeded_day(app, make, site, after_school, lecture):
    """Children and a guardian signed in through the public forms; the ids the sub-pages need."""
    for name in CHILDREN:
        make.child(site, name)
        phone = app.test_client()
        url = f"/a/{after_school['token']}/child"
        fields = form_fields(phone.get(url).data)
        data = {**fields, **CONSENT, "child_name": name, "signed_by": "grandmother"}
        assert phone.post(url, data=data).status_code == 302
    name, relation, mobile, village, child = GUARDIAN
    phone = app.test_client()
    url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(phone.get(url).data)
    data = {**fields, **CONSENT, "name": name, "relation": relation, "phone": mobile, "village": village}
    assert phone.post(url, data={**data, "child_name": child}).status_code == 302
    with app.app_context():
        attendance = db.session.execute(select(Attendance).order_by(Attendance.id)).scalars().first()
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        first_child = db.session.execute(select(Child).where(Child.name == CHILDREN[0])).scalar_one()
        return {"attendance_id": attendance.id, "signin_id": signin.id, "child_id": first_child.id}


def manager_phone(open_phone_with, live_server, manager, text_size):
    """A JavaScript-on 360 px phone, signed in to the workspace, at ``text_size``."""
    page = open_phone_with(js=True).page
    log_in(page, live_server, manager)
    page.goto(f"{live_server}/text/{text_size}?next=/admin/")
    assert page.evaluate("() => document.documentElement.classList.contains('large-text')") == (text_size == "large")
    return page


# Every visible link of the header and the page body, with its box (the foot's links are the
# public pages' own, checked with them).
LINK_BOXES = """() => [...document.querySelectorAll('header a, main a')]
  .filter(link => link.getClientRects().length && getComputedStyle(link).visibility !== 'hidden')
  .map(link => { const box = link.getBoundingClientRect();
                 return {text: link.textContent.trim().slice(0, 30), height: box.height, width: box.width}; })"""


def too_short(page) -> list[dict]:
    return [link for link in page.evaluate(LINK_BOXES) if link["height"] < TAP_HEIGHT]


def page_width(page) -> int:
    """Against the phone's 360 px: a mobile Chromium zooms a too-wide page out and widens innerWidth."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")


# --- links used as actions -----------------------------------------------------------------


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_every_link_on_the_day_view_is_a_44_px_target(
    live_server, open_phone_with, manager, site, seeded_day, text_size
):
    page = manager_phone(open_phone_with, live_server, manager, text_size)
    page.goto(f"{live_server}/admin/sites/{site['id']}")
    for name in ("编辑或取消", "PDF", "Excel", "海报（PDF）", "更换二维码…", manager["username"]):
        expect(page.get_by_role("link", name=name, exact=True).first).to_be_visible()
    expect(page.locator(f'a[href$="/s/{site["token"]}"]')).to_be_visible()  # the poster's URL
    assert too_short(page) == []
    assert page_width(page) <= PHONE_WIDTH


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_the_roll_call_and_roster_links_are_44_px_targets(
    live_server, open_phone_with, manager, site, after_school, seeded_day, text_size
):
    page = manager_phone(open_phone_with, live_server, manager, text_size)
    for url in (
        f"/admin/activities/{after_school['id']}/roll-call",
        f"/admin/activities/{after_school['id']}/roll-call?q=wxm",  # with "show everyone"
        f"/admin/sites/{site['id']}/children",
    ):
        page.goto(live_server + url)
        expect(page.get_by_role("link", name=re.compile("‹"))).to_be_visible()
        assert too_short(page) == [], url
        assert page_width(page) <= PHONE_WIDTH, url


@pytest.mark.parametrize("sub_page", ["roll-call", "roster", "paper", "upload", "void", "child", "review"])
def test_the_back_link_of_every_sub_page_is_a_44_px_target(
    live_server, open_phone_with, manager, site, after_school, lecture, seeded_day, sub_page
):
    urls = {
        "roll-call": f"/admin/activities/{after_school['id']}/roll-call",
        "roster": f"/admin/sites/{site['id']}/children",
        "paper": f"/admin/activities/{lecture['id']}/paper",
        "upload": f"/admin/activities/{lecture['id']}/sheet-upload",
        "void": f"/admin/attendances/{seeded_day['attendance_id']}/void",
        "child": f"/admin/sites/{site['id']}/children/{seeded_day['child_id']}",
        "review": f"/admin/sites/{site['id']}/review",
    }
    page = manager_phone(open_phone_with, live_server, manager, "standard")
    page.goto(live_server + urls[sub_page])
    back = page.get_by_role("link", name=re.compile("^‹")).first
    expect(back).to_be_visible()
    assert back.bounding_box()["height"] >= TAP_HEIGHT


# --- the void action -----------------------------------------------------------------------


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_void_is_on_screen_without_scrolling_anything_sideways(
    live_server, open_phone_with, manager, site, seeded_day, text_size
):
    page = manager_phone(open_phone_with, live_server, manager, text_size)
    page.goto(f"{live_server}/admin/sites/{site['id']}")
    rows = {
        CHILDREN[0]: f"/admin/attendances/{seeded_day['attendance_id']}/void",
        GUARDIAN[0]: f"/admin/adult-signins/{seeded_day['signin_id']}/void",
    }
    for name, void_page in rows.items():
        link = page.locator(f'a[href="{void_page}"]')
        expect(link.locator("xpath=ancestor::tr")).to_contain_text(name)
        link.evaluate("link => link.scrollIntoView({block: 'center', inline: 'nearest'})")
        sideways = link.evaluate("link => [window.scrollX, link.closest('.table-scroll').scrollLeft]")
        assert sideways == [0, 0], f"{name}: reaching 作废 scrolled the page or its table sideways"
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, (name, box)
        assert box["height"] >= TAP_HEIGHT, (name, box)
        middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert link.evaluate("(link, [x, y]) => document.elementFromPoint(x, y) === link", middle), name
    page.touchscreen.tap(*middle)
    expect(page).to_have_url(live_server + rows[GUARDIAN[0]])


# --- checklist rows ------------------------------------------------------------------------


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_a_tap_anywhere_on_a_checklist_row_ticks_it(live_server, open_phone_with, make, site, text_size):
    east_gate = make.site(name="东门")  # a short name leaves most of its row empty
    manager = make.user("two-homes", sites=[site, east_gate])
    page = manager_phone(open_phone_with, live_server, manager, text_size)
    page.goto(f"{live_server}/admin/activities/new?site={site['id']}")
    rows = {
        "home": page.locator("ul#sites li").filter(has_text="东门"),
        "Wednesday": page.locator("ul#weekdays li").filter(has_text="周三"),
    }
    for what, row in rows.items():
        row.scroll_into_view_if_needed()
        checkbox = row.locator("input[type=checkbox]")
        row_box, box, words = (item.bounding_box() for item in (row, checkbox, row.locator("label")))
        assert row_box["height"] >= TAP_HEIGHT, (what, row_box)
        middle = row_box["y"] + row_box["height"] / 2
        spots = {  # where neither the box nor the words are
            "between the box and the words": ((box["x"] + box["width"] + words["x"]) / 2, middle),
            "above the words": (words["x"] + words["width"] / 2, row_box["y"] + 2),
            "below the words": (words["x"] + words["width"] / 2, row_box["y"] + row_box["height"] - 2),
            "at the row's far end": (row_box["x"] + row_box["width"] - 2, middle),
        }
        for spot, (x, y) in spots.items():
            was = checkbox.is_checked()
            # A mouse click hits exactly there; a touch would be moved onto the nearest control
            # by Chromium's touch adjustment, which a real finger on a real phone cannot count on.
            page.mouse.click(x, y)
            assert checkbox.is_checked() != was, f"{what}: a tap {spot} ({x:.0f}, {y:.0f}) did nothing"
    assert page_width(page) <= PHONE_WIDTH


# --- the roll-call's live filter -------------------------------------------------------------


def test_the_live_filter_finds_full_width_initials_as_the_server_does(
    live_server, open_phone_with, manager, after_school, seeded_day
):
    page = manager_phone(open_phone_with, live_server, manager, "standard")
    page.goto(f"{live_server}/admin/activities/{after_school['id']}/roll-call")
    search = page.locator("input[data-filter]")
    for typed in ("ｗｘｍ", "ＷＸＭ", "wxm", "王 小明"):
        search.fill(typed)
        expect(page.locator("li[data-keys]").filter(has_text="王小明")).to_be_visible()
        expect(page.locator("li[data-keys]").filter(has_text="李思琪")).to_be_hidden()
    search.fill("")
    expect(page.locator("li[data-keys]").filter(has_text="李思琪")).to_be_visible()
