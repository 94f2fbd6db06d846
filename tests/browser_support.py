"""Browser fixtures (live server, Chromium, phones), shared by tests/browser and tests/quality.

A live server and a headless Chromium dressed up as a cheap Android phone inside WeChat.

The server runs the session's test ``app`` in a thread on a free port, on the real clock: a
browser cannot be sent back in time, so the tests make activities whose window covers now.
Chromium is Debian's (/usr/bin/chromium), driven by Playwright without its own browser
download. Without it the tests skip outside CI and fail in CI.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import SHANGHAI, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; V2031A Build/QP1A.190711.020; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
    "MMWEBSDK/20230303 MMWEBID/1 MicroMessenger/8.0.34.2340(0x2800223D) WeChat/arm64 Weixin "
    "NetType/4G Language/zh_CN ABI/arm64"
)
PHONE_WIDTH, PHONE_HEIGHT, PHONE_SCALE = 360, 640, 2
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
    "device_scale_factor": PHONE_SCALE,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": WECHAT_ANDROID,
    "locale": "zh-CN",
}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on 127.0.0.1 and a free port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("chromium not installed (/usr/bin/chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed in the venv")
    playwright = None
    try:
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Error as error:
        if playwright is not None:
            playwright.stop()
        skip_or_fail(f"chromium could not be launched by Playwright: {error.message.splitlines()[0]}")
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class Phone:
    """One phone: a browser context with its own cookies, one page, and what it fetched."""

    context: object
    page: object
    js: bool
    requests: list = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "js-on" if self.js else "js-off"

    def screenshot(self, name: str, page=None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"phone-{name}-{self.mode}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
        return path


def open_phone(browser, *, js: bool, **extra) -> Phone:
    context = browser.new_context(**PHONE, java_script_enabled=js, **extra)
    context.set_default_timeout(10_000)
    phone = Phone(context=context, page=None, js=js)
    context.on("request", lambda request: phone.requests.append(request))
    phone.page = context.new_page()
    return phone


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def phone(request, browser):
    """A WeChat-on-Android phone, once with JavaScript on and once with it off."""
    phone = open_phone(browser, js=request.param)
    yield phone
    phone.context.close()


@pytest.fixture
def open_phone_with(browser):
    """Open further phones (e.g. a JavaScript-on one for computed styles); closed afterwards."""
    opened = []

    def _open(*, js: bool = True, **extra) -> Phone:
        opened.append(open_phone(browser, js=js, **extra))
        return opened[-1]

    yield _open
    for phone in opened:
        phone.context.close()


def log_in(page, live_server: str, user: dict) -> None:
    """Log ``user`` in to the workspace on ``page``, as a person types it; back on the dashboard."""
    page.goto(f"{live_server}/admin/login")
    page.locator("input[name=username]").fill(user["username"])
    page.locator("input[name=password]").fill(user["password"])
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/?$"))


@pytest.fixture
def today() -> date:
    """Today in Shanghai, the server's day; a run in the last minutes before midnight waits.

    Test activities run 00:00–23:59 local time, so a test started at 23:58 could see its
    window close (or the day change) half-way through.
    """
    now = datetime.now(SHANGHAI)
    if (now.hour, now.minute) >= (23, 58):
        time.sleep(24 * 3600 - (now.hour * 3600 + now.minute * 60 + now.second) + 2)
        now = datetime.now(SHANGHAI)
    return now.date()


# A window covering the whole local day: the live server runs on the real clock.
ALL_DAY = {"opens": "00:00", "closes": "23:59"}


@pytest.fixture
def after_school(make, site, today):
    """A children's activity at the test module's ``site``, open all day, so no flow depends on the hour."""
    return make.activity(site, day=today, kind="other", title="课后托管", children=True, guardians=False, **ALL_DAY)


@pytest.fixture
def lecture(make, site, today):
    """A parent training at the test module's ``site``, open all day."""
    return make.activity(site, day=today, kind="parent_training", title="家庭教育讲座", guardians=True, **ALL_DAY)
