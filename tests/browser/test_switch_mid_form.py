"""大字模式 and the language switch in the middle of a form, and the focus after a failed submit.

QA: the switches at the foot of every page are links, so a grandparent who typed her name,
then tapped 大字模式 to read the rest, got the form back empty. static/keep-typed.js carries
what was typed across the switch (never the consent tick: that is given to the text as shown).
After a submit with something to correct, the first field marked wrong has the focus
(static/post-answer.js), so a screen reader reads its message and the page shows it.
"""

from __future__ import annotations

import pytest

from formsvc.attendance.models import AdultSignIn
from tests.workspace_helpers import count

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make):
    return make.site()


def fill_guardian_form(page) -> None:
    page.get_by_label("您的姓名", exact=True).fill("李秀英")
    page.locator("label.pill").filter(has_text="奶奶").click()
    page.get_by_label("手机号（可不填）", exact=True).fill("139 0000 1234")
    page.get_by_label("村或社区", exact=True).fill("新华村")
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("王小明")
    page.get_by_label("我已阅读并同意", exact=True).check()


def test_larger_text_mid_form_keeps_what_was_typed_but_asks_consent_again(app, live_server, open_phone_with, lecture):
    page = open_phone_with(js=True).page
    page.goto(f"{live_server}/a/{lecture['token']}/guardian")
    fill_guardian_form(page)

    page.get_by_role("link", name="大字模式").click()
    page.wait_for_load_state()

    assert "large-text" in (page.locator("html").get_attribute("class") or "")
    assert page.get_by_label("您的姓名", exact=True).input_value() == "李秀英"
    assert page.locator("label.pill").filter(has_text="奶奶").locator("input").is_checked()
    assert page.get_by_label("手机号（可不填）", exact=True).input_value() == "139 0000 1234"
    assert page.get_by_label("村或社区", exact=True).input_value() == "新华村"
    assert page.get_by_label("孩子姓名（可不填）", exact=True).input_value() == "王小明"
    assert not page.get_by_label("我已阅读并同意", exact=True).is_checked()

    page.get_by_label("我已阅读并同意", exact=True).check()
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_url("**/r/**")
    assert count(app, AdultSignIn, AdultSignIn.name == "李秀英") == 1

    page.goto(f"{live_server}/a/{lecture['token']}/guardian?someone_else=1")
    assert page.get_by_label("您的姓名", exact=True).input_value() == ""  # kept once, then forgotten


def test_switching_language_on_a_corrected_form_keeps_the_entries(live_server, open_phone_with, after_school):
    page = open_phone_with(js=True).page
    page.goto(f"{live_server}/a/{after_school['token']}/child")
    page.get_by_label("孩子姓名", exact=True).fill("王小明")  # no consent ticked: the form comes back
    page.locator("label.pill").filter(has_text="外婆").click()
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_load_state()

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Child's name", exact=True).input_value() == "王小明"
    assert page.locator("label.pill").filter(has_text="Grandmother (mother's side)").locator("input").is_checked()


def test_the_first_field_to_correct_has_the_focus(live_server, open_phone_with, lecture):
    page = open_phone_with(js=True).page
    page.goto(f"{live_server}/a/{lecture['token']}/guardian")
    page.get_by_label("村或社区", exact=True).fill("新华村")
    page.get_by_role("button", name="签到", exact=True).click()  # no name, no relation
    page.wait_for_load_state()

    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.getAttribute('aria-invalid')]")
    assert focused == ["name", "true"]
    assert page.get_by_text("请写上您的名字。").is_visible()
    assert page.get_by_label("村或社区", exact=True).input_value() == "新华村"


def test_a_paper_sheet_half_typed_survives_the_language_switch(make, live_server, open_phone_with, site, after_school):
    """QA: a manager who had typed 30 names into the paper sheet and tapped English lost them all."""
    from tests.browser_support import log_in

    page = open_phone_with(js=True).page
    log_in(page, live_server, make.user("amy", sites=[site]))
    page.goto(f"{live_server}/admin/activities/{after_school['id']}/paper")
    lines = "王小明\n李思琪 奶奶\n韦小宝"
    page.locator("textarea[name=lines]").fill(lines)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("textarea[name=lines]").input_value() == lines
