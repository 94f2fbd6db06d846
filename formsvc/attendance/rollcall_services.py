"""Roll-call (点名): the manager ticks children off the roster, each tap saved exactly once.

A tap carries the state the manager wants (present or absent), not "toggle", plus a
one-time nonce. Sending it twice, or sending "present" for a child who is already present,
changes nothing; "absent" voids the child's attendance (whatever its source) with a reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from formsvc.accounts.models import User
from formsvc.activities.models import Activity
from formsvc.attendance.models import Attendance, Child, ChildStatus, Source, Submission
from formsvc.attendance.once import moment_within, run_once
from formsvc.attendance.roster import ROSTER_STATUSES, roster
from formsvc.attendance.services import (
    NotOnRoster,
    _active_attendance,
    activity_as_committed,
    check_on_roster_as_committed,
    match_roster,
    submission_by_nonce,
)
from formsvc.attendance.voiding import VOID_REASON_UNTICKED
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.text import clean_text, name_key
from formsvc.timeutil import local_today

# A manager may tick children off late, for activities of the last week; older activities
# may already be in a printed tally. Configurable as ROLL_CALL_LATE_DAYS.
ROLL_CALL_LATE_DAYS = 7


class RollCallClosed(DomainError):
    code = "roll_call_closed"


def late_days() -> int:
    return int(current_app.config.get("ROLL_CALL_LATE_DAYS", ROLL_CALL_LATE_DAYS))


def check_roll_call_open(activity: Activity, now: datetime | None = None) -> None:
    today = local_today(now)
    if activity.cancelled:
        raise RollCallClosed(_("This activity has been cancelled."), code="cancelled")
    if not activity.for_children:
        raise RollCallClosed(_("Children do not sign in at this activity."), code="no_children")
    if activity.on_date > today:
        raise RollCallClosed(_("Roll-call opens on the day of the activity."), code="not_yet")
    if activity.on_date < today - timedelta(days=late_days()):
        raise RollCallClosed(
            _("Roll-call is possible up to {days} days after an activity; this one is older.").format(days=late_days()),
            code="too_late",
        )


@dataclass(frozen=True)
class RollCallRow:
    child: Child
    present: bool
    # For two children of the same name: what tells them apart (grade, year of birth, guardian).
    hint: str = ""


def _twin_hint(child: Child) -> str:
    parts = [child.grade, _("born %(year)s", year=child.birth_year) if child.birth_year else "", child.guardian_name]
    return " · ".join(part for part in parts if part) or _("no. %(id)s", id=child.id)


def roll_call_rows(activity: Activity, query: str = "") -> list[RollCallRow]:
    """The active roster, plus new children waiting for review who are already present."""
    present_ids = set(
        db.session.execute(
            select(Attendance.child_id).where(Attendance.activity_id == activity.id, Attendance.voided_at.is_(None))
        ).scalars()
    )
    children = [
        child for child in roster(activity.site, query) if child.status == ChildStatus.ACTIVE or child.id in present_ids
    ]
    same_name = Counter(child.name_key for child in children)
    return [
        RollCallRow(child, child.id in present_ids, _twin_hint(child) if same_name[child.name_key] > 1 else "")
        for child in children
    ]


def present_count(activity: Activity) -> int:
    return db.session.execute(
        select(func.count(Attendance.id)).where(Attendance.activity_id == activity.id, Attendance.voided_at.is_(None))
    ).scalar_one()


@dataclass(frozen=True)
class MarkResult:
    child: Child
    present: bool
    # False when the child already was in the wanted state (or the form was sent before).
    changed: bool
    repeated: bool = False


def _present(activity: Activity, child: Child, *, user: User, now: datetime) -> Attendance | None:
    """Make ``child`` present; the new attendance, or None when they already were."""
    if _active_attendance(activity, child):
        return None
    attendance = Attendance(
        activity_id=activity.id,
        child_id=child.id,
        source=Source.ROLL_CALL,
        signed_in_at=moment_within(activity, now),
        recorded_by_id=user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
            db.session.flush()
    except IntegrityError:
        # The child signed in by QR at this very moment: present either way.
        if _active_attendance(activity, child) is None:
            raise
        return None
    # The activity cancelled or the child taken off the roster since the checks above: refused.
    check_roll_call_open(activity_as_committed(activity), now)
    check_on_roster_as_committed(child)
    return attendance


def _absent(activity: Activity, child: Child, *, user: User, now: datetime) -> Attendance | None:
    """Void the child's attendance; the voided one, or None when there was none."""
    attendance = db.session.execute(
        select(Attendance)
        .where(Attendance.activity_id == activity.id, Attendance.child_id == child.id, Attendance.voided_at.is_(None))
        .with_for_update()
    ).scalar_one_or_none()
    if attendance is None:
        return None
    attendance.voided_at = now
    attendance.void_reason = VOID_REASON_UNTICKED
    attendance.voided_by_id = user.id
    db.session.flush()
    return attendance


