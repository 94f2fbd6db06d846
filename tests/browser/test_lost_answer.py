"""A sign-in whose answer is lost on a dropped connection: what was typed is there when the form opens again.

QA: a grandmother's sign-in reached the server and was saved, but the answer never came back.
Chromium's error page took the form's place, Back went to the home's page, and the form opened
again empty (the cookie that remembers her entries was in the lost answer). static/keep-typed.js
now keeps the form as it is sent, in this tab, and puts it back when the form opens again; sent
again, it says "already signed in" and counts once. A receipt, "I do not agree" and "Not me"
forget it, so the next person on a shared phone gets nothing of hers; the consent tick is never
kept.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from formsvc.attendance.models import Attendance, Child
from formsvc.extensions import db

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make):
    return make.site()


def child_form(page, live_server, site, activity):
    """From the poster's page, the activity's child form (the home has a lecture open too)."""
    page.goto(f"{live_server}/s/{site['token']}")
    page.locator(f'a.big-button[href="/a/{activity["token"]}/child"]').click()
    expect(page).to_have_url(f"{live_server}/a/{activity['token']}/child")
    # keep-typed.js is deferred: typing and sending before it has run would keep nothing (CI, under load).
    page.wait_for_load_state("load")
    return page


def pill(page, text):
    return page.locator("label.pill").filter(has=page.get_by_text(text, exact=True))


def name_box(page):
    return page.get_by_label("孩子姓名", exact=True)


def consent_box(page):
    return page.get_by_label("我已阅读并同意", exact=True)


def send_and_lose_the_answer(page, activity, *, reaches_the_server: bool) -> None:
    """Press 签到 on a connection that drops: after the server answered, or before it heard anything."""
    answered = []
    cookies = page.context.cookies()

    def drop(route):
        if route.request.method != "POST":
            route.continue_()
            return
        if reaches_the_server:
            answered.append(route.fetch(max_redirects=0).status)  # saved, and the receipt's address sent …
            # … with the cookies that remember her entries, which Playwright's fetch keeps: lost too.
            page.context.clear_cookies()
            page.context.add_cookies(cookies)
        else:
            answered.append(None)
        route.abort("connectionreset")  # … but the phone hears nothing

    form = re.compile(re.escape(f"/a/{activity['token']}/child") + r"$")
    page.route(form, drop)
    page.get_by_role("button", name="签到", exact=True).click()
    deadline = time.monotonic() + 10
    while not answered and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.unroute(form)
    assert answered == ([302] if reaches_the_server else [None])


def kept_in_this_tab(page) -> list[str]:
    return page.evaluate("() => Object.keys(sessionStorage).filter((key) => key.startsWith('typed:'))")


def attendances(app, name: str) -> int:
    with app.app_context():
        found = db.session.execute(select(Attendance).join(Child).where(Child.name == name)).scalars().all()
        return len(found)


def test_the_form_opens_again_as_sent_and_sent_again_counts_once(
    app, live_server, open_phone_with, site, after_school, lecture
):
    page = child_form(open_phone_with(js=True).page, live_server, site, after_school)
    name_box(page).fill("王小红")
    pill(page, "外婆").click()
    consent_box(page).check()
    send_and_lose_the_answer(page, after_school, reaches_the_server=True)
    assert attendances(app, "王小红") == 1  # the server saved it

    page.go_back()  # to the home's page (Chromium's error page took the form's place), then the form again
    page = child_form(page, live_server, site, after_school)
    expect(name_box(page)).to_have_value("王小红")
    expect(pill(page, "外婆").locator("input")).to_be_checked()
    expect(consent_box(page)).not_to_be_checked()  # the cookie went with the lost answer: asked again

    consent_box(page).check()
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("已经签过到了")
    assert attendances(app, "王小红") == 1
    assert kept_in_this_tab(page) == []  # the receipt forgets it

    page.goto(f"{live_server}/a/{after_school['token']}/child?someone_else=1")
    expect(name_box(page)).to_have_value("")


def test_what_was_sent_comes_back_over_the_phones_memory_and_not_me_forgets_it(
    app, live_server, open_phone_with, site, after_school, lecture
):
    page = child_form(open_phone_with(js=True).page, live_server, site, after_school)
    name_box(page).fill("农浩然")
    pill(page, "爷爷").click()
    consent_box(page).check()
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))

    page = child_form(page, live_server, site, after_school)
    expect(name_box(page)).to_have_value("农浩然")  # the phone remembers yesterday's grandchild
    name_box(page).fill("农浩宇")  # today the other one
    pill(page, "奶奶").click()
    send_and_lose_the_answer(page, after_school, reaches_the_server=False)

    page = child_form(page, live_server, site, after_school)
    expect(name_box(page)).to_have_value("农浩宇")  # not the remembered 农浩然: one tap would sign the wrong child
    expect(pill(page, "奶奶").locator("input")).to_be_checked()

    page.get_by_role("link", name=re.compile("^不是我")).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(name_box(page)).to_have_value("")
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    assert kept_in_this_tab(page) == []
    assert attendances(app, "农浩宇") == 0


def test_i_do_not_agree_forgets_what_was_sent(live_server, open_phone_with, site, after_school, lecture):
    page = child_form(open_phone_with(js=True).page, live_server, site, after_school)
    name_box(page).fill("韦小宝")
    send_and_lose_the_answer(page, after_school, reaches_the_server=False)
    page = child_form(page, live_server, site, after_school)
    expect(name_box(page)).to_have_value("韦小宝")

    page.get_by_role("button", name="不同意", exact=True).click()
    expect(page).to_have_url(re.compile(r"/child/refused$"))
    assert kept_in_this_tab(page) == []
    page.get_by_role("link", name="回到签到表").click()
    expect(name_box(page)).to_have_value("")
