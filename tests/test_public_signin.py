"""The poster QR flow as a phone meets it: CSRF on, real form pages, post/redirect/get."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
import time_machine
from sqlalchemy import func, select

from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildStatus, Submission
from formsvc.extensions import db
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text

DAY = date(2026, 11, 27)
AFTERNOON = local(2026, 11, 27, 16, 30)


frozen_afternoon = clock_stopped_at(AFTERNOON)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def open_child_form(client, site):
    response = client.get(f"/s/{site['token']}")
    assert response.status_code == 302, "one open activity should lead straight to its form"
    form_page = client.get(response.headers["Location"])
    assert form_page.status_code == 200
    return response.headers["Location"], {**form_fields(form_page.data), **CONSENT}


def test_site_page_with_one_open_activity_goes_straight_to_the_child_form(client, make):
    site = make.site()
    url, fields = open_child_form(client, site)
    assert url.endswith("/child")
    assert set(fields) >= {"csrf_token", "nonce", "child_name"}
    assert len(fields["nonce"]) >= 16


def test_site_page_lists_several_activities_as_buttons(client, make):
    site = make.site()
    make.activity(site, day=DAY, title="家庭教育讲座", guardians=True)
    response = client.get(f"/s/{site['token']}", headers={"Accept-Language": "zh-CN"})
    text = page_text(response.data)
    assert response.status_code == 200
    assert site["name"] in text
    assert "家庭教育讲座" in text
    assert "日常开放" in text


def test_child_sign_in_shows_a_receipt_with_local_time_and_code(app, client, make):
    site = make.site()
    make.child(site, "王小明")
    url, fields = open_child_form(client, site)
    fields.update(child_name="王小明", signed_by="grandmother")
    response = client.post(url, data=fields)
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"})
    text = page_text(receipt.data)
    assert "王*明" in text and "王小明" not in text
    assert "16:30" in text
    with app.app_context():
        attendance = db.session.execute(select(Attendance)).scalar_one()
        assert attendance.receipt_code in text
        assert attendance.signed_by.value == "grandmother"
        assert attendance.source.value == "qr"


def test_sign_in_someone_else_opens_a_blank_form_of_the_same_lecture(app, client, make):
    """QA: the link led to the poster page, and the lecture's form came back filled in with the
    person just signed in; a second person pressing the big button was told "already signed in"."""
    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="17:45", guardians=True)
    url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(url).data)
    grandpa = {"name": "钱爷爷", "relation": "grandfather", "village": "东门", "child_name": "钱大宝"}
    first = {**fields, **CONSENT, **grandpa}
    receipt = client.get(client.post(url, data=first).headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]*someone_else[^"]*)"', receipt)
    assert link and link.group(1).startswith(url)
    blank = form_fields(client.get(unescape(link.group(1))).data)
    assert (blank.get("name"), blank.get("child_name"), blank.get("village")) == ("", "", "")
    assert form_fields(client.get(url).data)["name"] == "钱爷爷"  # the form itself still remembers this phone


def test_a_double_tap_returns_the_same_receipt_and_writes_once(app, client, make):
    site = make.site()
    url, fields = open_child_form(client, site)
    fields["child_name"] = "李思琪"
    first = client.post(url, data=fields)
    second = client.post(url, data=fields)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Attendance) == 1
    assert count(app, Submission) == 1
    assert count(app, Child) == 1


def test_the_same_child_from_another_form_is_not_counted_twice(app, client, make):
    site = make.site()
    make.child(site, "黄子轩")
    url, fields = open_child_form(client, site)
    client.post(url, data={**fields, "child_name": "黄子轩"})
    with time_machine.travel(local(2026, 11, 27, 17, 5), tick=False):
        _url, fresh = open_child_form(client, site)
        assert fresh["nonce"] != fields["nonce"]
        again = client.post(url, data={**fresh, "child_name": " 黄子轩 "})
    page = client.get(again.headers["Location"], headers={"Accept-Language": "zh-CN"})
    text = page_text(page.data)
    assert "已" in text and "16:30" in text, text
    assert count(app, Attendance) == 1


def test_full_width_and_case_variants_match_the_same_roster_child(app, client, make):
    site = make.site()
    make.child(site, "Li Lei")
    url, fields = open_child_form(client, site)
    client.post(url, data={**fields, "child_name": "ＬＩ　ＬＥＩ"})
    assert count(app, Child) == 1
    assert count(app, Child, Child.status == ChildStatus.ACTIVE) == 1
    assert count(app, Attendance) == 1


def test_an_unknown_child_is_added_for_the_manager_to_review(app, client, make):
    site = make.site()
    make.child(site, "王小明")
    url, fields = open_child_form(client, site)
    client.post(url, data={**fields, "child_name": "覃海燕"})
    with app.app_context():
        new = db.session.execute(select(Child).where(Child.name == "覃海燕")).scalar_one()
        assert new.status == ChildStatus.TO_REVIEW


@pytest.mark.parametrize("name", ["䶮", "吉𠮷", "韦彧", "Nongz Mingz", "阿卜杜热合曼·买买提"])
def test_rare_and_minority_names_are_stored_and_shown_as_typed(app, client, make, name):
    site = make.site()
    url, fields = open_child_form(client, site)
    response = client.post(url, data={**fields, "child_name": name})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Child.name)).scalar_one() == name


def test_a_validation_error_keeps_what_was_typed(app, client, make):
    site = make.site()
    url, fields = open_child_form(client, site)
    long_name = "张" * 31
    response = client.post(
        url, data={**fields, "child_name": long_name, "signed_by": "mother"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    again = form_fields(response.data)
    assert again["child_name"] == long_name
    assert again["signed_by"] == "mother"
    assert again["nonce"] == fields["nonce"]
    assert "at most 30 characters" in page_text(response.data)
    assert count(app, Attendance) == 0


def test_an_empty_name_gets_a_message_in_chinese_by_default(client, make):
    site = make.site()
    url, fields = open_child_form(client, site)
    response = client.post(url, data={**fields, "child_name": "  "}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "请写上孩子的名字" in page_text(response.data)


@pytest.mark.parametrize("csrf", [None, "expired-or-forged-token"])
def test_a_missing_or_expired_csrf_token_asks_for_one_more_tap_and_keeps_the_input(app, client, make, csrf):
    site = make.site()
    url, fields = open_child_form(client, site)
    data = {**fields, "child_name": "蒙佳怡"}
    if csrf is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = csrf
    response = client.post(url, data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "press the button again" in page_text(response.data)
    again = form_fields(response.data)
    assert again["child_name"] == "蒙佳怡"
    assert again["csrf_token"] and again["csrf_token"] != csrf
    assert count(app, Attendance) == 0
    assert client.post(url, data=again).status_code == 302
    assert count(app, Attendance) == 1


def test_a_window_that_closed_while_typing_keeps_the_input(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True)
    form_url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(form_url).data)
    typed = {**fields, "name": "韦丽娟", "relation": "grandmother", "phone": "13812345678", "village": "新华村"}
    with time_machine.travel(local(2026, 11, 27, 16, 50), tick=False):
        response = client.post(form_url, data=typed, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "has closed" in page_text(response.data) and "16:45" in page_text(response.data)
    again = form_fields(response.data)
    assert again["name"] == "韦丽娟" and again["phone"] == "13812345678" and again["relation"] == "grandmother"
    assert count(app, AdultSignIn) == 0


def test_an_ended_window_shows_no_form_and_says_sign_in_has_ended(client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="00:00", closes="07:00", guardians=True)
    response = client.get(f"/a/{lecture['token']}/guardian", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    text = page_text(response.data)
    assert "这个活动的签到已经结束" in text and "00:00" in text and "07:00" in text
    assert "下次签到" not in text  # a one-off lecture does not open again
    assert b"<form" not in response.data and b'class="submit"' not in response.data
    assert site["token"] in response.get_data(as_text=True)  # the way back to the home's page


def test_an_ended_daily_opening_says_when_it_opens_again(client, make):
    site = make.site()
    daily = make.daily(site, DAY)
    with time_machine.travel(local(2026, 11, 27, 21, 30), tick=False):
        response = client.get(f"/a/{daily['token']}/child", headers={"Accept-Language": "en"})
    text = page_text(response.data)
    assert "has closed" in text and "Sign-in opens again on November 28, 2026 at 07:00" in text
    assert b"<form" not in response.data


def test_a_window_not_open_yet_says_when_it_opens(client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="18:00", closes="20:00", guardians=True)
    response = client.get(f"/a/{lecture['token']}/guardian", headers={"Accept-Language": "en"})
    text = page_text(response.data)
    assert "not opened yet" in text and "18:00" in text and "November 27, 2026" in text
    assert "opens again" not in text
    assert b"<form" not in response.data


def test_a_form_sent_after_the_window_closed_says_so_even_with_an_expired_page(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True)
    form_url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(form_url).data)
    typed = {**fields, "name": "韦丽娟", "relation": "grandmother", "csrf_token": "expired"}
    with time_machine.travel(local(2026, 11, 27, 16, 50), tick=False):
        response = client.post(form_url, data=typed, headers={"Accept-Language": "en"})
    text = page_text(response.data)
    assert "has closed" in text and "press the button again" not in text  # pressing again would not help
    assert form_fields(response.data)["name"] == "韦丽娟"
    assert count(app, AdultSignIn) == 0


def test_a_form_sent_before_a_moved_window_opens_keeps_the_input(app, client, make):
    from formsvc.activities.models import Activity

    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="18:00", guardians=True)
    form_url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(form_url).data)
    with app.app_context():  # the manager moves the lecture to the evening meanwhile
        db.session.get(Activity, lecture["id"]).opens_at = local(2026, 11, 27, 17, 0)
        db.session.commit()
    typed = {**fields, "name": "韦丽娟", "relation": "grandmother"}
    response = client.post(form_url, data=typed, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    text = page_text(response.data)
    assert "not opened yet" in text and "17:00" in text
    assert form_fields(response.data)["name"] == "韦丽娟"
    assert count(app, AdultSignIn) == 0


def test_guardian_sign_in_validates_the_mobile_number(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY)
    form_url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(form_url).data)
    base = {**fields, **CONSENT, "name": "陆建国", "relation": "father", "village": "河西村", "child_name": "陆一鸣"}
    bad = client.post(form_url, data={**base, "phone": "1234567890"}, headers={"Accept-Language": "en"})
    assert "11-digit mobile number" in page_text(bad.data)
    assert count(app, AdultSignIn) == 0
    good = client.post(form_url, data={**base, "phone": "+86 139-1234-5678"})
    assert good.status_code == 302
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        assert signin.phone == "13912345678"
        assert signin.relation.value == "father"
        assert signin.child_name == "陆一鸣"


def test_guardian_phone_is_optional(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY)
    form_url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(form_url).data)
    response = client.post(form_url, data={**fields, "name": "陆建国", "relation": "father"})
    assert response.status_code == 302
    assert count(app, AdultSignIn) == 1


def test_the_phone_remembers_the_last_entries_and_not_me_forgets_them(client, make):
    site = make.site()
    url, fields = open_child_form(client, site)
    client.post(url, data={**fields, "child_name": "农浩然", "signed_by": "grandfather"})
    _url, remembered = open_child_form(client, site)
    assert remembered["child_name"] == "农浩然"
    assert remembered["signed_by"] == "grandfather"
    assert "农浩然" not in url
    page = client.get(url)
    assert b"/forget" in page.data
    client.get("/forget?next=" + url)
    _url, cleared = open_child_form(client, site)
    assert cleared.get("child_name", "") == ""


@pytest.mark.parametrize("path", ["/s/doesnotexist", "/s/" + "x" * 200, "/a/nope/child", "/r/nope", "/s/%00%ff"])
def test_unknown_tokens_are_a_friendly_404(client, path):
    response = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "请重新扫码" in page_text(response.data) or "二维码" in page_text(response.data)
    assert b"Traceback" not in response.data


def test_an_activity_without_children_has_no_child_form(client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, children=False, guardians=True)
    assert client.get(f"/a/{lecture['token']}/child").status_code == 404


def test_an_inactive_site_takes_no_sign_ins(client, make):
    site = make.site(active=False)
    response = client.get(f"/s/{site['token']}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "not taking sign-ins" in page_text(response.data)


def test_html_is_never_cached(client, make):
    site = make.site()
    url, _fields = open_child_form(client, site)
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_nothing_open_says_when_the_day_opens(client, make):
    site = make.site()
    with time_machine.travel(local(2026, 11, 27, 6, 0), tick=False):
        response = client.get(f"/s/{site['token']}", headers={"Accept-Language": "en"})
    text = page_text(response.data)
    assert "Nothing is open" in text
    assert "07:00" in text


def test_a_sign_in_reads_nothing_again_after_its_commit(app, client, make, frozen_afternoon):
    """The commit expires what the request read; touching the activity afterwards loaded its
    row again on every sign-in, for nothing but the receipt's redirect."""
    from sqlalchemy import event

    site = make.site()
    url, fields = open_child_form(client, site)
    fields.update(child_name="王小明", signed_by="grandmother")
    after_commit: list[str] = []
    committed = []
    with app.app_context():
        engine = db.engine

    def note_commit(connection):
        committed.append(True)

    def note(connection, cursor, statement, parameters, context, executemany):
        if committed:
            after_commit.append(" ".join(statement.split())[:60])

    event.listen(engine, "commit", note_commit)
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.post(url, data=fields)
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "commit", note_commit)
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    assert committed and after_commit == []
