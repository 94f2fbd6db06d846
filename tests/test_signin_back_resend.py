"""Back after a sign-in, on a phone without JavaScript, and the form sent once more.

The sign-in POST redirects to the receipt, so Back leads to the form page: iOS WeChat brings
it back as it was (same nonce), Android WeChat loads it again (a new nonce, the entries
remembered on the phone). Whichever it is, and whatever expired in between (the page's CSRF
token, the browser session, the sign-in window), pressing the button again leads to the
person's receipt and the database keeps one record.
"""

from __future__ import annotations

from datetime import date

import time_machine
from sqlalchemy import func, select

from formsvc.attendance.models import AdultSignIn, Attendance, Submission
from formsvc.extensions import db
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
TYPED = {"name": "韦丽娟", "relation": "grandmother", "phone": "13812345678", "village": "新华村", "child_name": ""}

frozen = clock_stopped_at(local(2026, 11, 27, 14, 5))


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def receipt_code(app) -> str:
    with app.app_context():
        return db.session.execute(select(AdultSignIn)).scalar_one().receipt_code


def signed_in(app, client, make):
    """A grandmother signs in at a lecture; returns the form's URL, the body she sent and her receipt's URL."""
    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="16:45", guardians=True)
    url = f"/a/{lecture['token']}/guardian"
    sent = {**form_fields(client.get(url).data), **TYPED}
    response = client.post(url, data=sent)
    assert response.status_code == 302 and response.headers["Location"].startswith("/r/")
    return url, sent, response.headers["Location"]


def test_the_page_brought_back_as_it_was_and_sent_again_leads_to_the_same_receipt(app, client, make):
    url, sent, receipt = signed_in(app, client, make)
    again = client.post(url, data=sent)  # iOS: Back restores the page with its nonce
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert "Signed in" in page_text(client.get(receipt, headers=EN).data)
    assert count(app, AdultSignIn) == count(app, Submission) == 1


def test_the_page_loaded_again_and_sent_says_already_signed_in_with_the_receipt_code(app, client, make):
    url, _sent, receipt = signed_in(app, client, make)
    reloaded = form_fields(client.get(url).data)  # Android: Back loads the form again, filled in
    assert reloaded["name"] == "韦丽娟" and reloaded["relation"] == "grandmother"
    again = client.post(url, data=reloaded)
    assert again.status_code == 302 and again.headers["Location"] != receipt
    text = page_text(client.get(again.headers["Location"], headers=EN).data)
    assert "Already signed in" in text and "韦*娟 already signed in at 14:05." in text
    assert receipt_code(app) in text
    assert count(app, AdultSignIn) == 1


def test_sent_again_after_the_browser_session_ended_leads_to_the_receipt_not_one_more_tap(app, client, make):
    """WeChat ended the session: the CSRF token of the page brought back no longer holds."""
    url, sent, receipt = signed_in(app, client, make)
    other_session = app.test_client()
    again = other_session.post(url, data=sent, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert count(app, AdultSignIn) == count(app, Submission) == 1


def test_sent_again_after_the_page_expired_leads_to_the_receipt(app, client, make):
    url, sent, receipt = signed_in(app, client, make)
    again = client.post(url, data={**sent, "csrf_token": "expired"}, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert count(app, AdultSignIn) == 1


def test_sent_again_after_sign_in_closed_leads_to_the_receipt_not_has_closed(app, client, make):
    url, sent, receipt = signed_in(app, client, make)
    with time_machine.travel(local(2026, 11, 27, 17, 30), tick=False):
        valid_page = client.post(url, data=sent, headers=EN)
        expired_page = client.post(url, data={**sent, "csrf_token": "expired"}, headers=EN)
    assert valid_page.status_code == expired_page.status_code == 302
    assert valid_page.headers["Location"] == expired_page.headers["Location"] == receipt
    assert count(app, AdultSignIn) == 1


def test_back_to_a_page_that_showed_a_mistake_and_sent_again_leads_to_the_receipt(app, client, make):
    """The first press had no name; the second, corrected on the page that said so, signed in.
    Back then leads to the page of the first press, and a browser may send that body again."""
    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="16:45", guardians=True)
    url = f"/a/{lecture['token']}/guardian"
    mistaken = {**form_fields(client.get(url).data), **TYPED, "name": ""}
    told = client.post(url, data=mistaken, headers=EN)
    assert "Please write your name." in page_text(told.data)
    corrected = {**form_fields(told.data), "name": "韦丽娟"}
    assert corrected["nonce"] == mistaken["nonce"]
    receipt = client.post(url, data=corrected).headers["Location"]
    again = client.post(url, data=mistaken, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert count(app, AdultSignIn) == 1


def test_a_child_sent_again_from_an_expired_page_gets_the_receipt_and_is_counted_once(app, client, make):
    site = make.site()
    make.child(site, "王小明")
    url = client.get(f"/s/{site['token']}").headers["Location"]
    sent = {**form_fields(client.get(url).data), **CONSENT, "child_name": "王小明", "signed_by": "grandmother"}
    receipt = client.post(url, data=sent).headers["Location"]
    again = app.test_client().post(url, data=sent, headers=EN)  # the session ended meanwhile
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert count(app, Attendance) == 1


def test_a_nonce_nobody_sent_from_an_expired_page_still_asks_for_one_more_tap(app, client, make):
    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="16:45", guardians=True)
    url = f"/a/{lecture['token']}/guardian"
    fields = {**form_fields(client.get(url).data), **TYPED, "csrf_token": "expired"}
    response = client.post(url, data=fields, headers=EN)
    assert response.status_code == 200 and "press the button again" in page_text(response.data)
    assert count(app, AdultSignIn) == 0


def test_a_nonce_sent_at_another_activity_leads_to_nothing_here(app, client, make):
    url, sent, _receipt = signed_in(app, client, make)
    other = make.activity(make.site("乙儿童之家"), day=DAY, opens="14:00", closes="16:45", guardians=True)
    response = client.post(f"/a/{other['token']}/guardian", data={**sent, "csrf_token": "expired"}, headers=EN)
    assert response.status_code == 200 and "press the button again" in page_text(response.data)
    assert count(app, AdultSignIn) == 1


def test_a_lecture_sign_in_sent_again_without_session_or_pass_gets_the_receipt_and_the_venue_mark(app, make):
    """Lecture mode: the scan pass and the CSRF token lived in the session WeChat has ended."""
    from tests.lecture_helpers import TYPED as LECTURE_TYPED
    from tests.lecture_helpers import open_form

    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)
    phone = app.test_client()
    url, fields = open_form(phone, app, lecture)
    sent = {**fields, **LECTURE_TYPED}
    receipt = phone.post(url, data=sent).headers["Location"]
    later = app.test_client()
    again = later.post(url, data=sent, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert later.get_cookie("fs_at") is not None  # the lecture's survey answers on this phone
    assert count(app, AdultSignIn) == 1
