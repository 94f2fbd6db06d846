"""The poster QR flow in a real browser, as a grandparent's cheap Android phone in WeChat meets it.

Every flow runs twice, with JavaScript on and off: the public pages ship none, so nothing may
change. Checks that need JavaScript inside the page (computed styles, scroll widths) run in a
separate JavaScript-on phone; the JavaScript-off runs measure only through the browser itself
(element boxes, the size of a full-page screenshot).
"""

from __future__ import annotations

import re
import struct

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from formsvc.privacy.models import Consent
from formsvc.text import mask_name
from tests.browser_support import PHONE_SCALE, PHONE_WIDTH
from tests.conftest import SHANGHAI

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

MIN_TARGET = 44  # px, the smallest comfortable touch target (WCAG 2.5.5, MIIT 适老化)
MIN_SUBMIT = 60
MIN_FONT = 16


@pytest.fixture
def site(make):
    return make.site()


# --- helpers ---------------------------------------------------------------------------


def scan(phone, live_server, site, activity, audience):
    """Open the poster's site page and get to ``activity``'s form for ``audience``."""
    phone.page.goto(f"{live_server}/s/{site['token']}")
    return choose(phone.page, live_server, activity, audience)


def sign_in_someone_else(page, live_server, activity, audience):
    """The receipt's big "sign in someone else" button: the same activity's form, blank."""
    page.get_by_role("link", name="再签一个人").click()
    expect(page).to_have_url(f"{live_server}/a/{activity['token']}/{audience}?someone_else=1")
    return page


def choose(page, live_server, activity, audience):
    """On the site page, or on the form it redirected to, end up on ``activity``'s form.

    Between 07:00 and 21:00 the site's daily opening is open too and the page lists both as
    buttons; otherwise the one open activity redirects straight to its form.
    """
    page.wait_for_url(re.compile(r"/(s/[^/?]+|a/[^/?]+/[a-z]+)$"))  # left the previous page
    form_path = f"/a/{activity['token']}/{audience}"
    if not page.url.endswith(form_path):
        page.locator(f'a.big-button[href="{form_path}"]').click()
    expect(page).to_have_url(live_server + form_path)
    return page


def pill(page, text):
    """A relation pill: its radio input is visually hidden, so a finger taps the label."""
    return page.locator("label.pill").filter(has=page.get_by_text(text, exact=True))


def submit(page):
    page.get_by_role("button", name="签到", exact=True).click()


def agree_if_asked(page):
    """A phone's first child sign-in shows the guardian-consent box: tick "我已阅读并同意"."""
    box = page.get_by_label("我已阅读并同意", exact=True)
    if box.count():
        box.check()


def sign_child_in(phone, live_server, site, activity, name, relation):
    page = scan(phone, live_server, site, activity, "child")
    page.get_by_label("孩子姓名", exact=True).fill(name)
    pill(page, relation).click()
    expect(pill(page, relation).locator("input")).to_be_checked()
    agree_if_asked(page)
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    return page


def rows(app, model):
    with app.app_context():
        return db.session.execute(select(model)).scalars().all()


def screenshot_width(phone, name) -> int:
    """The CSS width of a full-page screenshot: wider than the viewport means sideways scrolling."""
    png = phone.screenshot(name).read_bytes()
    width, _height = struct.unpack(">II", png[16:24])  # the PNG IHDR chunk
    return width // PHONE_SCALE


# --- the flow --------------------------------------------------------------------------


