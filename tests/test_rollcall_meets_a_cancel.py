"""A roll-call tick or a paper sheet at the same instant as the activity's cancellation: one of them wins.

Either the tick lands and the cancel is refused (a sign-in counts), or the cancel lands and the
tick is refused with the roll-call's own message; never a cancelled activity with a tick that
counts. Each test stops one side between its check and its commit (this test's session, not
committed) and runs the other in a second session, which must wait for it and then see it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.activities.cancelling import cancel_activity
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import Attendance, Child
from formsvc.attendance.paper import PaperError, enter_paper
from formsvc.attendance.rollcall_services import RollCallClosed, mark
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import Elsewhere, clock_stopped_at
from tests.workspace_helpers import DAY, NOW, count, fields_of, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00", children=True, guardians=True)
    return {
        "site": site,
        "lecture": lecture,
        "child": make.child(site, "王小明"),
        "manager": make.user("amy", sites=[site]),
    }


def tick(home):
    """The manager's tap for 王小明, in the current session."""
    activity = db.session.get(Activity, home["lecture"]["id"])
    child = db.session.get(Child, home["child"])
    user = db.session.get(User, home["manager"]["id"])
    return mark(activity, child, present=True, nonce=new_nonce(), user=user, now=NOW)


def cancel(home):
    cancel_activity(db.session.get(Activity, home["lecture"]["id"]))


def paper_sheet(home):
    activity = db.session.get(Activity, home["lecture"]["id"])
    user = db.session.get(User, home["manager"]["id"])
    return enter_paper(activity, Audience.CHILDREN, "王小明\n李思琪", nonce=new_nonce(), user=user, now=NOW)


def cancelled(app, home) -> bool:
    with app.app_context():
        return db.session.get(Activity, home["lecture"]["id"]).cancelled


def counting(app) -> int:
    return count(app, Attendance, Attendance.voided_at.is_(None))


def test_a_tick_written_first_makes_the_cancel_wait_and_be_refused(app, home):
    with app.app_context():
        assert tick(home).changed  # written, not committed yet
        other = Elsewhere(app, lambda: cancel(home))
        assert other.waiting(), "the cancel counted the sign-ins without waiting for the tick"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, DomainError) and refused.code == "cancelled_after_signin"
    assert not cancelled(app, home) and counting(app) == 1


def test_a_cancel_written_first_makes_the_tick_wait_and_be_refused(app, home):
    with app.app_context():
        cancel(home)  # written, not committed yet: the tick still reads the activity as open
        other = Elsewhere(app, lambda: tick(home))
        assert other.waiting(), "the tick was written without waiting for the cancel"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, RollCallClosed) and refused.code == "cancelled"
    assert cancelled(app, home) and count(app, Attendance) == 0


def test_a_tick_checked_before_a_committed_cancel_is_refused(app, home):
    """The tap's session read the activity before the cancel committed, as the page did."""
    with app.app_context():
        activity = db.session.get(Activity, home["lecture"]["id"])
        assert not activity.cancelled
        Elsewhere(app, lambda: cancel(home)).outcome()
        with pytest.raises(RollCallClosed) as refused:
            tick(home)
        db.session.rollback()
    assert refused.value.code == "cancelled"
    assert cancelled(app, home) and count(app, Attendance) == 0


def test_the_manager_is_told_in_her_language(app, home):
    client = signed_in_client(app, home["manager"])
    url = f"/admin/activities/{home['lecture']['id']}/roll-call"
    fields = fields_of(client.get(url).data, f"child-{home['child']}")
    with app.app_context():
        cancel(home)
        other = Elsewhere(
            app,
            lambda: client.post(
                f"{url}/{home['child']}",
                data=fields,
                headers={"Accept": "application/json", "Accept-Language": "zh-CN"},
            ),
        )
        assert other.waiting()
        db.session.commit()
    response = other.outcome()
    assert response.status_code == 409 and response.get_json() == {"error": "这个活动已取消。"}
    assert count(app, Attendance) == 0


def test_a_paper_sheet_written_first_makes_the_cancel_wait_and_be_refused(app, home):
    with app.app_context():
        assert paper_sheet(home).written == 2
        other = Elsewhere(app, lambda: cancel(home))
        assert other.waiting()
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, DomainError) and refused.code == "cancelled_after_signin"
    assert not cancelled(app, home) and counting(app) == 2


def test_a_cancel_written_first_refuses_the_paper_sheet(app, home):
    with app.app_context():
        cancel(home)
        other = Elsewhere(app, lambda: paper_sheet(home))
        assert other.waiting()
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, PaperError) and refused.code == "cancelled"
    assert cancelled(app, home) and count(app, Attendance) == 0
    with app.app_context():  # the new child of the sheet went with it
        assert db.session.execute(select(Child.name)).scalars().all() == ["王小明"]
