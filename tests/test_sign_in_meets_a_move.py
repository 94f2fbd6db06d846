"""A sign-in that meets a move or a cancellation committed after it checked the window is refused.

QA raced a guardian's sign-in against the manager moving the lecture to another day: the
sign-in had checked the window before the move committed and landed on the moved lecture (2 of
40 tries on SQLite, 38 of 60 on PostgreSQL), so December's tally counted a November sign-in.
Here the move is committed from another connection after the sign-in's session read the
activity, which is the state the race leaves.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update

from formsvc.activities.models import Activity
from formsvc.activities.services import edit_activity
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance
from formsvc.attendance.services import WindowClosed, sign_in_adult, sign_in_child
from formsvc.errors import DomainError
from formsvc.extensions import db
from tests.conftest import Elsewhere, local

DAY = date(2026, 11, 27)
DURING = local(2026, 11, 27, 15, 0)


@pytest.fixture
def lecture(make):
    site = make.site()
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", children=True, guardians=True)


def commit_elsewhere(app, activity_id, **values):
    with db.engine.begin() as other:  # another request's connection
        other.execute(update(Activity).where(Activity.id == activity_id).values(**values))


def moved_a_week(activity) -> dict:
    return {
        "on_date": activity.on_date + timedelta(days=7),
        "opens_at": activity.opens_at + timedelta(days=7),
        "closes_at": activity.closes_at + timedelta(days=7),
    }


@pytest.mark.parametrize("change", ["moved", "cancelled"])
def test_a_childs_sign_in_is_refused(app, lecture, change):
    with app.app_context():
        activity = db.session.get(Activity, lecture["id"])  # read before the change, as the form did
        assert activity.opens_at <= DURING < activity.closes_at
        commit_elsewhere(app, activity.id, **(moved_a_week(activity) if change == "moved" else {"cancelled": True}))
        with pytest.raises(WindowClosed):
            sign_in_child(activity, child_name="王小明", signed_by=None, nonce="n" * 24, now=DURING)
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(Attendance)).scalar_one() == 0


def test_a_guardians_sign_in_is_refused(app, lecture):
    with app.app_context():
        activity = db.session.get(Activity, lecture["id"])
        commit_elsewhere(app, activity.id, **moved_a_week(activity))
        with pytest.raises(WindowClosed):
            sign_in_adult(
                activity,
                role=AdultRole.GUARDIAN,
                name="韦丽娟",
                relation=None,
                phone="",
                village="新华村",
                child_name="",
                nonce="g" * 24,
                now=DURING,
            )
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(AdultSignIn)).scalar_one() == 0


def test_a_sign_in_written_first_makes_the_move_wait_and_be_refused(app, lecture):
    """On SQLite too: the move holds the write lock before it looks for sign-ins (it has no row locks)."""
    with app.app_context():
        activity = db.session.get(Activity, lecture["id"])
        sign_in_child(activity, child_name="王小明", signed_by=None, nonce="n" * 24, now=DURING)  # not committed

        def move():
            moving = db.session.get(Activity, lecture["id"])
            edit_activity(
                moving,
                day=DAY + timedelta(days=7),
                title=moving.title,
                opens=time(14),
                closes=time(16, 45),
                for_children=True,
                for_guardians=True,
                for_volunteers=False,
            )

        other = Elsewhere(app, move)
        assert other.waiting(), "the move looked for sign-ins without waiting for the one being written"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, DomainError) and refused.code == "moved_after_signin"
    with app.app_context():
        assert db.session.get(Activity, lecture["id"]).on_date == DAY
