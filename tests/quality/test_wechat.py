"""WeChat's in-app browser: downloads explained instead of failing silently; forms survive "back".

The download hook (formsvc/wechat.py) is checked on an app of its own with a few download
routes of every kind (bytes, a file streamed from disk, an attachment of an unlisted type, a
view marked ``@download_view``): routes cannot be added to the session's app once it has
served a request. tests/test_downloads.py checks the app's own download routes.
"""

from __future__ import annotations

import io

import pytest
from flask import Response, render_template_string, send_file

from formsvc import create_app
from formsvc.wechat import download_view, in_wechat
from tests.browser_support import WECHAT_ANDROID
from tests.conftest import page_text
from tests.quality.conftest import translated

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

WECHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
WECHAT_OLD_ANDROID = (
    "Mozilla/5.0 (Linux; Android 7.1.1; OPPO R11 Build/NMF26X; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/57.0.2987.132 MQQBrowser/6.2 TBS/044506 Mobile Safari/537.36 MicroMessenger/6.7.3.1360"
)
WECOM = (
    "Mozilla/5.0 (Linux; Android 12; M2012K11AC) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/89.0.4389.72 MQQBrowser/6.2 TBS/046011 Mobile Safari/537.36 wxwork/4.1.6 MicroMessenger/7.0.1"
)
WECHAT_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 "
    "Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x6309092b) XWEB/8555"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("agent", [WECHAT_ANDROID, WECHAT_IOS, WECHAT_OLD_ANDROID, WECOM])
def test_mobile_wechat_is_recognised(agent):
    assert in_wechat(agent)


@pytest.mark.parametrize("agent", [WECHAT_WINDOWS, ANDROID_CHROME, ""])
def test_desktop_wechat_and_other_browsers_are_not(agent):
    assert not in_wechat(agent)


@pytest.fixture(scope="module")
def downloads_app(tmp_path_factory):
    """A separate app with download routes like the admin pages' (tallies, posters, results)."""
    folder = tmp_path_factory.mktemp("downloads")
    poster = folder / "poster.pdf"
    poster.write_bytes(b"%PDF-1.7 poster")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'downloads.db'}",
        }
    )

    @app.route("/test/tally.pdf")
    def tally_pdf():
        return send_file(io.BytesIO(b"%PDF-1.7 tally"), mimetype="application/pdf", download_name="2026年统计表.pdf")

    @app.route("/test/results.xlsx")
    def results_xlsx():
        return send_file(io.BytesIO(b"PK xlsx"), mimetype=XLSX, as_attachment=True, download_name="问卷结果.xlsx")

    @app.route("/test/poster")
    def poster_from_disk():
        return send_file(poster, mimetype="application/pdf", as_attachment=True, download_name="poster.pdf")

    @app.route("/test/sheet.csv")
    def sheet_csv():
        return Response(
            "姓名,时间\n", mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=a.csv"}
        )

    @app.route("/test/attachment")
    def other_attachment():
        return Response(b"GIF89a", mimetype="image/gif", headers={"Content-Disposition": "attachment"})

    @app.route("/test/page")
    def html_page():
        return "<!doctype html><title>x</title><p>a page</p>"

    app.marked_runs = []

    @app.route("/test/marked.pdf")
    @download_view
    def marked_pdf():
        app.marked_runs.append(1)  # where a real view writes its audit entry
        return send_file(io.BytesIO(b"%PDF-1.7 marked"), mimetype="application/pdf", download_name="marked-1.pdf")

    yield app
    from formsvc.extensions import db

    with app.app_context():
        db.engine.dispose()


def get(app, path: str, agent: str):
    with app.test_client() as client:
        response = client.get(path, headers={"User-Agent": agent, "Accept-Language": "zh-CN"})
        response.get_data()
        response.close()
        return response


@pytest.mark.parametrize(
    ("path", "file_kind"),
    [
        ("/test/tally.pdf", "PDF file"),
        ("/test/results.xlsx", "Excel file"),
        ("/test/poster", "PDF file"),  # named by its Content-Disposition
        ("/test/sheet.csv", "CSV file (opens in Excel)"),
        ("/test/attachment", ""),
    ],
)
@pytest.mark.parametrize("agent", [WECHAT_ANDROID, WECHAT_IOS])
def test_a_download_in_wechat_explains_how_to_open_it_in_the_browser(downloads_app, path, file_kind, agent):
    response = get(downloads_app, path, agent)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "User-Agent" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    text = page_text(html)
    for msgid in ("Open this in your phone's browser", "Tap “···” in the top right corner."):
        assert translated(downloads_app, msgid) in text
    assert f'value="http://localhost{path}"' in html  # the address to copy
    assert f'href="http://localhost{path}?in_wechat=open"' in html
    if file_kind:  # what kind of file, in words a manager knows
        assert translated(downloads_app, file_kind) in text


