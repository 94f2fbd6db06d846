"""A survey edited in the builder while a phone has it open: the answers that still apply are taken.

An unanswered version is edited in place, so the form on the phone can be older than its own
version. A deleted question's answer is left out (not a 400); a new or edited question brings
the form back as it is now, with what still applies kept; nothing is stored against questions
the person did not see.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from formsvc.extensions import db
from formsvc.surveys.models import SurveyAnswer, SurveyResponse, SurveyTemplate
from formsvc.surveys.services import add_question, delete_question, update_question
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.survey_helpers import answer, make_template, open_survey, spec, use_at_site

EN = {"Accept-Language": "en"}
CHANGED = "This survey was changed while you were answering."

frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))

QUESTIONS = [
    spec("rating", "您对活动内容满意吗", required=True),
    spec("yes_no", "会推荐吗"),
    spec("multiple", "喜欢哪些环节", options=["讲座", "游戏", "问答"]),
    spec("long_text", "意见和建议"),
]


@pytest.fixture
def survey(app, make):
    site = make.site()
    template_id = make_template(app, QUESTIONS)
    return {"template_id": template_id, "token": use_at_site(app, template_id, site["id"])}


def edit(app, template_id, change) -> None:
    with app.app_context():
        change(db.session.get(SurveyTemplate, template_id))
        db.session.commit()


def stored(app) -> dict:
    """Question title → the stored values, over every response."""
    with app.app_context():
        found: dict = {}
        for row in db.session.execute(select(SurveyAnswer).order_by(SurveyAnswer.id)).scalars():
            value = row.number if row.number is not None else (row.choice or row.text)
            found.setdefault(row.question.title_zh, []).append(value)
        return found


def responses(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(SurveyResponse.id))).scalar_one()


def test_a_question_deleted_while_the_form_is_open_is_left_out_and_the_rest_is_stored(app, client, survey):
    _page, fields = open_survey(client, survey["token"])
    edit(app, survey["template_id"], lambda template: delete_question(template, "q4"))  # nobody answered yet
    sent = {**fields, "q1": "5", "q2": "yes", "q3": ["1", "3"], "q4": "希望多办"}
    response = client.post(f"/q/{survey['token']}", data=sent)
    assert response.status_code == 302, page_text(response.data)
    assert response.headers["Location"].endswith("/thanks")
    assert stored(app) == {"您对活动内容满意吗": [5], "会推荐吗": ["yes"], "喜欢哪些环节": ["1", "3"]}
    again = client.post(f"/q/{survey['token']}", data=sent)  # the same form once more: its first receipt
    assert again.status_code == 302 and responses(app) == 1


def test_a_deleted_multiple_choice_question_with_several_ticks_is_left_out_too(app, client, survey):
    _page, fields = open_survey(client, survey["token"])
    edit(app, survey["template_id"], lambda template: delete_question(template, "q3"))
    response = client.post(f"/q/{survey['token']}", data={**fields, "q1": "4", "q3": ["1", "2", "3"]})
    assert response.status_code == 302
    assert stored(app) == {"您对活动内容满意吗": [4]}


def test_a_required_question_added_meanwhile_brings_the_form_back_with_everything_typed(app, client, survey):
    _page, fields = open_survey(client, survey["token"], **EN)
    edit(
        app, survey["template_id"], lambda template: add_question(template, spec("yes_no", "孩子来了吗", required=True))
    )
    typed = {**fields, "q1": "2", "q2": "no", "q3": ["2"], "q4": "场地太小"}
    response = client.post(f"/q/{survey['token']}", data=typed, headers=EN)
    assert response.status_code == 200
    assert CHANGED in page_text(response.data) and "孩子来了吗" in page_text(response.data)
    again = form_fields(response.data)
    assert (again["q1"], again["q2"], again["q3"]) == ("2", "no", "2") and "场地太小" in response.data.decode()
    assert responses(app) == 0
    sent = client.post(f"/q/{survey['token']}", data={**again, "q3": ["2"], "q4": "场地太小", "q5": "yes"})
    assert sent.status_code == 302
    assert stored(app)["孩子来了吗"] == ["yes"] and stored(app)["您对活动内容满意吗"] == [2]


def test_an_edited_question_is_asked_again_and_its_old_answer_is_not_stored(app, client, survey):
    _page, fields = open_survey(client, survey["token"], **EN)
    edit(app, survey["template_id"], lambda template: update_question(template, "q2", spec("yes_no", "会再来吗")))
    response = client.post(f"/q/{survey['token']}", data={**fields, "q1": "5", "q2": "yes"}, headers=EN)
    assert response.status_code == 200 and CHANGED in page_text(response.data)
    again = form_fields(response.data)
    assert again["q1"] == "5" and "q2" not in again  # the answer to the old wording is not carried over
    assert responses(app) == 0
    assert client.post(f"/q/{survey['token']}", data={**again, "q2": "no"}).status_code == 302
    assert stored(app) == {"您对活动内容满意吗": [5], "会再来吗": ["no"]}


def test_an_answered_version_keeps_its_questions_for_a_form_still_open(app, client, survey):
    assert answer(app.test_client(), survey["token"], {"q1": "3"}).status_code == 302  # freezes version 1
    _page, fields = open_survey(client, survey["token"])
    edit(app, survey["template_id"], lambda template: delete_question(template, "q4"))  # makes version 2
    response = client.post(f"/q/{survey['token']}", data={**fields, "q1": "5", "q4": "很好"})
    assert response.status_code == 302
    with app.app_context():
        numbers = db.session.execute(select(SurveyResponse.version_id)).scalars().all()
        assert len(set(numbers)) == 1  # both answered version 1, which still has the comment question
    assert stored(app)["意见和建议"] == ["很好"]


def test_a_field_the_form_never_asked_is_still_refused(app, client, survey):
    _page, fields = open_survey(client, survey["token"])
    edit(app, survey["template_id"], lambda template: delete_question(template, "q4"))
    assert client.post(f"/q/{survey['token']}", data={**fields, "q1": "5", "q9": "x"}).status_code == 400
    forged = {**fields, "asked": fields["asked"] + ",status:00000000", "q1": "5", "status": "active"}
    assert client.post(f"/q/{survey['token']}", data=forged).status_code == 400
    assert responses(app) == 0


def test_the_service_stores_nothing_for_a_form_that_asked_other_questions(app, survey):
    from formsvc.surveys.answering import SurveyChanged, link_by_token, submit_response
    from formsvc.surveys.builder import asked_text, parse_asked

    with app.app_context():
        link = link_by_token(survey["token"])
        asked = parse_asked(asked_text(link.template.current.questions))
        update_question(link.template, "q1", spec("rating", "您对老师满意吗", required=True))
        with pytest.raises(SurveyChanged):
            submit_response(link, link.template.current, {"q1": "5"}, nonce="n" * 24, device="phone", asked=asked)
        assert not link.template.current.frozen  # nothing answered it, so it is still edited in place
        assert db.session.execute(select(func.count(SurveyResponse.id))).scalar_one() == 0
