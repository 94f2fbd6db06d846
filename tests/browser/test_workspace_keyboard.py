"""The workspace by keyboard and screen reader: after a submit with something to correct, the
focus is on it; a hint is read with its field; wide tables can be reached and scrolled.

QA (workspace accessibility): a schedule form without a home ticked came back with the focus
on <body> and the error tied to nothing (25 tabs to find it); a tally period typed wrong was
reported above the page, away from its field; a wrong password left the focus nowhere; the
audit log, the homes list and two tally tables scrolled only with a mouse.
"""

from __future__ import annotations

import re

import pytest

from tests.browser_support import log_in
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def office_pc(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const group = element.closest('fieldset');
            return {
                name: element.getAttribute('name'),
                invalid: element.getAttribute('aria-invalid'),
                group_described_by: group ? group.getAttribute('aria-describedby') : null,
            };
        }"""
    )


def test_a_schedule_without_a_home_puts_the_focus_on_the_homes(make, live_server, office_pc):
    site = make.site()
    log_in(office_pc, live_server, make.user("amy", sites=[site, make.site(name="河西村儿童之家")]))
    office_pc.goto(f"{live_server}/admin/activities/new")
    office_pc.locator("input[name=title]").fill("周六家长课堂")
    office_pc.locator("input[name=opens]").fill("09:00")
    office_pc.locator("input[name=closes]").fill("11:00")
    office_pc.locator("input[name=for_guardians]").check()
    office_pc.locator("button.submit").press("Enter")
    office_pc.wait_for_load_state()
    assert focused(office_pc) == {"name": "sites", "invalid": None, "group_described_by": "sites-error"}
    assert office_pc.locator("#sites-error").is_visible()


def test_a_wrong_tally_period_is_told_at_its_field_with_the_focus_there(make, live_server, office_pc):
    make.site()
    log_in(office_pc, live_server, make.user("clerk", role="admin"))
    office_pc.goto(f"{live_server}/admin/tallies?scope=district&period=2026年11月")
    period = office_pc.locator("input[name=period]")
    assert focused(office_pc)["name"] == "period" and period.get_attribute("aria-invalid") == "true"
    described = period.get_attribute("aria-describedby").split()
    assert described == ["period-error", "period-help"]
    assert office_pc.locator("#period-help").inner_text().strip()


def test_a_wrong_password_puts_the_focus_back_on_the_password(make, live_server, office_pc):
    make.user("amy")
    office_pc.goto(f"{live_server}/admin/login")
    office_pc.locator("input[name=username]").fill("amy")
    office_pc.locator("input[name=password]").fill("not-the-password")
    office_pc.locator("input[name=password]").press("Enter")
    office_pc.wait_for_load_state()
    assert focused(office_pc) == {"name": "password", "invalid": "true", "group_described_by": None}


def test_wide_tables_are_reachable_by_keyboard_and_named(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("clerk", role="admin"))
    for path in ("/admin/audit/", "/admin/sites/", f"/admin/tallies?scope=site:{site['id']}&period=2026"):
        html = client.get(path).get_data(as_text=True)
        boxes = re.findall(r'<div class="table-scroll"([^>]*)>', html)
        assert boxes, path
        for attributes in boxes:
            assert 'tabindex="0"' in attributes and 'role="region"' in attributes, (path, attributes)
            label = re.search(r'aria-labelledby="([^"]+)"', attributes).group(1)
            assert f'id="{label}"' in html, (path, label)