@pytest.mark.parametrize("agent", [ANDROID_CHROME, WECHAT_WINDOWS])
def test_other_browsers_get_the_file(downloads_app, agent):
    response = get(downloads_app, "/test/tally.pdf", agent)
    assert response.mimetype == "application/pdf" and response.data == b"%PDF-1.7 tally"
    xlsx = get(downloads_app, "/test/results.xlsx", agent)
    assert xlsx.mimetype == XLSX and xlsx.headers["Content-Disposition"].startswith("attachment")


def test_try_here_anyway_sends_the_file_inside_wechat(downloads_app):
    response = get(downloads_app, "/test/poster?in_wechat=open", WECHAT_IOS)
    assert response.mimetype == "application/pdf" and response.data == b"%PDF-1.7 poster"


def test_a_marked_download_view_does_not_run_inside_wechat(downloads_app):
    downloads_app.marked_runs.clear()
    page = get(downloads_app, "/test/marked.pdf", WECHAT_ANDROID)
    assert page.mimetype == "text/html" and "User-Agent" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert translated(downloads_app, "PDF file") in page_text(html)  # known by the address: the view did not run
    assert 'href="http://localhost/test/marked.pdf?in_wechat=open"' in html
    assert downloads_app.marked_runs == []
    sent = get(downloads_app, "/test/marked.pdf?in_wechat=open", WECHAT_ANDROID)
    assert sent.data == b"%PDF-1.7 marked" and downloads_app.marked_runs == [1]
    assert get(downloads_app, "/test/marked.pdf", ANDROID_CHROME).data == b"%PDF-1.7 marked"
    assert downloads_app.marked_runs == [1, 1]


def test_pages_are_not_touched_inside_wechat(downloads_app):
    response = get(downloads_app, "/test/page", WECHAT_ANDROID)
    assert response.data == b"<!doctype html><title>x</title><p>a page</p>"


def test_the_open_in_browser_page_is_in_english_too(downloads_app):
    with downloads_app.test_client() as client:
        response = client.get("/test/tally.pdf", headers={"User-Agent": WECHAT_ANDROID, "Accept-Language": "en"})
        text = page_text(response.data)
    assert "Open this in your phone's browser" in text and "Open in browser" in text


@pytest.mark.parametrize(("agent", "notice"), [(WECHAT_ANDROID, True), (ANDROID_CHROME, False)])
def test_the_download_notice_shows_only_inside_wechat(app, agent, notice):
    macro = """{% from "_macros/downloads.html" import wechat_download_notice %}{{ wechat_download_notice() }}"""
    with app.test_request_context("/admin/", headers={"User-Agent": agent, "Accept-Language": "zh-CN"}):
        html = render_template_string(macro)
    text = (
        "Downloads do not work inside WeChat. Tap ··· and choose “Open in browser” to download the PDF or Excel"
        " file, or print this page."
    )
    assert (translated(app, text) in html) is notice


# --- "back" keeps what was typed ---------------------------------------------------------


@pytest.mark.browser
def test_going_back_after_an_error_keeps_what_was_typed(live_server, public_site, open_phone_with):
    """Sent with an error, then "back": the form the person typed into is still filled in.

    The error page itself keeps every value (post/redirect/get renders the sent form again).
    Going back re-requests the form (pages are no-store, so no back/forward cache on
    Android); Chromium restores the typed values into it, as WeChat's Android WebView does.
    """
    phone = open_phone_with(js=False)
    page = phone.page
    path = f"/a/{public_site.lecture['token']}/guardian"
    page.goto(live_server + path)
    page.locator("#name").fill("韦丽娟")
    page.locator("label.pill").filter(has=page.get_by_text("奶奶", exact=True)).click()
    page.locator("#phone").fill("12345")
    page.locator("#village").fill("新华村")
    page.locator("button.submit").click()
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator("#name")).to_have_value("韦丽娟")
    expect(page.locator("#phone")).to_have_value("12345")

    page.go_back()
    expect(page).to_have_url(live_server + path)
    expect(page.locator("#name")).to_have_value("韦丽娟")
    expect(page.locator("#phone")).to_have_value("12345")
    expect(page.locator("#village")).to_have_value("新华村")
    expect(page.locator("label.pill input[value=grandmother]")).to_be_checked()

    page.locator("#phone").fill("13812345678")
    page.locator("button.submit").click()
    expect(page.locator(".receipt h1")).to_have_text("签到成功")
