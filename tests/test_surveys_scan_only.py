"""The survey of a scan-only lecture answers on the phones that signed in there, not where its link was forwarded.

A lecture in lecture mode takes sign-ins only through the changing QR code on the screen; its
survey, offered on the receipt, is for the people who were there. The clock stands at 14:05
(the lecture's sign-in opens at 14:00 and closes at 16:45; the survey is open from the start).
"""

from __future__ import annotations

import pytest
import time_machine

from formsvc.surveys.models import SurveyResponse
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.lecture_helpers import DAY, EN, START, TYPED, count, open_form
from tests.survey_helpers import answer, make_template, spec, use_at_activity

frozen = clock_stopped_at(START)

FOR_THOSE_WHO_CAME = "This survey is for the people who came to the activity and signed in there"


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(app, make, site):
    activity = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)
    questions = [spec("rating", "内容", required=True)]
    template_id = make_template(app, questions, title="讲座满意度", title_en="Lecture survey")
    return {**activity, "survey": use_at_activity(app, template_id, activity["id"])}


def sign_in_at_the_venue(app, lecture):
    """A phone scans the code on the screen and signs in; returns its client and the receipt."""
    phone = app.test_client()
    form_url, fields = open_form(phone, app, lecture)
    sent = phone.post(form_url, data={**fields, **TYPED})
    assert sent.status_code == 302, page_text(sent.data)
    return phone, phone.get(sent.headers["Location"], headers=EN)


def assert_turned_away(response, *, not_sent=False):
    assert response.status_code == 403
    text = page_text(response.data)
    assert FOR_THOSE_WHO_CAME in text
    assert "Lecture survey" in text and "Back to the Children's Home page" in text
    assert ("Your answers were not sent." in text) is not_sent
    assert "Traceback" not in text and "Send my answers" not in text and "nonce" not in form_fields(response.data)


def test_the_phone_that_signed_in_answers_from_the_receipt(app, lecture):
    phone, receipt = sign_in_at_the_venue(app, lecture)
    assert f"/q/{lecture['survey']}" in receipt.data.decode()
    assert answer(phone, lecture["survey"], {"q1": "5"}, **EN).status_code == 302
    assert count(app, SurveyResponse) == 1


def test_the_forwarded_survey_link_is_refused_on_a_phone_that_did_not_sign_in(app, lecture):
    phone, _receipt = sign_in_at_the_venue(app, lecture)
    page = phone.get(f"/q/{lecture['survey']}", headers=EN)
    fields = form_fields(page.data)
    assert "Send my answers" in page_text(page.data) and "nonce" in fields

    at_home = app.test_client()
    assert_turned_away(at_home.get(f"/q/{lecture['survey']}", headers=EN))
    # Even a form copied from the attendee's phone is not taken, and says so.
    assert_turned_away(at_home.post(f"/q/{lecture['survey']}", data={**fields, "q1": "1"}, headers=EN), not_sent=True)
    assert count(app, SurveyResponse) == 0
    # The attendee still answers, once.
    assert phone.post(f"/q/{lecture['survey']}", data={**fields, "q1": "5"}, headers=EN).status_code == 302
    assert count(app, SurveyResponse) == 1


def test_the_page_turning_away_is_chinese_by_default(app, lecture):
    page = app.test_client().get(f"/q/{lecture['survey']}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 403
    assert '<html lang="zh-Hans">' in page.data.decode()
    assert "讲座满意度" in page_text(page.data)


def test_a_forwarded_receipt_does_not_offer_the_survey(app, lecture):
    _phone, receipt = sign_in_at_the_venue(app, lecture)
    forwarded = app.test_client().get(receipt.request.path, headers=EN)
    assert forwarded.status_code == 200
    assert f"/q/{lecture['survey']}" not in forwarded.data.decode()


def test_the_poster_page_offers_the_survey_only_to_the_phones_that_signed_in(app, site, lecture):
    phone, _receipt = sign_in_at_the_venue(app, lecture)
    assert f"/q/{lecture['survey']}" in phone.get(f"/s/{site['token']}", headers=EN).data.decode()
    assert f"/q/{lecture['survey']}" not in app.test_client().get(f"/s/{site['token']}", headers=EN).data.decode()


def test_a_scan_without_a_sign_in_does_not_open_the_survey(app, lecture):
    looker = app.test_client()
    open_form(looker, app, lecture)  # scanned the screen, never signed in
    assert_turned_away(looker.get(f"/q/{lecture['survey']}", headers=EN))


def test_the_phone_answers_the_evening_after_its_browser_session_ended(app, lecture):
    phone, _receipt = sign_in_at_the_venue(app, lecture)
    phone.delete_cookie("session", domain="localhost")  # WeChat closed: the scan pass is gone
    with time_machine.travel(local(2026, 11, 27, 21, 30), tick=False):
        assert answer(phone, lecture["survey"], {"q1": "4"}, **EN).status_code == 302
    assert count(app, SurveyResponse) == 1


def test_signing_in_to_one_scan_only_lecture_does_not_open_the_survey_of_another(app, make, site, lecture):
    other = make.activity(site, day=DAY, opens="14:00", closes="16:45", title="另一场", rotating_code=True)
    template_id = make_template(app, [spec("rating", "内容")], title="另一场满意度", title_en="Lecture survey")
    other_survey = use_at_activity(app, template_id, other["id"])
    phone, _receipt = sign_in_at_the_venue(app, lecture)
    assert_turned_away(phone.get(f"/q/{other_survey}", headers=EN))


def test_a_made_up_mark_on_the_phone_opens_nothing(app, lecture):
    from formsvc.attendance.attended import COOKIE

    forger = app.test_client()
    forger.set_cookie(COOKIE, f'{{"{lecture["id"]}": 9999999999}}', domain="localhost")
    assert_turned_away(forger.get(f"/q/{lecture['survey']}", headers=EN))


def test_the_survey_of_a_lecture_without_the_changing_code_answers_from_any_phone(app, make, site):
    lecture = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True)
    template_id = make_template(app, [spec("rating", "内容", required=True)])
    token = use_at_activity(app, template_id, lecture["id"])
    assert answer(app.test_client(), token, {"q1": "5"}, **EN).status_code == 302
    assert f"/q/{token}" in app.test_client().get(f"/s/{site['token']}", headers=EN).data.decode()
    assert count(app, SurveyResponse) == 1
