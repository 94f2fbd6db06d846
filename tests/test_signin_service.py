"""The sign-in services directly: exactly-once under races, windows, roster matching."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, ChildStatus, Submission
from formsvc.attendance.services import WindowClosed, sign_in_adult, sign_in_child
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import local, race

DAY = date(2026, 11, 27)
NOW = local(2026, 11, 27, 16, 30)


def rows(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def lecture(ctx_app, make, **kwargs):
    site = make.site()
    activity = make.activity(site, day=DAY, children=True, guardians=True, **kwargs)
    return db.session.get(Activity, activity["id"])


def test_a_repeated_nonce_returns_the_first_submission(app, ctx, make):
    activity = lecture(app, make)
    nonce = new_nonce()
    first = sign_in_child(activity, child_name="王小明", signed_by=None, nonce=nonce, now=NOW)
    db.session.commit()
    again = sign_in_child(activity, child_name="王小明", signed_by=None, nonce=nonce, now=NOW)
    assert again.repeated and again.submission.id == first.submission.id
    assert rows(Attendance) == 1 and rows(Submission) == 1


def test_a_resend_after_the_window_closed_still_gets_its_receipt(app, ctx, make):
    activity = lecture(app, make, opens="14:00", closes="17:00")
    nonce = new_nonce()
    sign_in_child(activity, child_name="王小明", signed_by=None, nonce=nonce, now=NOW)
    db.session.commit()
    late = sign_in_child(activity, child_name="王小明", signed_by=None, nonce=nonce, now=local(2026, 11, 27, 18))
    assert late.repeated


@pytest.mark.parametrize(
    ("moment", "code"),
    [(local(2026, 11, 27, 13, 59), "not_open_yet"), (local(2026, 11, 27, 17, 0), "window_closed")],
)
def test_the_window_is_enforced_on_the_server(app, ctx, make, moment, code):
    activity = lecture(app, make, opens="14:00", closes="17:00")
    with pytest.raises(WindowClosed) as error:
        sign_in_child(activity, child_name="王小明", signed_by=None, nonce=new_nonce(), now=moment)
    assert error.value.code == code
    assert rows(Attendance) == 0


def test_a_cancelled_activity_takes_no_sign_ins(app, ctx, make):
    activity = lecture(app, make)
    activity.cancelled = True
    with pytest.raises(WindowClosed) as error:
        sign_in_child(activity, child_name="王小明", signed_by=None, nonce=new_nonce(), now=NOW)
    assert error.value.code == "cancelled"


def test_same_guardian_twice_is_found_existing(app, ctx, make):
    activity = lecture(app, make)
    kwargs = dict(role=AdultRole.GUARDIAN, relation=None, phone="", village="", child_name="", now=NOW)
    first = sign_in_adult(activity, name="韦丽娟", nonce=new_nonce(), **kwargs)
    second = sign_in_adult(activity, name="韦 丽娟", nonce=new_nonce(), **kwargs)
    db.session.commit()
    assert not first.already_signed_in
    assert second.already_signed_in and not second.repeated
    assert second.submission.adult_signin_id == first.submission.adult_signin_id
    assert rows(AdultSignIn) == 1


def test_a_guardian_and_a_volunteer_of_the_same_name_both_count(app, ctx, make):
    activity = lecture(app, make, volunteers=True)
    kwargs = dict(relation=None, phone="", village="", child_name="", now=NOW)
    sign_in_adult(activity, role=AdultRole.GUARDIAN, name="韦丽娟", nonce=new_nonce(), **kwargs)
    sign_in_adult(activity, role=AdultRole.VOLUNTEER, name="韦丽娟", nonce=new_nonce(), **kwargs)
    assert rows(AdultSignIn) == 2


def test_a_voided_attendance_lets_the_child_sign_in_again(app, ctx, make):
    activity = lecture(app, make)
    first = sign_in_child(activity, child_name="王小明", signed_by=None, nonce=new_nonce(), now=NOW)
    first.submission.attendance.voided_at = NOW
    first.submission.attendance.void_reason = "wrong activity"
    db.session.flush()
    second = sign_in_child(activity, child_name="王小明", signed_by=None, nonce=new_nonce(), now=NOW)
    assert not second.already_signed_in
    assert rows(Attendance, Attendance.voided_at.is_(None)) == 1


def test_guardian_child_name_links_to_the_roster_without_adding_children(app, ctx, make):
    activity = lecture(app, make)
    child_id = make.child({"id": activity.site_id}, "陆一鸣")
    kwargs = dict(role=AdultRole.GUARDIAN, relation=None, phone="", village="", now=NOW)
    linked = sign_in_adult(activity, name="陆建国", child_name="陆一鸣", nonce=new_nonce(), **kwargs)
    unknown = sign_in_adult(activity, name="覃大姐", child_name="不在册", nonce=new_nonce(), **kwargs)
    assert linked.submission.adult_signin.child_id == child_id
    assert unknown.submission.adult_signin.child_id is None
    assert rows(Child) == 1


def test_simultaneous_double_taps_write_once(app, make):
    site = make.site()
    activity_id = make.activity(site, day=DAY, children=True)["id"]
    nonce = new_nonce()

    def tap(_index):
        activity = db.session.get(Activity, activity_id)
        sign_in_child(activity, child_name="王小明", signed_by=None, nonce=nonce, now=NOW)

    assert race(app, 6, tap) == []
    with app.app_context():
        assert rows(Attendance) == 1 and rows(Submission) == 1 and rows(Child) == 1


def test_the_same_new_child_from_many_phones_at_once_counts_once(app, make):
    site = make.site()
    activity_id = make.activity(site, day=DAY, children=True)["id"]

    def phone(_index):
        activity = db.session.get(Activity, activity_id)
        sign_in_child(activity, child_name="新来的", signed_by=None, nonce=new_nonce(), now=NOW)

    assert race(app, 6, phone) == []
    with app.app_context():
        assert rows(Child, Child.status == ChildStatus.TO_REVIEW) == 1
        assert rows(Attendance) == 1
        assert rows(Submission) == 6


def test_many_different_guardians_at_once_all_count(app, make):
    site = make.site()
    activity_id = make.activity(site, day=DAY, guardians=True)["id"]

    def guardian(index):
        activity = db.session.get(Activity, activity_id)
        sign_in_adult(
            activity,
            role=AdultRole.GUARDIAN,
            name=f"家长{index}",
            relation=None,
            phone="",
            village="",
            child_name="",
            nonce=new_nonce(),
            now=NOW,
        )

    assert race(app, 12, guardian) == []
    with app.app_context():
        assert rows(AdultSignIn) == 12
