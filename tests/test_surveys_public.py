"""Answering a survey on a phone: CSRF on, JavaScript off, exactly once, one response per phone."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from formsvc.extensions import db
from formsvc.surveys.models import SurveyAnswer, SurveyResponse, SurveyTemplate
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.survey_helpers import answer, make_template, open_survey, spec, use_at_activity, use_at_site
from tests.test_signin_service import race

DAY = date(2026, 11, 27)
AFTERNOON = local(2026, 11, 27, 16, 30)
EN = {"Accept-Language": "en"}


frozen_afternoon = clock_stopped_at(AFTERNOON)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def stored_answers(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(SurveyAnswer)).scalars()
        found: dict = {}
        for row in rows:
            value = row.number if row.number is not None else (row.choice or row.text)
            found.setdefault(row.question.key, []).append(value)
        return found


@pytest.fixture
def site_survey(app, make):
    site = make.site()
    template_id = make_template(
        app,
        [
            spec("rating", "您对活动内容满意吗", required=True, title_en="How was the content?"),
            spec("yes_no", "孩子参加了吗", required=True),
            spec("rating", "孩子喜欢吗", required=True, when=("q2", "yes")),
            spec("multiple", "需要哪些帮助", options=["学习", "心理", "营养"]),
            spec("long_text", "意见建议"),
        ],
        title_en="Parent survey",
    )
    return {"site": site, "template_id": template_id, "token": use_at_site(app, template_id, site["id"])}


def test_the_form_shows_five_faces_with_words_and_works_without_javascript(client, site_survey):
    page, fields = open_survey(client, site_survey["token"], **EN)
    html = page.data.decode()
    assert page.headers["Cache-Control"] == "no-store"
    assert html.count('class="face face-') == 10  # two rating questions
    for word in ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"):
        assert word in html
    assert "How was the content?" in html  # English where there is English …
    assert "孩子参加了吗" in html  # … Chinese where there is not
    assert "Only if you answered “Yes” to question 2 above." in page_text(html)
    assert "<script>" not in html and "onclick" not in html
    assert {"csrf_token", "nonce", "version"} <= set(fields)


def test_a_response_is_stored_anonymously_with_its_answers(app, client, site_survey):
    response = answer(
        client,
        site_survey["token"],
        {"q1": "5", "q2": "yes", "q3": "4", "q4": ["1", "3"], "q5": "  讲得 很好\n谢谢  "},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/q/{site_survey['token']}/thanks")
    assert "Thank you" in page_text(client.get(response.headers["Location"], headers=EN).data)
    assert stored_answers(app) == {"q1": [5], "q2": ["yes"], "q3": [4], "q4": ["1", "3"], "q5": ["讲得 很好\n谢谢"]}
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalar_one()
        assert stored.on_date == DAY and stored.activity_id is None and stored.version.frozen
        assert stored.device_key and len(stored.device_key) == 40


def test_with_javascript_off_hidden_questions_are_ignored_and_not_required(app, client, site_survey):
    # q3 (required, only when q2 = yes) is answered although q2 = no: ignored, not an error.
    response = answer(client, site_survey["token"], {"q1": "3", "q2": "no", "q3": "1"})
    assert response.status_code == 302
    assert stored_answers(app) == {"q1": [3], "q2": ["no"]}


def test_a_shown_required_question_left_empty_keeps_everything_typed(app, client, site_survey):
    response = answer(client, site_survey["token"], {"q1": "2", "q2": "yes", "q4": ["2"], "q5": "场地太小"}, **EN)
    assert response.status_code == 200
    text = page_text(response.data)
    assert "Please answer this question." in text
    again = form_fields(response.data)
    assert again["q1"] == "2" and again["q2"] == "yes" and again["q4"] == "2"
    assert "场地太小" in response.data.decode()
    assert count(app, SurveyResponse) == 0


@pytest.mark.parametrize("csrf", [None, "expired-or-forged"])
def test_an_expired_csrf_token_asks_for_one_more_tap_and_keeps_the_answers(app, client, site_survey, csrf):
    _page, fields = open_survey(client, site_survey["token"], **EN)
    data = {**fields, "q1": "4", "q2": "no", "q5": "很好"}
    if csrf is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = csrf
    response = client.post(f"/q/{site_survey['token']}", data=data, headers=EN)
    assert response.status_code == 200
    assert "press the button again" in page_text(response.data)
    again = form_fields(response.data)
    assert again["q1"] == "4" and again["q2"] == "no" and again["nonce"] == fields["nonce"]
    assert client.post(f"/q/{site_survey['token']}", data={**again, "q5": "很好"}).status_code == 302
    assert count(app, SurveyResponse) == 1


def test_the_same_nonce_twice_stores_one_response(app, client, site_survey):
    _page, fields = open_survey(client, site_survey["token"])
    data = {**fields, "q1": "5", "q2": "no"}
    first = client.post(f"/q/{site_survey['token']}", data=data)
    second = client.post(f"/q/{site_survey['token']}", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, SurveyResponse) == 1
    assert count(app, SurveyAnswer) == 2


def test_the_same_phone_with_another_form_has_already_answered(app, client, site_survey):
    _page, first_form = open_survey(client, site_survey["token"])
    _page, second_form = open_survey(client, site_survey["token"])  # a second tab, opened before sending
    assert first_form["nonce"] != second_form["nonce"]
    assert client.post(f"/q/{site_survey['token']}", data={**first_form, "q1": "5", "q2": "no"}).status_code == 302
    again = client.post(f"/q/{site_survey['token']}", data={**second_form, "q1": "1", "q2": "no"}, headers=EN)
    assert again.status_code == 200
    assert "already answered" in page_text(again.data)
    assert "already answered" in page_text(client.get(f"/q/{site_survey['token']}", headers=EN).data)
    assert count(app, SurveyResponse) == 1


def test_another_phone_on_the_same_wifi_can_answer(app, site_survey):
    for _phone in range(2):
        phone = app.test_client()  # its own cookies; the same address, as in a village on one Wi-Fi
        assert answer(phone, site_survey["token"], {"q1": "4", "q2": "no"}).status_code == 302
    assert count(app, SurveyResponse) == 2


def test_the_site_page_lists_open_surveys_and_still_goes_straight_to_a_single_form_without_them(app, client, make):
    site = make.site()
    assert client.get(f"/s/{site['token']}").status_code == 302  # only the daily opening: straight to it
    template_id = make_template(app, [spec("rating", "内容")], title="儿童之家满意度")
    token = use_at_site(app, template_id, site["id"])
    page = client.get(f"/s/{site['token']}", headers=EN)
    assert page.status_code == 200
    assert "儿童之家满意度" in page_text(page.data)
    assert f"/q/{token}" in page.data.decode()
    assert "/child" in page.data.decode()  # the sign-in is still there


def guardian_sign_in(client, lecture_token):
    url = f"/a/{lecture_token}/guardian"
    fields = form_fields(client.get(url).data)
    response = client.post(url, data={**fields, "name": "韦丽娟", "relation": "grandmother"})
    assert response.status_code == 302
    return client.get(response.headers["Location"], headers=EN)


def test_the_receipt_of_a_guardian_offers_the_lecture_survey_when_it_is_open(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00")
    template_id = make_template(app, [spec("rating", "内容")], title="讲座满意度")
    token = use_at_activity(app, template_id, lecture["id"], opens_before_close=15)
    receipt = guardian_sign_in(client, lecture["token"])
    assert f"/q/{token}" not in receipt.data.decode()  # 16:30: opens at 16:45
    assert "A short survey about this activity opens at 16:45. Please open this page again then." in page_text(
        receipt.data
    )
    closed = client.get(f"/q/{token}", headers=EN)
    assert "not opened yet" in page_text(closed.data)
    with time_machine.travel(local(2026, 11, 27, 16, 50), tick=False):
        receipt = client.get(receipt.request.path, headers=EN)
        assert f"/q/{token}" in receipt.data.decode()
        assert "讲座满意度" in page_text(receipt.data)
        assert "opens at" not in page_text(receipt.data)
        assert answer(client, token, {"q1": "5"}).status_code == 302
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalar_one()
        assert stored.activity_id == lecture["id"] and stored.on_date == DAY
    with time_machine.travel(local(2026, 11, 28, 17, 1), tick=False):  # 24 hours after sign-in closed
        assert "has ended" in page_text(client.get(f"/q/{token}", headers=EN).data)


def test_a_survey_that_closes_while_typing_says_plainly_that_nothing_was_sent(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00")
    template_id = make_template(app, [spec("rating", "内容"), spec("long_text", "意见")])
    token = use_at_activity(app, template_id, lecture["id"])
    with time_machine.travel(local(2026, 11, 28, 16, 55), tick=False):  # the evening after, nearly closing
        _page, fields = open_survey(client, token)
    with time_machine.travel(local(2026, 11, 28, 17, 5), tick=False):
        response = client.post(f"/q/{token}", data={**fields, "q1": "4", "q2": "不错"}, headers=EN)
    assert response.status_code == 200
    text = page_text(response.data)
    assert "has ended" in text and "Your answers were not sent." in text
    assert "Thank you" not in text
    assert "Send my answers" not in text and "q1" not in form_fields(response.data)  # nothing to press again
    assert count(app, SurveyResponse) == 0


@pytest.mark.parametrize("path", ["/q/doesnotexist", "/q/" + "x" * 100, "/q/%00", "/q/nope/thanks"])
def test_unknown_survey_tokens_are_a_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"Traceback" not in response.data


# --- races: the same form sent at once, the same phone on two tabs at once --------------


def _submit(app_token: str, nonce: str, device: str, answers: dict) -> None:
    from formsvc.surveys.answering import link_by_token, submit_response

    link = link_by_token(app_token)
    submit_response(link, link.template.current, answers, nonce=nonce, device=device, now=AFTERNOON)


def test_simultaneous_double_taps_store_one_response(app, site_survey):
    errors = race(
        app, 6, lambda _i: _submit(site_survey["token"], "same-nonce-0123456789", "phone-a", {"q1": "5", "q2": "no"})
    )
    assert errors == []
    assert count(app, SurveyResponse) == 1 and count(app, SurveyAnswer) == 2


def test_one_phone_sending_two_forms_at_once_answers_once(app, site_survey):
    from formsvc.surveys.answering import AlreadyAnswered

    errors = race(
        app, 6, lambda i: _submit(site_survey["token"], f"nonce-{i:02d}-0123456789", "phone-b", {"q1": "4", "q2": "no"})
    )
    assert len(errors) == 5 and all(isinstance(error, AlreadyAnswered) for error in errors), errors
    assert count(app, SurveyResponse) == 1


def test_a_survey_stopped_while_the_form_is_open_says_nothing_was_sent(app, client, site_survey):
    from formsvc.surveys.answering import link_by_token
    from formsvc.surveys.services import stop_link

    _page, fields = open_survey(client, site_survey["token"])
    with app.app_context():
        stop_link(link_by_token(site_survey["token"]))
        db.session.commit()
    response = client.post(f"/q/{site_survey['token']}", data={**fields, "q1": "5", "q2": "no"}, headers=EN)
    text = page_text(response.data)
    assert "This survey has ended. Your answers were not sent." in text
    assert "Thank you" not in text and "Send my answers" not in text and "q1" not in form_fields(response.data)
    assert count(app, SurveyResponse) == 0


# --- one survey asked both at the home and after its lecture -----------------------------


@pytest.fixture
def twice_asked(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00")
    template_id = make_template(app, [spec("rating", "内容", required=True)], title="儿童之家服务满意度")
    return {
        "site": site,
        "at_site": use_at_site(app, template_id, site["id"]),
        "at_lecture": use_at_activity(app, template_id, lecture["id"]),
    }


def test_the_poster_page_offers_a_survey_asked_at_the_home_and_after_a_lecture_once(app, client, twice_asked):
    page = client.get(f"/s/{twice_asked['site']['token']}").data.decode()
    assert page.count("儿童之家服务满意度") == 1
    assert f"/q/{twice_asked['at_site']}" in page and f"/q/{twice_asked['at_lecture']}" not in page


def test_one_phone_answers_one_survey_once_a_day_whichever_link_it_takes(app, client, twice_asked):
    _page, fields = open_survey(client, twice_asked["at_lecture"])  # left open in another tab
    assert answer(client, twice_asked["at_site"], {"q1": "5"}).status_code == 302
    assert "already answered" in page_text(client.get(f"/q/{twice_asked['at_lecture']}", headers=EN).data)
    again = client.post(f"/q/{twice_asked['at_lecture']}", data={**fields, "q1": "1"}, headers=EN)
    assert "already answered" in page_text(again.data)
    assert count(app, SurveyResponse) == 1
    assert answer(app.test_client(), twice_asked["at_lecture"], {"q1": "4"}).status_code == 302  # another phone
    assert count(app, SurveyResponse) == 2


def test_one_phone_sending_through_both_links_at_once_answers_once(app, twice_asked):
    from formsvc.surveys.answering import AlreadyAnswered

    tokens = [twice_asked["at_site"], twice_asked["at_lecture"]] * 3
    errors = race(app, 6, lambda i: _submit(tokens[i], f"nonce-{i:02d}-0123456789", "phone-c", {"q1": "4"}))
    assert len(errors) == 5 and all(isinstance(error, AlreadyAnswered) for error in errors), errors
    assert count(app, SurveyResponse) == 1


def test_the_introduction_keeps_its_paragraphs_and_line_breaks(app, client, make):
    from formsvc.surveys.builder import paragraphs_filter

    assert paragraphs_filter("  请您花一分钟 \r\n\r\n\r\n填写\n谢谢\n\n") == "请您花一分钟\n\n填写\n谢谢"
    site = make.site()
    template_id = make_template(app, [spec("rating", "内容")])
    with app.app_context():
        from formsvc.surveys.services import update_settings

        template = db.session.get(SurveyTemplate, template_id)
        update_settings(template, title_zh="满意度", title_en="", intro_zh="请您花一分钟\n\n填写\n谢谢", intro_en="")
        db.session.commit()
    page = client.get(f"/q/{use_at_site(app, template_id, site['id'])}").data.decode()
    assert "<p>请您花一分钟</p><p>填写<br>谢谢</p>" in page