def test_scan_and_sign_a_child_in(app, live_server, phone, site, after_school):
    page = scan(phone, live_server, site, after_school, "child")
    expect(page.get_by_role("heading", level=1)).to_have_text("儿童签到")
    page.get_by_label("孩子姓名", exact=True).fill("吉𠮷")
    pill(page, "奶奶").click()
    expect(pill(page, "奶奶").locator("input")).to_be_checked()
    phone.screenshot("child-form")
    agree_if_asked(page)
    submit(page)

    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("签到成功")
    expect(page.locator(".receipt-line")).to_have_text(mask_name("吉𠮷"))
    assert mask_name("吉𠮷") == "吉*"
    expect(page.locator(".receipt-time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.locator(".receipt-code strong")).to_have_text(re.compile(r"^[0-9A-Z]{4}$"))
    expect(page.get_by_text("吉𠮷")).to_have_count(0)
    phone.screenshot("receipt")

    (attendance,) = rows(app, Attendance)
    expect(page.locator(".receipt-code strong")).to_have_text(attendance.receipt_code)
    local_time = attendance.signed_in_at.astimezone(SHANGHAI).strftime("%H:%M")
    expect(page.locator(".receipt-time")).to_have_text(local_time)
    assert attendance.activity_id == after_school["id"]
    assert attendance.signed_by.value == "grandmother"
    assert [child.name for child in rows(app, Child)] == ["吉𠮷"]


def test_a_second_visit_remembers_the_child_and_not_me_forgets(app, live_server, phone, site, after_school):
    page = sign_child_in(phone, live_server, site, after_school, "农浩然", "爷爷")
    sign_in_someone_else(page, live_server, after_school, "child")  # someone else: another child
    expect(page.get_by_label("孩子姓名", exact=True)).to_have_value("")
    expect(pill(page, "爷爷").locator("input")).to_be_checked()  # most likely by the same grandfather
    expect(page.locator("a.pill-link")).to_have_text(["农浩然"])  # the child just signed in, one tap away

    page = scan(phone, live_server, site, after_school, "child")  # the next visit, by the poster
    expect(page.get_by_label("孩子姓名", exact=True)).to_have_value("农浩然")
    expect(pill(page, "爷爷").locator("input")).to_be_checked()
    assert "农浩然" not in page.url
    phone.screenshot("child-form-remembered")

    page.get_by_role("link", name=re.compile("^不是我")).click()
    expect(page).to_have_url(f"{live_server}/a/{after_school['token']}/child")
    expect(page.get_by_label("孩子姓名", exact=True)).to_have_value("")
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^不是我"))).to_have_count(0)
    assert "fs_me" not in {cookie["name"] for cookie in phone.context.cookies()}
    assert len(rows(app, Attendance)) == 1


def test_guardian_form_checks_the_phone_number_and_keeps_what_was_typed(app, live_server, phone, site, lecture):
    page = scan(phone, live_server, site, lecture, "guardian")
    mobile = page.get_by_label("手机号（可不填）", exact=True)
    expect(mobile).to_have_attribute("type", "tel")
    expect(mobile).to_have_attribute("inputmode", "numeric")
    expect(mobile).to_have_attribute("autocomplete", "tel")

    page.get_by_label("您的姓名", exact=True).fill("韦丽娟")
    pill(page, "奶奶").click()
    mobile.fill("12345")
    page.get_by_label("村或社区", exact=True).fill("新华村")
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("韦小宝")
    agree_if_asked(page)  # a child's name asks the guardian's consent on a new phone
    submit(page)

    expect(page).to_have_url(f"{live_server}/a/{lecture['token']}/guardian")
    error = page.locator(".field.has-error .error")
    expect(error).to_have_count(1)
    expect(error).to_be_visible()
    expect(error).to_have_text(re.compile("11 位手机号"))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("您的姓名", exact=True)).to_have_value("韦丽娟")
    expect(pill(page, "奶奶").locator("input")).to_be_checked()
    expect(mobile).to_have_value("12345")
    expect(page.get_by_label("村或社区", exact=True)).to_have_value("新华村")
    expect(page.get_by_label("孩子姓名（可不填）", exact=True)).to_have_value("韦小宝")
    phone.screenshot("guardian-error")
    assert rows(app, AdultSignIn) == []

    mobile.fill("138 1234 5678")
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("签到成功")
    expect(page.locator(".receipt-line")).to_have_text("韦*娟")
    phone.screenshot("guardian-receipt")
    (signin,) = rows(app, AdultSignIn)
    assert signin.phone == "13812345678"
    assert signin.relation.value == "grandmother"
    assert signin.village == "新华村" and signin.child_name == "韦小宝"


def test_a_neighbour_on_the_grandmothers_phone_reads_and_ticks_the_consent_herself(
    app, live_server, phone, site, lecture
):
    """The phone accepted under the grandmother's name. The neighbour it is passed to, naming her own
    child, is asked as on a new phone, and loses nothing she typed on the way."""
    page = scan(phone, live_server, site, lecture, "guardian")
    page.get_by_label("您的姓名", exact=True).fill("韦丽娟")
    pill(page, "奶奶").click()
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("韦小宝")
    agree_if_asked(page)
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))

    sign_in_someone_else(page, live_server, lecture, "guardian")
    consent = page.get_by_label("我已阅读并同意", exact=True)
    expect(consent).to_have_count(0)  # accepted on this phone: the blank form shows no box
    page.get_by_label("您的姓名", exact=True).fill("覃秀梅")
    pill(page, "母亲").click()
    page.get_by_label("村或社区", exact=True).fill("和平村")
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("覃小燕")
    submit(page)

    expect(page).to_have_url(f"{live_server}/a/{lecture['token']}/guardian?someone_else=1")  # the form, sent back
    why = page.locator("#consent-error")
    expect(why).to_be_visible()
    if phone.js:  # the box she is asked to read and tick comes into view, its message first
        expect(why).to_be_in_viewport(ratio=1)
        expect(consent).to_be_focused()
    expect(consent).not_to_be_checked()
    expect(page.get_by_label("您的姓名", exact=True)).to_have_value("覃秀梅")
    expect(pill(page, "母亲").locator("input")).to_be_checked()
    expect(page.get_by_label("村或社区", exact=True)).to_have_value("和平村")
    expect(page.get_by_label("孩子姓名（可不填）", exact=True)).to_have_value("覃小燕")
    phone.screenshot("guardian-consent-asked-again")
    assert [signin.name for signin in rows(app, AdultSignIn)] == ["韦丽娟"]

    consent.check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    assert sorted(signin.name for signin in rows(app, AdultSignIn)) == sorted(["韦丽娟", "覃秀梅"])
    assert [consent.how_given.value for consent in rows(app, Consent)] == ["ticked", "ticked"]


