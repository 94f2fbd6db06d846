"""Roll-call on a phone: a name typed in the search that matches nobody is ready in the add-a-child
box, with JavaScript (the live filter) and without (the search button)."""

from __future__ import annotations

import pytest

from tests.browser_support import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make):
    site = make.site(name="城关镇东门社区儿童之家")
    make.child(site, "王小明")
    return site


def test_a_name_nobody_has_is_ready_to_add(make, site, after_school, live_server, phone):
    log_in(phone.page, live_server, make.user("dongmen", sites=[site]))
    page = phone.page
    page.goto(f"{live_server}/admin/activities/{after_school['id']}/roll-call")
    search, add_name = page.locator("input[data-filter]"), page.locator("#add input[name=name]")

    def searched(typed: str) -> None:
        search.fill(typed)
        if not phone.js:
            page.locator("form.search button[type=submit]").click()
            page.wait_for_load_state()

    searched("zyt")  # initials: no name to add
    expect(add_name).to_have_value("")
    searched("韦丽丽")
    expect(add_name).to_have_value("韦丽丽")
    if phone.js:  # the live filter follows the typing: found again, the box empties
        searched("王小")
        expect(add_name).to_have_value("")
        searched("韦丽")
        expect(add_name).to_have_value("韦丽")
        add_name.fill("韦莉莉")  # the manager's own words are never overwritten
        searched("zyt")
        expect(add_name).to_have_value("韦莉莉")
        searched("韦丽丽")
        expect(add_name).to_have_value("韦莉莉")
