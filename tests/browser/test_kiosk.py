"""Lecture mode's screen in a real browser: the QR changes, the count follows, the code works.

The projector is a desktop-sized Chromium with JavaScript on; the guardian is the WeChat phone
of tests/browser_support.py. The code changes every 3 seconds here (the test app's
configuration), so the live server, on the real clock, rotates it several times per test.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn
from formsvc.extensions import db
from formsvc.text import mask_name
from tests.browser_support import ARTIFACTS, log_in
from tests.conftest import skip_or_fail

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

PERIOD = 3
PROJECTOR = {"viewport": {"width": 1280, "height": 720}, "locale": "zh-CN"}


@pytest.fixture
def short_period(app, monkeypatch):
    monkeypatch.setitem(app.config, "ROTATING_QR_SECONDS", PERIOD)
    monkeypatch.setitem(app.config, "ROTATING_QR_GRACE_SECONDS", 2)


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site, today):
    return make.activity(
        site, day=today, opens="00:00", closes="23:59", title="家庭教育讲座", guardians=True, rotating_code=True
    )


@pytest.fixture
def projector(browser, live_server, make, site):
    """The manager's laptop on the projector, signed in to the workspace."""
    user = make.user("amy", sites=[site])
    context = browser.new_context(**PROJECTOR)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server, user)
    yield context, page
    context.close()


