"""Roll-call down a long roster: the "not saved yet" notice stays on the screen while a tick waits.

QA: the notice appeared above the list, so a manager ticking the children near the end of a
roster of forty saw names saying "Waiting to send" and no word why. It now sits under the list
and sticks to the bottom of the screen while anything waits: wherever the manager is in the
list it is in view, showing it moves no row (a name does not jump from under the next tap),
and the row just tapped is never hidden behind it.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_rollcall_offline import TOGGLE, row
from tests.browser_support import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

ROSTER = [surname + given for surname in "王李张刘陈杨黄赵" for given in ("小明", "思琪", "子轩", "雨涵", "浩然")]
NARROW_PHONE = {"width": 375, "height": 667}


@pytest.fixture
def site(make):
    return make.site(name="城关镇东门社区儿童之家")


@pytest.fixture
def page(make, site, after_school, live_server, open_phone_with):
    """The roll-call of forty children on a 375 px phone; the rows' child ids in the page's order."""
    for name in ROSTER:
        make.child(site, name)
    phone = open_phone_with(js=True)
    phone.page.set_viewport_size(NARROW_PHONE)
    log_in(phone.page, live_server, make.user("dongmen", sites=[site]))
    phone.page.goto(f"{live_server}/admin/activities/{after_school['id']}/roll-call")
    phone.page.route(TOGGLE, lambda route: route.abort("internetdisconnected"))
    return phone.page


def child_ids(page) -> list[int]:
    ids = page.locator("[data-rollcall] li[id]").evaluate_all("rows => rows.map(row => row.id)")
    assert len(ids) == len(ROSTER)
    return [int(id_.removeprefix("child-")) for id_ in ids]


def notice(page):
    return page.locator("[data-offline]")


def assert_notice_on_screen_beside(page, button) -> None:
    """The notice wholly on the screen, and the waiting row wholly on it too, not behind the notice."""
    expect(notice(page)).to_be_visible(timeout=3_000)
    expect(notice(page)).to_be_in_viewport(ratio=1)
    expect(button).to_have_class(re.compile(r"\bunsaved\b"))
    expect(button).to_be_in_viewport(ratio=1)
    tapped, said = button.bounding_box(), notice(page).bounding_box()
    assert tapped["y"] + tapped["height"] <= said["y"] or tapped["y"] >= said["y"] + said["height"], (tapped, said)


def assert_sent_and_notice_gone(page, button) -> None:
    page.unroute(TOGGLE)
    expect(button).to_have_attribute("aria-pressed", "true", timeout=20_000)
    expect(button).not_to_have_class(re.compile(r"\bunsaved\b"))
    expect(notice(page)).to_be_hidden()


def test_at_the_bottom_of_a_long_roster_the_notice_is_on_screen_while_a_tick_waits(page):
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    last = row(page, child_ids(page)[-1])
    last.click()
    assert_notice_on_screen_beside(page, last)
    page.evaluate("window.scrollTo(0, 0)")  # back up to the search box: still said
    expect(notice(page)).to_be_in_viewport(ratio=1)
    assert_sent_and_notice_gone(page, last)


def test_in_the_middle_of_the_roster_the_notice_shows_without_moving_any_row(page):
    middle = row(page, child_ids(page)[20])
    middle.evaluate("button => button.scrollIntoView({block: 'center'})")
    before = middle.bounding_box()["y"]
    middle.click()
    assert_notice_on_screen_beside(page, middle)
    assert middle.bounding_box()["y"] == pytest.approx(before, abs=1)  # the next name is where it was
    sizes = notice(page).evaluate(
        """notice => ({width: notice.getBoundingClientRect().width,
                       font: parseFloat(getComputedStyle(notice).fontSize),
                       page: document.documentElement.scrollWidth})"""
    )
    assert sizes["width"] <= NARROW_PHONE["width"] and sizes["page"] <= NARROW_PHONE["width"]  # no sideways scroll
    assert sizes["font"] >= 18  # main text of an age-friendly page
    assert_sent_and_notice_gone(page, middle)


def test_a_row_tapped_at_the_bottom_edge_of_the_screen_is_moved_up_above_the_notice(page):
    edge = row(page, child_ids(page)[15])
    edge.evaluate("button => button.scrollIntoView({block: 'end'})")
    edge.click()
    assert_notice_on_screen_beside(page, edge)
    assert_sent_and_notice_gone(page, edge)
