"""Sign-ins of an activity cancelled before cancelling was refused while they counted (migration 1400).

The tally counted such an activity as held and its sign-ins as visits, while the day page
called it cancelled. A cancelled activity did not happen: the migration voids those sign-ins
(the app's reason "activity cancelled", by no one, one audit entry each), so the tally, its
PDF and Excel and the dashboard all leave them out. Restoring the activity counts them again.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance
from formsvc.attendance.services import sign_in_adult, sign_in_child
from formsvc.attendance.voiding import reason_title
from formsvc.audit.models import AuditEntry
from formsvc.audit.readable import detail_lines
from formsvc.extensions import db
from formsvc.forms import new_nonce
from formsvc.tallies.rollups import rollup_differences
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, form_fields, local
from tests.workspace_helpers import EN, NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
GUARDIAN = {
    "role": AdultRole.GUARDIAN,
    "name": "李秀英",
    "relation": None,
    "phone": "",
    "village": "",
    "child_name": "",
}


@pytest.fixture
def october(app, make):
    """Two lectures with sign-ins; the first cancelled afterwards, as the app allowed before 29 November."""
    site = make.site()
    manager = make.user("amy", sites=[site])
    called_off = make.activity(site, day=date(2026, 10, 10), title="家长课堂", children=True, guardians=True)
    held = make.activity(site, day=date(2026, 10, 17), title="家长课堂", children=True, guardians=True)
    with app.app_context():
        for lecture, day in ((called_off, 10), (held, 17)):
            activity = db.session.get(Activity, lecture["id"])
            during = local(2026, 10, day, 10)
            sign_in_child(activity, child_name="王小明", signed_by=None, nonce=new_nonce(), now=during)
            sign_in_adult(activity, nonce=new_nonce(), now=during, **GUARDIAN)
        db.session.execute(update(Activity).where(Activity.id == called_off["id"]).values(cancelled=True))
        db.session.commit()
    return {"site": site, "manager": manager, "called_off": called_off["id"], "held": held["id"]}


def figures(app, site) -> tuple[int, int, int]:
    """Activities held, child visits and guardian sign-ins of the home in October."""
    with app.app_context():
        tally = compute_tally(f"site:{site['id']}", *OCTOBER)
        return (
            tally.total.figures.activities,
            tally.total.figures.child_participations,
            tally.total.figures.guardian_signins,
        )


def migrated_again(app) -> None:
    with app.app_context():
        downgrade(revision="1300")
        upgrade()


def test_the_migration_stops_them_counting_and_says_why(app, october):
    assert figures(app, october["site"]) == (2, 2, 2)  # what the tally said: the cancelled lecture held

    migrated_again(app)

    assert figures(app, october["site"]) == (1, 1, 1)
    with app.app_context():
        assert rollup_differences() == []
        for model in (Attendance, AdultSignIn):
            called_off = db.session.execute(
                select(model).where(model.activity_id == october["called_off"])
            ).scalar_one()
            assert called_off.voided_at is not None and called_off.voided_by_id is None
            assert reason_title(called_off.void_reason) == "这个活动已取消。"
            held = db.session.execute(select(model).where(model.activity_id == october["held"])).scalar_one()
            assert held.voided_at is None
        entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()[-2:]
        assert [(entry.action, entry.user_id) for entry in entries] == [
            ("attendance.void", None),
            ("adult_signin.void", None),
        ]
        assert ("原因", "这个活动已取消。") in detail_lines(entries[0].details)  # the log says why, in words


def test_a_sign_in_the_manager_voided_keeps_her_reason(app, october):
    client = signed_in_client(app, october["manager"])
    with app.app_context():
        attendance = db.session.execute(
            select(Attendance.id).where(Attendance.activity_id == october["called_off"])
        ).scalar_one()
    url = f"/admin/attendances/{attendance}/void"
    assert client.post(url, data={**form_fields(client.get(url).data), "reason": "签错了"}).status_code == 302

    migrated_again(app)

    with app.app_context():
        assert db.session.get(Attendance, attendance).void_reason == "签错了"
        downgrade(revision="1300")  # counts again what the migration voided, only that
        assert db.session.get(Attendance, attendance).void_reason == "签错了"
        signin = db.session.execute(select(AdultSignIn).where(AdultSignIn.activity_id == october["called_off"]))
        assert signin.scalar_one().voided_at is None
        upgrade()


def test_the_day_page_shows_them_voided_and_restoring_counts_them_again(app, october):
    migrated_again(app)
    client = signed_in_client(app, october["manager"])
    day = client.get(f"/admin/sites/{october['site']['id']}?day=2026-10-10", headers=EN).data.decode()
    assert "This activity has been cancelled." in day

    edit = form_fields(client.get(f"/admin/activities/{october['called_off']}/edit").data)
    restored = client.post(
        f"/admin/activities/{october['called_off']}/restore", data={"csrf_token": edit["csrf_token"]}
    )

    assert restored.status_code == 302
    assert figures(app, october["site"]) == (2, 2, 2)
    with app.app_context():
        assert rollup_differences() == []
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "activity.restore")).scalar_one()
        assert entry.details == {"counted_again": 2}