def decode_qr(page) -> str:
    """Read the code off the screen as a phone camera would: from pixels, not from the DOM."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        skip_or_fail("zxing-cpp and Pillow are needed to read the QR code")
    png = page.locator("#kiosk-qr").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "exactly one readable QR code on the screen"
    return results[0].text


def current_slot(page) -> int:
    return int(page.locator("#kiosk-qr").get_attribute("data-slot"))


def test_the_screen_rotates_counts_and_its_code_signs_in(
    app, live_server, short_period, projector, open_phone_with, lecture
):
    _context, page = projector
    page.goto(f"{live_server}/admin/activities/{lecture['id']}/kiosk")
    expect(page.locator("#kiosk-count")).to_have_text("0")
    page.evaluate("window.kioskTestMarker = 'not reloaded'")
    first_slot = current_slot(page)
    first_svg = page.locator("#kiosk-qr").inner_html()

    # The code changes after the period, in place.
    # (Playwright's wait_for_function would need 'unsafe-eval', which the page's CSP refuses.)
    expect(page.locator("#kiosk-qr")).not_to_have_attribute("data-slot", str(first_slot), timeout=3 * PERIOD * 1000)
    assert current_slot(page) > first_slot
    assert page.locator("#kiosk-qr").inner_html() != first_svg
    assert page.evaluate("window.kioskTestMarker") == "not reloaded"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kiosk-projector.png"))

    # A guardian's phone scans the screen and signs in.
    url = decode_qr(page)
    parts = urlsplit(url)
    assert re.fullmatch(rf"/k/{lecture['token']}/[A-Z2-7]{{8}}", parts.path), url
    assert url.startswith(app.config["BASE_URL"])
    phone = open_phone_with(js=True)
    phone.page.goto(live_server + parts.path)
    expect(phone.page).to_have_url(f"{live_server}/a/{lecture['token']}/guardian")
    phone.page.get_by_label("您的姓名", exact=True).fill("王小明")
    phone.page.locator("label.pill").filter(has=phone.page.get_by_text("奶奶", exact=True)).click()
    phone.page.get_by_role("button", name="签到", exact=True).click()
    expect(phone.page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))

    # The screen counts it without a reload, and shows the name masked.
    expect(page.locator("#kiosk-count")).to_have_text("1", timeout=10_000)
    expect(page.locator("#kiosk-recent li").first).to_have_text(mask_name("王小明"))
    expect(page.get_by_text("王小明", exact=True)).to_have_count(0)
    assert page.evaluate("window.kioskTestMarker") == "not reloaded"
    page.set_viewport_size({"width": 360, "height": 640})  # the manager's phone, held up
    page.screenshot(path=str(ARTIFACTS / "kiosk-phone.png"), full_page=True)
    assert len(decode_qr(page)) == len(url)
    with app.app_context():
        assert [signin.name for signin in db.session.execute(select(AdultSignIn)).scalars()] == ["王小明"]


def test_the_screen_keeps_its_code_while_offline_and_recovers(live_server, short_period, projector, lecture):
    context, page = projector
    page.goto(f"{live_server}/admin/activities/{lecture['id']}/kiosk")
    expect(page.locator("#kiosk-qr svg")).to_have_count(1)
    context.set_offline(True)
    expect(page.locator("#kiosk-offline, #kiosk-stale").locator("visible=true")).to_have_count(1, timeout=10_000)
    assert page.locator("#kiosk-qr svg").count() == 1  # the last good code stays on screen
    offline_slot = current_slot(page)
    context.set_offline(False)
    expect(page.locator("#kiosk-offline")).to_be_hidden(timeout=20_000)
    expect(page.locator("#kiosk-stale")).to_be_hidden()
    expect(page.locator("#kiosk-qr")).not_to_have_attribute("data-slot", str(offline_slot), timeout=20_000)


def test_without_javascript_the_screen_reloads_itself(browser, live_server, short_period, make, site, lecture):
    user = make.user("bob", sites=[site])
    context = browser.new_context(**PROJECTOR, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, user)
        page.goto(f"{live_server}/admin/activities/{lecture['id']}/kiosk")
        first_slot = current_slot(page)
        page.wait_for_event("load", timeout=3 * PERIOD * 1000)  # the meta refresh, no script
        assert current_slot(page) > first_slot
    finally:
        context.close()


def test_rotating_the_poster_links_changes_the_code_on_a_running_screen_at_once(
    app, live_server, monkeypatch, projector, site, lecture
):
    from formsvc.activities.models import Activity
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    # A code that stays for ten minutes: what changes on the screen is the rotation, not the slot.
    monkeypatch.setitem(app.config, "ROTATING_QR_SECONDS", 600)
    _context, page = projector
    page.goto(f"{live_server}/admin/activities/{lecture['id']}/kiosk")
    expect(page.locator("#kiosk-qr")).to_have_attribute("data-token", lecture["token"])
    page.evaluate("window.kioskTestMarker = 'not reloaded'")
    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()
        new_token = db.session.get(Activity, lecture["id"]).public_token
    # Within a poll or two (POLL_SECONDS), not when the slot ends ten minutes later.
    expect(page.locator("#kiosk-qr")).to_have_attribute("data-token", new_token, timeout=10_000)
    assert urlsplit(decode_qr(page)).path.startswith(f"/k/{new_token}/")
    assert page.evaluate("window.kioskTestMarker") == "not reloaded"


def test_a_form_sent_after_the_rotation_comes_back_filled_in_from_the_screens_new_code(
    app, live_server, monkeypatch, projector, open_phone_with, site, lecture
):
    """QA: the manager gave the home new links while a grandmother typed; "签到" lost everything."""
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    monkeypatch.setitem(app.config, "ROTATING_QR_SECONDS", 600)  # what changes is the rotation
    _context, screen = projector
    screen.goto(f"{live_server}/admin/activities/{lecture['id']}/kiosk")
    phone = open_phone_with(js=False)
    phone.page.goto(live_server + urlsplit(decode_qr(screen)).path)
    expect(phone.page).to_have_url(f"{live_server}/a/{lecture['token']}/guardian")
    phone.page.get_by_label("您的姓名", exact=True).fill("韦丽娟")
    phone.page.locator("label.pill").filter(has=phone.page.get_by_text("奶奶", exact=True)).click()
    phone.page.get_by_label("手机号（可不填）", exact=True).fill("13812345678")

    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()
    phone.page.get_by_role("button", name="签到", exact=True).click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("请扫描屏幕上的二维码")
    expect(phone.page.get_by_text("家庭教育讲座")).to_be_visible()
    expect(phone.page.get_by_text("您填写的内容保存在这部手机上，扫码后会自动填回。")).to_be_visible()
    phone.screenshot("lecture-form-after-rotation")
    with app.app_context():
        assert db.session.execute(select(AdultSignIn)).scalars().all() == []

    expect(screen.locator("#kiosk-qr")).not_to_have_attribute("data-token", lecture["token"], timeout=10_000)
    phone.page.goto(live_server + urlsplit(decode_qr(screen)).path)  # WeChat's scanner: a new page
    expect(phone.page.get_by_label("您的姓名", exact=True)).to_have_value("韦丽娟")
    expect(phone.page.get_by_label("手机号（可不填）", exact=True)).to_have_value("13812345678")
    phone.page.get_by_role("button", name="签到", exact=True).click()
    expect(phone.page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    with app.app_context():
        (signin,) = db.session.execute(select(AdultSignIn)).scalars()
        assert (signin.name, signin.relation.value, signin.phone) == ("韦丽娟", "grandmother", "13812345678")
