"""An activity whose survey has answers took place: it is not cancelled, and the answers of one
cancelled before that rule do not count.

A survey answer is anonymous and cannot be voided, so, unlike a sign-in, nothing the manager
can do makes it stop counting; cancelling would have taken it off the tallies silently. Of an
answer and a cancellation at the same moment one wins, as with a sign-in (see
test_rollcall_meets_a_cancel.py): each race test stops one side between its write and its
commit (this test's session) and runs the other in a second session, which must wait for it.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from formsvc.activities.cancelling import cancel_activity, restore_activity
from formsvc.activities.models import Activity
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import new_nonce
from formsvc.surveys.answering import SurveyClosed, link_by_token, submit_response
from formsvc.surveys.models import SurveyResponse
from formsvc.tallies.services import compute_tally
from tests.conftest import Elsewhere, clock_stopped_at, form_fields, page_text
from tests.pdftools import pdf_text
from tests.survey_helpers import make_template, spec, use_at_activity
from tests.workspace_helpers import DAY, EN, NOW, audits, count, guardian_sign_in, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
ZH = {"Accept-Language": "zh-CN"}
NOVEMBER = "scope=district&period=2026-11"


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    template = make_template(app, [spec("rating", "讲得怎么样？")])
    return {
        "site": site,
        "lecture": lecture,
        "template": template,
        "token": use_at_activity(app, template, lecture["id"]),
        "manager": make.user("amy", sites=[site]),
    }


def send_answer(token: str, rating: int, device: str):
    """A phone sending the survey, in the current session."""
    link = link_by_token(token)
    return submit_response(link, link.template.current, {"q1": str(rating)}, nonce=new_nonce(), device=device, now=NOW)


def answered(app, token: str, rating: int, device: str) -> None:
    with app.app_context():
        send_answer(token, rating, device)
        db.session.commit()


def cancel(home) -> None:
    cancel_activity(db.session.get(Activity, home["lecture"]["id"]))


def cancelled(app, home) -> bool:
    with app.app_context():
        return db.session.get(Activity, home["lecture"]["id"]).cancelled


def post_cancel(client, activity_id, headers):
    fields = form_fields(client.get(f"/admin/activities/{activity_id}/edit").data)
    return client.post(
        f"/admin/activities/{activity_id}/cancel", data={"csrf_token": fields["csrf_token"]}, headers=headers
    )


REFUSED = (
    "This activity cannot be cancelled: {count} answered its survey, so it took place. "
    "Survey answers are never voided, so the activity stays as held."
)


def warning_on(page: bytes) -> str:
    return page_text(re.search(rb'<p class="notice notice-warn" role="alert">(.*?)</p>', page, flags=re.S).group(1))


# --- cancelling and moving are refused, in words that say why ----------------------------------


def test_an_activity_whose_survey_was_answered_is_not_cancelled_and_the_manager_is_told_why(app, home):
    answered(app, home["token"], 5, "phone-a")
    answered(app, home["token"], 4, "phone-b")
    lecture_id = home["lecture"]["id"]
    client = signed_in_client(app, home["manager"])

    response = post_cancel(client, lecture_id, EN)

    assert response.status_code == 302 and response.location.endswith(f"/admin/activities/{lecture_id}/edit")
    assert not cancelled(app, home) and audits(app, "activity.cancel") == 0
    assert warning_on(client.get(response.location, headers=EN).data) == REFUSED.format(count=2)
    response = post_cancel(client, lecture_id, ZH)
    in_chinese = "这个活动的问卷已有 2 人填写，说明活动已经举办，不能取消。问卷答卷不会作废，这个活动会保留为已举办。"
    assert warning_on(client.get(response.location, headers=ZH).data) == in_chinese


def test_the_edit_page_says_why_instead_of_offering_a_cancel_that_would_be_refused(app, home):
    """QA: the page offered 取消这个活动 and its confirm, only for the cancel to be refused."""
    lecture_id = home["lecture"]["id"]
    client = signed_in_client(app, home["manager"])
    cancel_url = f"/admin/activities/{lecture_id}/cancel"
    before = client.get(f"/admin/activities/{lecture_id}/edit", headers=ZH).data.decode()
    assert cancel_url in before and "问卷已有" not in before
    answered(app, home["token"], 5, "phone-a")
    after = client.get(f"/admin/activities/{lecture_id}/edit", headers=ZH).data.decode()
    assert cancel_url not in after
    assert "这个活动的问卷已有 1 人填写，说明活动已经举办，不能取消。" in page_text(after.encode())


def test_the_service_refuses_whoever_calls_it_and_names_sign_ins_first(app, ctx, home):
    answered(app, home["token"], 5, "phone-a")
    with pytest.raises(DomainError) as refused:
        cancel(home)
    assert refused.value.code == "cancelled_after_answers" and refused.value.details == {"count": 1}
    db.session.rollback()
    guardian_sign_in(app, home["lecture"]["id"])  # what the manager can void comes first
    with pytest.raises(DomainError) as refused:
        cancel(home)
    assert refused.value.code == "cancelled_after_signin"
    db.session.rollback()
    assert not cancelled(app, home)


def test_moving_an_activity_whose_survey_was_answered_says_so(app, home):
    answered(app, home["token"], 5, "phone-a")
    client = signed_in_client(app, home["manager"])
    url = f"/admin/activities/{home['lecture']['id']}/edit"
    response = client.post(url, data={**form_fields(client.get(url).data), "day": "2026-11-28"}, headers=EN)
    assert response.status_code == 200
    assert (
        "People have already answered this activity's survey, so it stays on its day. "
        "For another day, schedule a new activity."
    ) in page_text(response.data)
    with app.app_context():
        assert db.session.get(Activity, home["lecture"]["id"]).on_date == DAY


# --- an answer and a cancellation at the same moment: one wins ---------------------------------


def test_an_answer_written_first_makes_the_cancel_wait_and_be_refused(app, home):
    with app.app_context():
        send_answer(home["token"], 5, "phone-a")  # written, not committed yet
        other = Elsewhere(app, lambda: cancel(home))
        assert other.waiting(), "the cancel counted the answers without waiting for the one being written"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, DomainError) and refused.code == "cancelled_after_answers"
    assert not cancelled(app, home) and count(app, SurveyResponse) == 1


def test_a_cancel_written_first_makes_the_answer_wait_and_be_refused(app, home):
    with app.app_context():
        cancel(home)  # written, not committed yet: the phone still reads the activity as held
        other = Elsewhere(app, lambda: send_answer(home["token"], 5, "phone-a"))
        assert other.waiting(), "the answer was written without waiting for the cancel"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, SurveyClosed) and refused.message == "这个活动已取消。"  # the phone's default language
    assert cancelled(app, home) and count(app, SurveyResponse) == 0


def test_an_answer_checked_before_a_committed_cancel_is_refused(app, home):
    """The phone's request read the activity before the cancel committed, as the survey page did."""
    with app.app_context():
        link = link_by_token(home["token"])
        assert not link.activity.cancelled
        Elsewhere(app, lambda: cancel(home)).outcome()
        with pytest.raises(SurveyClosed):
            send_answer(home["token"], 5, "phone-a")
        db.session.rollback()
    assert cancelled(app, home) and count(app, SurveyResponse) == 0


