"""For older eyes (MIIT 适老化): 18 px text, 7:1 contrast for body text, a receipt readable at
arm's length, a "larger text" switch this phone remembers, icons beside the words.

The contrast test reads the colours straight from static/app.css, so a change of colour is
checked without a browser; axe (test_axe.py) checks the rendered pages at 4.5:1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import PHONE_WIDTH
from tests.quality.conftest import ZH, translated

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

CSS = Path(__file__).resolve().parents[2] / "static" / "app.css"
MIN_TEXT = 18  # px, MIIT's main text
# Known exceptions, each a selector on one page, until fixed where they live (none today).
SMALL_TEXT_EXCEPTIONS: dict[str, tuple[str, ...]] = {}
LARGER = 1.3

# --- contrast, from the style sheet ------------------------------------------------------


def css_rules(css: str) -> dict[str, dict[str, str]]:
    """{selector: {property: value}} of the top-level rules (later rules win, like the browser)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _colon, value in (part.partition(":") for part in body.split(";"))
            if value.strip()
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    return rules


def colour(rules: dict, selector: str, prop: str) -> str:
    """The colour a rule gives ``prop``, with var(--x) resolved from :root."""
    value = rules[selector][prop]
    if prop in ("border", "border-left", "background"):  # shorthands: the colour is one word of it
        value = next(word for word in value.split() if word.startswith(("#", "var(")))
    variable = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if variable:
        value = rules[":root"][f"--{variable.group(1)}"]
    assert re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value), (selector, prop, value)
    return value


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two colours."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# (what, foreground selector and property, background selector and property, the bar)
BODY_TEXT = [
    ("body text", ("body", "color"), ("body", "background")),
    ("help and footer text", (".help", "color"), ("body", "background")),
    ("activity line", (".activity", "color"), ("body", "background")),
    ("links", ("a", "color"), ("body", "background")),
    ("error messages", (".error", "color"), ("body", "background")),
    ("notice", ("body", "color"), (".notice", "background")),
    ("warning notice", (".notice-warn", "color"), (".notice-warn", "background")),
    ("site name bar", (".top", "color"), (".top", "background")),
    ("main buttons", (".submit", "color"), (".submit", "background")),
    ("secondary button", (".big-button.secondary", "color"), (".big-button.secondary", "background")),
    ("chosen answer", (".pill input:checked+span", "color"), (".pill input:checked+span", "background")),
    ("receipt", ("body", "color"), (".receipt", "background")),
    ("receipt, already signed in", ("body", "color"), (".receipt-again", "background")),
]
LARGE_OR_DECORATIVE = [  # 4.5:1 (WCAG AAA for large text)
    ("receipt tick", (".tick", "color"), (".receipt", "background")),
    ("receipt tick, already signed in", (".receipt-again .tick", "color"), (".receipt-again", "background")),
]
NON_TEXT = [  # 3:1 (WCAG 1.4.11): what shows where to tap and type
    ("input border", (".input", "border"), (".input", "background")),
    ("answer pill border", (".pill span", "border"), (".pill span", "background")),
    ("notice bar", (".notice", "border-left"), ("body", "background")),
]


def test_body_text_contrast_is_at_least_7_to_1_and_the_rest_meets_its_bar():
    rules = css_rules(CSS.read_text(encoding="utf-8"))
    low = []
    for pairs, bar in ((BODY_TEXT, 7.0), (LARGE_OR_DECORATIVE, 4.5), (NON_TEXT, 3.0)):
        for what, (fg_selector, fg_prop), (bg_selector, bg_prop) in pairs:
            ratio = contrast(colour(rules, fg_selector, fg_prop), colour(rules, bg_selector, bg_prop))
            if ratio < bar:
                low.append(f"{what}: {ratio:.2f} < {bar}")
    assert low == []


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#fff", "#fff") == 1


# --- icons beside the words ----------------------------------------------------------------


def test_every_activity_button_has_an_icon(app, public_site):
    html = app.test_client().get(public_site.page("site").path, headers=ZH).get_data(as_text=True)
    buttons = re.findall(r'<a class="big-button kind-[^"]*"[^>]*>(.*?)</a>', html, flags=re.S)
    assert len(buttons) >= 2
    assert all(re.search(r'<svg class="icon"[^>]*aria-hidden="true"', button) for button in buttons)


