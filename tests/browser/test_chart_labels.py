"""Chart labels a manager can read on a phone 375 px wide, and still sensible on an office screen.

QA: the server-drawn charts (dashboard, tallies, survey results) were 640 units wide and
shrank to fit the phone, so their 12-unit labels ended up about 6 px tall.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser_support import PHONE, log_in
from tests.survey_helpers import answer, make_template, spec, use_at_site

pytestmark = pytest.mark.browser

# Every <text> of every chart: its font size as drawn (the SVG's scale applied), its box, the
# box of the chart it belongs to and, for a label, where its bar starts; in CSS pixels.
MEASURE = """() => [...document.querySelectorAll("svg.chart text")].map(text => {
    const box = text.getBoundingClientRect(), chart = text.ownerSVGElement.getBoundingClientRect();
    const bar = text.nextElementSibling && text.nextElementSibling.tagName === "rect" ? text.nextElementSibling : null;
    return {
        barLeft: bar ? bar.getBoundingClientRect().left : null,
        text: text.textContent,
        px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
        height: box.height, left: box.left, right: box.right,
        chartLeft: chart.left, chartRight: chart.right,
    };
})"""

PHONE_375 = {**PHONE, "viewport": {"width": 375, "height": 700}}
SCREENS = {
    "phone-375": PHONE_375,
    # English labels are the longest ("Volunteer service"): they must fit beside their bars too.
    "phone-375-en": {**PHONE_375, "locale": "en-US"},
    "office-1366": {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"},
}
LABELS = {
    "zh": {"survey results": ["满意", "微信群", "孩子带回家的通知单"], "tallies": ["家教宣讲"]},
    "en": {"survey results": ["Very dissatisfied", "微信群", "孩子带回家的通知单"], "tallies": ["Volunteer service"]},
}


@pytest.fixture
def chart_pages(app, make, today):
    """The three pages with charts, with a survey of a rating and a choice of long answers."""
    site = make.site(name="城关镇东门社区儿童之家")
    template_id = make_template(
        app,
        [
            spec("rating", "讲座满意度", required=True),
            spec("single", "您是怎么知道这次讲座的", options=["村里的广播通知", "微信群", "孩子带回家的通知单"]),
        ],
    )
    token = use_at_site(app, template_id, site["id"])
    for rating, heard in (("5", "1"), ("4", "2"), ("5", "3")):
        assert answer(app.test_client(), token, {"q1": rating, "q2": heard}).status_code == 302
    return {
        "user": make.user("clerk", role="admin"),
        "pages": {
            "dashboard": "/admin/",
            "tallies": f"/admin/tallies?scope=district&period={today.year}",
            "survey results": f"/admin/surveys/{template_id}/results",
        },
    }


@pytest.mark.parametrize("screen", SCREENS)
def test_chart_labels_are_legible(browser, live_server, chart_pages, screen):
    context = browser.new_context(**SCREENS[screen])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, live_server, chart_pages["user"])
        width = SCREENS[screen]["viewport"]["width"]
        for name, path in chart_pages["pages"].items():
            page.goto(f"{live_server}{path}")
            texts = page.evaluate(MEASURE)
            assert texts, f"{name}: no chart text"
            drawn = {text["text"] for text in texts}
            labels = LABELS[SCREENS[screen]["locale"][:2]].get(name, [])
            assert all(label in drawn for label in labels), (name, sorted(drawn))
            for text in texts:
                where = f"{screen} {name}: {text['text']!r}"
                # 12 px is the least an older reader can make out on a phone held at arm's length.
                assert text["px"] >= 12 and text["height"] >= 12, f"{where} is drawn {text['px']:.1f} px"
                assert text["px"] <= 20, f"{where} is blown up to {text['px']:.1f} px"
                assert text["chartLeft"] - 1 <= text["left"] and text["right"] <= text["chartRight"] + 1, (
                    f"{where} runs out of its chart"
                )
                assert text["chartRight"] <= width, f"{name}: the chart is wider than the screen"
                if text["barLeft"] is not None:  # a label, followed by its bar
                    assert text["right"] <= text["barLeft"], f"{where} runs into its bar"
    finally:
        context.close()


def chart_texts(page) -> list[dict]:
    """The charts' labels (each followed by its bar) and values, as MEASURE draws them."""
    texts = page.evaluate(MEASURE)
    assert texts, "no chart text"
    return texts


@pytest.mark.parametrize("screen", ["phone-375", "office-1366"])
def test_chart_labels_grow_with_larger_text(browser, live_server, chart_pages, screen):
    """QA: with "Larger text" every word of the page grew but the charts' labels: a phone shrinks
    the chart back to its width, so the text inside it stayed 17 px."""
    context = browser.new_context(**SCREENS[screen])
    context.set_default_timeout(10_000)
    width = SCREENS[screen]["viewport"]["width"]
    try:
        page = context.new_page()
        log_in(page, live_server, chart_pages["user"])
        for name, path in chart_pages["pages"].items():
            page.goto(f"{live_server}{path}")
            standard = max(text["px"] for text in chart_texts(page))
            page.goto(f"{live_server}/text/large?next={quote(path)}")
            assert page.evaluate("document.documentElement.classList.contains('large-text')")
            texts = chart_texts(page)
            # The page's text grows 1.3 times ("Larger text"); the charts' text with it.
            assert min(text["px"] for text in texts) >= 1.2 * standard, (name, standard, texts)
            for text in texts:
                where = f"{screen} {name} larger text: {text['text']!r}"
                assert text["px"] <= 30, f"{where} is blown up to {text['px']:.1f} px"
                assert text["chartLeft"] - 1 <= text["left"] and text["right"] <= text["chartRight"] + 1, (
                    f"{where} runs out of its chart"
                )
                assert text["chartRight"] <= width, f"{name}: the chart is wider than the screen"
                if text["barLeft"] is not None:
                    assert text["right"] <= text["barLeft"], f"{where} runs into its bar"
            page.goto(f"{live_server}/text/standard?next=/admin/")
    finally:
        context.close()
