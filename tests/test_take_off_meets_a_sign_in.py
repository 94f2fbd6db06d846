"""Taking a child off the roster at the same instant as a tick, a QR sign-in or a paper line for them.

The take-off is refused while a sign-in of the child counts. Whichever is written first wins:
a tick written first is counted and the take-off refused; a take-off written first refuses
the tick (saying why) and the paper sheet, and a guardian's QR sign-in of that name goes where
it would go a moment later, to a new name waiting for review. Never a taken-off child with a
sign-in that counts. As in test_rollcall_meets_a_cancel.py, one side is stopped between its
check and its commit, and the other runs in a second session.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import Attendance, Child, ChildStatus
from formsvc.attendance.paper import enter_paper
from formsvc.attendance.review import ReviewError, reject_child, take_off_roster
from formsvc.attendance.rollcall_services import NotOnRoster, mark
from formsvc.attendance.services import sign_in_child
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import Elsewhere, clock_stopped_at
from tests.workspace_helpers import DAY, NOW, count

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    return {
        "site": site,
        "daily": make.daily(site, DAY),
        "child": make.child(site, "韦丽丽"),
        "manager": make.user("amy", sites=[site]),
    }


def _objects(home):
    return (
        db.session.get(Activity, home["daily"]["id"]),
        db.session.get(Child, home["child"]),
        db.session.get(User, home["manager"]["id"]),
    )


def tick(home):
    activity, child, user = _objects(home)
    return mark(activity, child, present=True, nonce=new_nonce(), user=user, now=NOW)


def take_off(home):
    _activity, child, user = _objects(home)
    return take_off_roster(child, user=user, reason="点名时加错了")


def qr(home):
    activity, _child, _user = _objects(home)
    return sign_in_child(activity, child_name="韦丽丽", signed_by=None, nonce=new_nonce(), now=NOW)


def paper(home):
    activity, _child, user = _objects(home)
    return enter_paper(activity, Audience.CHILDREN, "韦丽丽", nonce=new_nonce(), user=user, now=NOW)


def status(app, child_id) -> ChildStatus:
    with app.app_context():
        return db.session.get(Child, child_id).status


def counting(app, child_id) -> int:
    return count(app, Attendance, Attendance.child_id == child_id, Attendance.voided_at.is_(None))


@pytest.mark.parametrize("write", [tick, qr, paper], ids=["tick", "qr", "paper"])
def test_a_sign_in_written_first_makes_the_take_off_wait_and_be_refused(app, home, write):
    with app.app_context():
        write(home)  # written, not committed yet
        other = Elsewhere(app, lambda: take_off(home))
        assert other.waiting(), "the take-off counted the sign-ins without waiting"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, ReviewError) and refused.code == "has_visits"
    assert status(app, home["child"]) == ChildStatus.ACTIVE and counting(app, home["child"]) == 1


def test_a_take_off_written_first_makes_the_tick_wait_and_be_refused(app, home):
    with app.app_context():
        take_off(home)  # written, not committed yet: the tap still reads the child as on the roster
        other = Elsewhere(app, lambda: tick(home))
        assert other.waiting(), "the tick was written without waiting for the take-off"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, NotOnRoster) and refused.code == "not_on_roster"
    assert refused.message == "韦丽丽 已不在花名册上（已拒绝）。"  # in the default language
    assert status(app, home["child"]) == ChildStatus.REJECTED and count(app, Attendance) == 0


def test_a_tick_checked_before_a_committed_take_off_is_refused(app, home):
    with app.app_context():
        activity, child, user = _objects(home)  # read before the take-off, as the roll-call page did
        Elsewhere(app, lambda: take_off(home)).outcome()
        with pytest.raises(NotOnRoster):
            mark(activity, child, present=True, nonce=new_nonce(), user=user, now=NOW)
        db.session.rollback()
    assert count(app, Attendance) == 0


def test_a_take_off_written_first_refuses_the_paper_line(app, home):
    with app.app_context():
        take_off(home)
        other = Elsewhere(app, lambda: paper(home))
        assert other.waiting()
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, NotOnRoster)
    assert status(app, home["child"]) == ChildStatus.REJECTED and count(app, Attendance) == 0


def test_a_take_off_written_first_sends_the_qr_sign_in_to_a_new_name_for_review(app, home):
    with app.app_context():
        take_off(home)
        other = Elsewhere(app, lambda: qr(home).submission.attendance.child_id)
        assert other.waiting()
        db.session.commit()
    signed_in = other.outcome()
    assert signed_in != home["child"]
    assert status(app, home["child"]) == ChildStatus.REJECTED and counting(app, home["child"]) == 0
    with app.app_context():
        new = db.session.get(Child, signed_in)
        assert (new.name, new.status) == ("韦丽丽", ChildStatus.TO_REVIEW)
        assert db.session.execute(select(Attendance.child_id)).scalars().all() == [signed_in]


def test_a_sign_in_written_first_is_voided_by_the_rejection_that_waited_for_it(app, make, home):
    """Rejecting a new name from the review queue voids its sign-ins: the one being written too."""
    lecture = make.activity(home["site"], day=DAY, opens="14:00", closes="17:00", children=True)
    with app.app_context():
        daily = db.session.get(Activity, home["daily"]["id"])
        first = sign_in_child(daily, child_name="韦小宝", signed_by=None, nonce=new_nonce(), now=NOW)
        prank = first.submission.attendance.child_id  # a new name, waiting for review
        db.session.commit()
        activity = db.session.get(Activity, lecture["id"])
        sign_in_child(activity, child_name="韦小宝", signed_by=None, nonce=new_nonce(), now=NOW)  # not committed
        other = Elsewhere(
            app, lambda: reject_child(db.session.get(Child, prank), user=_objects(home)[2], reason="乱填的")
        )
        assert other.waiting(), "the rejection voided the sign-ins without waiting for the one being written"
        db.session.commit()
    assert other.outcome() == 2
    assert status(app, prank) == ChildStatus.REJECTED and counting(app, prank) == 0