# --- in the browser --------------------------------------------------------------------------

TEXT_SIZES = """() => {
    const small = [];
    for (const element of document.body.querySelectorAll('*')) {
        const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const isControl = element.matches('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), button');
        if ((own || isControl) && element.getClientRects().length) {
            const size = parseFloat(getComputedStyle(element).fontSize);
            if (size < %(min)s) {
                small.push(element.tagName.toLowerCase() + '.' + element.className + ' "' +
                           (element.textContent.trim() || element.name || '').slice(0, 24) + '" ' + size + 'px');
            }
        }
    }
    return {small, scrollWidth: document.documentElement.scrollWidth,
            body: parseFloat(getComputedStyle(document.body).fontSize)};
}"""


def measure(page, minimum: float) -> dict:
    return page.evaluate(TEXT_SIZES % {"min": minimum})


@pytest.mark.browser
def test_text_on_public_pages_is_at_least_18_px(live_server, public_site, open_phone_with):
    page = open_phone_with(js=True).page
    small = {}
    for public_page in public_site.pages:
        page.goto(live_server + public_page.path)
        metrics = measure(page, MIN_TEXT)
        exceptions = SMALL_TEXT_EXCEPTIONS.get(public_page.name, ())
        texts = [text for text in metrics["small"] if not text.startswith(exceptions)]
        if texts:
            small[public_page.name] = texts
    assert small == {}, "\n".join(f"{name}: {', '.join(texts)}" for name, texts in small.items())


@pytest.mark.browser
def test_the_receipt_is_readable_at_arms_length(live_server, public_site, open_phone_with):
    page = open_phone_with(js=True).page
    page.goto(live_server + public_site.page("receipt").path)
    size = {
        selector: page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)")
        for selector in (".receipt h1", ".receipt-time", ".receipt-code strong", ".receipt-line")
    }
    assert size[".receipt h1"] >= 32 and size[".receipt-line"] >= 24
    assert size[".receipt-time"] >= 48 and size[".receipt-code strong"] >= 28
    box = page.locator(".receipt").bounding_box()
    assert box["y"] + box["height"] <= 640  # the whole receipt on the first screen, no scrolling


@pytest.mark.browser
def test_larger_text_is_remembered_across_pages_and_nothing_scrolls_sideways(
    app, live_server, public_site, open_phone_with
):
    """The switch is a link (no script): a cookie, a class on <html>, everything in rem × 1.3."""
    phone = open_phone_with(js=False)
    page = phone.page
    form = public_site.page("child-form").path
    page.goto(live_server + form)
    standard = open_phone_with(js=True).page
    standard.goto(live_server + form)
    standard_size = measure(standard, 0)["body"]

    switch = page.locator("a[href^='/text/large']")
    expect(switch).to_have_text(translated(app, "Larger text"))
    switch.click()
    expect(page).to_have_url(live_server + form)  # back where the person was
    expect(page.locator("html.large-text")).to_have_count(1)
    cookies = {cookie["name"]: cookie for cookie in phone.context.cookies()}
    assert cookies["text"]["value"] == "large" and cookies["text"]["expires"] > 0  # kept on the phone
    for other in ("site", "receipt", "not-found"):
        page.goto(live_server + public_site.page(other).path)
        expect(page.locator("html.large-text")).to_have_count(1)

    # The same phone with JavaScript on, to measure: the cookie carries over to every page.
    measuring = open_phone_with(js=True)
    measuring.context.add_cookies(phone.context.cookies())
    wide = {}
    for public_page in public_site.pages:
        measuring.page.goto(live_server + public_page.path)
        expect(measuring.page.locator("html.large-text")).to_have_count(1)
        metrics = measure(measuring.page, 0)
        assert metrics["body"] == pytest.approx(standard_size * LARGER, rel=0.02), public_page.name
        if metrics["scrollWidth"] > PHONE_WIDTH:
            wide[public_page.name] = metrics["scrollWidth"]
    assert wide == {}

    page.goto(live_server + form)
    back = page.locator("a[href^='/text/standard']")
    expect(back).to_have_text(translated(app, "Standard text size"))
    back.click()
    expect(page).to_have_url(live_server + form)
    expect(page.locator("html.large-text")).to_have_count(0)
    assert "text" not in {cookie["name"] for cookie in phone.context.cookies()}
