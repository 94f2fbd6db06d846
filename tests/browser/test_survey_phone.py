"""A survey on a phone with JavaScript: a question that does not apply is hidden and leaves no gap in the numbers."""

from __future__ import annotations

import pytest

from tests.survey_helpers import make_template, spec, use_at_site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make):
    return make.site()


def shown_numbers(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-q]:not([hidden]) .q-number", "labels => labels.map(label => label.textContent.trim())"
    )


def test_a_hidden_question_leaves_no_gap_in_the_numbers(app, live_server, open_phone_with, site):
    template = make_template(
        app,
        [
            spec("yes_no", "孩子参加了吗", required=True),
            spec("rating", "孩子喜欢吗", when=("q1", "yes")),
            spec("long_text", "还有什么建议"),
        ],
        site_id=site["id"],
    )
    token = use_at_site(app, template, site["id"])
    phone = open_phone_with(js=True)
    phone.page.goto(f"{live_server}/q/{token}")
    assert shown_numbers(phone.page) == ["1.", "2."]  # the rating waits for "yes"
    phone.page.locator("label.choice-option").filter(has_text="是").first.click()
    assert shown_numbers(phone.page) == ["1.", "2.", "3."]
    phone.page.locator("label.choice-option").filter(has_text="否").first.click()
    assert shown_numbers(phone.page) == ["1.", "2."]


@pytest.mark.parametrize("width", [360, 320])
def test_yes_and_no_stay_on_the_screen_with_the_largest_text(app, live_server, open_phone_with, site, width):
    """QA: with 大字模式 and the phone's own text zoom (WeChat's care mode, 1.5×), 否 ran off the screen."""
    template = make_template(app, [spec("yes_no", "您会推荐其他家长来参加吗？", required=True)], site_id=site["id"])
    token = use_at_site(app, template, site["id"])
    page = open_phone_with(js=True).page
    page.set_viewport_size({"width": width, "height": 640})
    page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    page.goto(f"{live_server}/text/large?next=/q/{token}")
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.classList.contains('large-text')")
    width_used = page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")
    assert width_used <= width
    for word in ("是", "否"):
        box = page.locator("label.choice-option").filter(has_text=word).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (word, box)


@pytest.mark.parametrize("switch", ["大字模式", "English"])
def test_a_question_shown_by_an_answer_stays_shown_after_a_switch_mid_survey(
    app, live_server, open_phone_with, site, switch
):
    """QA: after 大字模式 or the language switch the "yes" came back ticked, but the question it
    opens stayed hidden (keep-typed.js restored the answers without telling surveys.js)."""
    from formsvc.surveys.models import SurveyResponse
    from tests.workspace_helpers import count

    template = make_template(
        app,
        [
            spec("yes_no", "孩子参加了吗", required=True, title_en="Did your child take part?"),
            spec("rating", "孩子喜欢吗", required=True, when=("q1", "yes"), title_en="Did your child like it?"),
            spec("long_text", "还有什么建议", title_en="Anything else?"),
        ],
        site_id=site["id"],
    )
    token = use_at_site(app, template, site["id"])
    page = open_phone_with(js=True).page
    page.goto(f"{live_server}/q/{token}")
    page.locator("label.choice-option").filter(has_text="是").first.click()
    page.locator("textarea").fill("很好")
    assert shown_numbers(page) == ["1.", "2.", "3."]

    page.get_by_role("link", name=switch).click()
    page.wait_for_load_state()

    assert page.locator("[data-q] input[value=yes]").is_checked()
    assert page.locator("textarea").input_value() == "很好"
    assert shown_numbers(page) == ["1.", "2.", "3."]  # the rating is back with its "yes"
    page.locator("[data-q=q2] label.face-option").last.click()
    page.locator("button.submit").click()
    page.wait_for_url("**/thanks")
    assert count(app, SurveyResponse) == 1