def test_the_neighbour_on_the_grandmothers_phone_is_remembered_as_she_sent_it(app, live_server, phone, site, lecture):
    """QA: the neighbour emptied the grandmother's number and grandchild on the filled-in form;
    the next form showed them again under the neighbour's name."""
    page = scan(phone, live_server, site, lecture, "guardian")
    page.get_by_label("您的姓名", exact=True).fill("孙奶奶")
    pill(page, "奶奶").click()
    page.get_by_label("手机号（可不填）", exact=True).fill("13912345678")
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("孙小雨")
    agree_if_asked(page)
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))

    page = scan(phone, live_server, site, lecture, "guardian")  # the phone passed to the neighbour
    expect(page.get_by_label("您的姓名", exact=True)).to_have_value("孙奶奶")
    page.get_by_label("您的姓名", exact=True).fill("周阿姨")
    pill(page, "其他").click()
    page.get_by_label("手机号（可不填）", exact=True).fill("")
    page.get_by_label("孩子姓名（可不填）", exact=True).fill("")
    submit(page)
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))

    page = scan(phone, live_server, site, lecture, "guardian")
    expect(page.get_by_label("您的姓名", exact=True)).to_have_value("周阿姨")
    expect(pill(page, "其他").locator("input")).to_be_checked()
    expect(page.get_by_label("手机号（可不填）", exact=True)).to_have_value("")
    expect(page.get_by_label("孩子姓名（可不填）", exact=True)).to_have_value("")
    assert "13912345678" not in page.content() and "孙小雨" not in page.content()
    assert sorted((signin.name, signin.phone, signin.child_name) for signin in rows(app, AdultSignIn)) == sorted(
        [("孙奶奶", "13912345678", "孙小雨"), ("周阿姨", "", "")]
    )


def test_pages_load_no_web_fonts_and_no_script_but_the_form_keeper(live_server, phone, site, after_school):
    """The flow needs no script (it runs with JavaScript off too). The one forms and receipts load,
    deferred, only keeps what was typed across the language and text-size switches and an answer
    lost on the way, until a receipt shows."""
    sign_child_in(phone, live_server, site, after_school, "黄子轩", "母亲")
    fetched = {(request.resource_type, request.url.split("?")[0]) for request in phone.requests}
    assert any(kind == "stylesheet" for kind, _url in fetched), fetched
    scripts = {url for kind, url in fetched if kind == "script"}
    assert scripts == ({f"{live_server}/static/keep-typed.js"} if phone.js else set())
    assert {url for kind, url in fetched if kind == "font"} == set()
    assert all(url.startswith(live_server) for _kind, url in fetched), fetched


# --- layout on a 360×640 phone ---------------------------------------------------------


