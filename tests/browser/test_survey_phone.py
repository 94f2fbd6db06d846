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