def _audit(action: str, activity: Activity, child: Child, attendance: Attendance, user: User) -> None:
    record(
        action,
        user=user,
        site_id=activity.site_id,
        target=f"attendance:{attendance.id}",
        activity_id=activity.id,
        child_id=child.id,
        name=child.name,
    )


def mark(
    activity: Activity, child: Child, *, present: bool, nonce: str, user: User, now: datetime | None = None
) -> MarkResult:
    """Set ``child`` present or absent at ``activity``, once per nonce."""
    now = now or utcnow()
    if child.site_id != activity.site_id or child.status not in ROSTER_STATUSES:
        raise NotOnRoster(_("This child is not on the roster of this Children's Home."))

    def work(submission: Submission) -> bool:
        if present:
            attendance = _present(activity, child, user=user, now=now)
            if attendance:
                _audit("rollcall.present", activity, child, attendance, user)
            submission.attendance = attendance or _active_attendance(activity, child)
        else:
            attendance = _absent(activity, child, user=user, now=now)
            if attendance:
                _audit("rollcall.absent", activity, child, attendance, user)
            submission.attendance = attendance
        submission.found_existing = attendance is None
        return attendance is not None

    # A resend of a tap made while the roll-call was still open gets its answer, not an error.
    changed = repeated = False
    if submission_by_nonce(nonce) is None:
        check_roll_call_open(activity, now)
        once = run_once(nonce, work)
        changed, repeated = bool(once.value), once.repeated
    else:
        repeated = True
    is_present = _active_attendance(activity, child) is not None
    return MarkResult(child, is_present, changed=changed, repeated=repeated)


@dataclass(frozen=True)
class AddResult:
    child: Child | None
    # False when a child of that name was already on the roster and was ticked instead.
    created: bool
    repeated: bool = False


def add_and_mark(activity: Activity, *, name: str, nonce: str, user: User, now: datetime | None = None) -> AddResult:
    """Add a child to the roster from the roll-call screen and mark them present.

    A name already on the roster ticks that child instead of adding a second one.
    """
    now = now or utcnow()
    if not clean_text(name):
        raise DomainError(_("Please write the child's name."), code="name_required")
    prior = submission_by_nonce(nonce)
    if prior is not None:
        return AddResult(prior.attendance.child if prior.attendance else None, created=False, repeated=True)
    check_roll_call_open(activity, now)

    def work(submission: Submission) -> AddResult:
        child = match_roster(activity.site, name)
        created = child is None
        if created:
            child = Child(site_id=activity.site_id, name=clean_text(name), name_key=name_key(name))
            db.session.add(child)
            db.session.flush()
            record("child.create", user=user, site_id=activity.site_id, target=f"child:{child.id}", name=child.name)
        attendance = _present(activity, child, user=user, now=now)
        if attendance:
            _audit("rollcall.present", activity, child, attendance, user)
        submission.attendance = attendance or _active_attendance(activity, child)
        return AddResult(child, created=created)

    once = run_once(nonce, work)
    if once.repeated:
        attendance = once.submission.attendance
        return AddResult(attendance.child if attendance else None, created=False, repeated=True)
    return once.value