# --- answers of an activity cancelled before the rule: not in the tallies nor the results --------


@pytest.fixture
def cancelled_before_the_rule(app, make, home):
    """The lecture held (two answers, 5 each), and a visit cancelled with its answer (1) before that was refused."""
    answered(app, home["token"], 5, "phone-a")
    answered(app, home["token"], 5, "phone-b")
    visit = make.activity(home["site"], day=DAY, kind="visit", title="慰问", guardians=True)
    answered(app, use_at_activity(app, home["template"], visit["id"]), 1, "phone-c")
    with app.app_context():
        db.session.get(Activity, visit["id"]).cancelled = True  # as cancel_activity let it then
        db.session.commit()
    return {**home, "visit": visit, "admin": make.user("boss", role="admin")}


def survey_figures(period=NOVEMBER):
    figures = compute_tally("district", DAY.replace(day=1), DAY.replace(day=30), as_of=NOW).total.figures
    return figures.survey_responses, figures.survey_mean_rating


def test_the_tally_leaves_out_the_answers_of_a_cancelled_activity(app, cancelled_before_the_rule):
    home = cancelled_before_the_rule
    client = signed_in_client(app, home["admin"])
    with app.app_context():
        assert survey_figures() == (2, 5.0)  # (5 + 5 + 1) / 3 counted with the cancelled visit

    page = page_text(client.get(f"/admin/tallies?{NOVEMBER}", headers=EN).data)
    table = list(csv.DictReader(io.StringIO(client.get(f"/admin/tallies.csv?{NOVEMBER}").data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get(f"/admin/tallies.xlsx?{NOVEMBER}").data)).active
    pdf = pdf_text(client.get(f"/admin/tallies.pdf?{NOVEMBER}").data)

    assert "Survey responses: 2 · Mean rating 5.00" in page
    total = table[-1]
    assert (total["row_type"], total["survey_responses"], float(total["mean_rating"])) == ("total", "2", 5.0)
    header = [cell.value for cell in sheet[3]]
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert (last[header.index("问卷份数")], last[header.index("平均分")]) == (2, 5.0)
    assert "5.00" in pdf and "3.67" not in pdf


def test_the_survey_results_leave_them_out_and_a_restored_activity_counts_them_again(app, cancelled_before_the_rule):
    home = cancelled_before_the_rule
    client = signed_in_client(app, home["admin"])
    results = f"/admin/surveys/{home['template']}/results"
    assert "Responses 2" in page_text(client.get(results, headers=EN).data)
    with app.app_context():
        restore_activity(db.session.get(Activity, home["visit"]["id"]))
        db.session.commit()
        assert survey_figures() == (3, pytest.approx(11 / 3))
    assert "Responses 3" in page_text(client.get(results, headers=EN).data)