def visit_every_public_page(phone, live_server, site, after_school, lecture):
    """Yield (name, page) for the site page, both forms, a form with an error and a receipt."""
    page = phone.page
    page.goto(f"{live_server}/s/{site['token']}")
    expect(page.locator("a.big-button")).not_to_have_count(0)
    yield "site", page
    scan(phone, live_server, site, lecture, "guardian")
    page.get_by_label("您的姓名", exact=True).fill("陆建国")
    page.get_by_label("手机号（可不填）", exact=True).fill("12345")
    submit(page)
    expect(page.locator(".error")).not_to_have_count(0)
    yield "guardian-error", page
    page = sign_child_in(phone, live_server, site, after_school, "阿卜杜热合曼·买买提", "外公")
    yield "receipt", page
    sign_in_someone_else(page, live_server, after_school, "child")
    yield "child-form-someone-else", page
    page = scan(phone, live_server, site, after_school, "child")
    expect(page.get_by_role("link", name=re.compile("^不是我"))).to_be_visible()
    yield "child-form-remembered", page


def test_touch_targets_are_big_and_nothing_scrolls_sideways(live_server, phone, site, after_school, lecture):
    """Measured by the browser, not by script in the page, so it holds with JavaScript off."""
    small = []
    for name, page in visit_every_public_page(phone, live_server, site, after_school, lecture):
        targets = page.locator(
            "main input.input, main label.pill, main button, main a.big-button, .langs a, .langs span"
        )
        assert targets.count() > 0
        for target in targets.all():
            box = target.bounding_box()
            if box and box["height"] < MIN_TARGET:
                small.append((name, (target.text_content() or "").strip(), box))
        for button in page.locator("main button.submit").all():
            assert button.bounding_box()["height"] >= MIN_SUBMIT, name
        assert screenshot_width(phone, f"layout-{name}") <= PHONE_WIDTH, f"{name} scrolls sideways"
    assert small == []


PAGE_METRICS = """() => {
    const texts = [];
    for (const element of document.body.querySelectorAll('*')) {
        const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const isControl = element.matches('input:not([type=hidden]):not([type=radio]), button');
        if ((own || isControl) && element.getClientRects().length) {
            texts.push({
                what: element.tagName.toLowerCase() + '.' + element.className + ' ' +
                      (element.textContent.trim() || element.name || '').slice(0, 20),
                size: parseFloat(getComputedStyle(element).fontSize),
            });
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, texts};
}"""


def test_text_is_large_enough(live_server, open_phone_with, site, after_school, lecture):
    phone = open_phone_with(js=True)
    for name, page in visit_every_public_page(phone, live_server, site, after_school, lecture):
        metrics = page.evaluate(PAGE_METRICS)
        assert metrics["scrollWidth"] <= PHONE_WIDTH, name
        assert metrics["texts"], name
        too_small = [text for text in metrics["texts"] if text["size"] < MIN_FONT]
        assert too_small == [], name
        body_size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_size >= 18, name


# WeChat's text-size setting and Android's font scale enlarge text, not the page: rem sizes
# follow the root, and the body's own px size has to be raised by hand.
LARGER_TEXT = "html{font-size:150% !important} body{font-size:27px !important}"


def test_nothing_scrolls_sideways_with_text_one_and_a_half_times_larger(
    live_server, open_phone_with, site, after_school, lecture
):
    # The page's CSP allows only same-origin style sheets; the injected one needs bypass_csp.
    phone = open_phone_with(js=True, bypass_csp=True)
    for name, page in visit_every_public_page(phone, live_server, site, after_school, lecture):
        page.add_style_tag(content=LARGER_TEXT)
        assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == 27
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH, name
        phone.screenshot(f"text-150-{name}")


def test_every_public_page_is_in_chinese(live_server, phone, site, after_school, lecture):
    english = {}
    for name, page in visit_every_public_page(phone, live_server, site, after_school, lecture):
        text = page.locator("main").inner_text()
        for code in page.locator(".receipt-code strong").all_inner_texts():
            text = text.replace(code, "")
        words = re.findall(r"[A-Za-z]{2,}", text)
        if words:
            english[name] = words
    assert english == {}


def test_the_links_under_the_form_are_big_enough_to_tap(live_server, phone, site, after_school):
    sign_child_in(phone, live_server, site, after_school, "覃海燕", "外婆")
    page = scan(phone, live_server, site, after_school, "child")  # remembered: "not me" is offered
    links = page.locator(".not-me a, .back a")
    expect(links).to_have_count(2)
    heights = [link.bounding_box()["height"] for link in links.all()]
    assert min(heights) >= MIN_TARGET, heights
