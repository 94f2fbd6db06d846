"""Voiding a wrong record: it stops counting, stays in the database and says why, who, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.audit.services import record
from formsvc.database import hold_write_lock
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _, _l
from formsvc.text import clean_text, erasures_shown

REASON_MAX = 200
# Reasons the app writes by itself: stored in English, shown in the reader's language.
VOID_REASON_UNTICKED = "roll-call: unticked"
VOID_REASON_MERGED = "merged duplicate"
VOID_REASON_REJECTED = "rejected at review"
# Sign-ins of an activity cancelled before cancelling was refused while they counted
# (migration 1400): a cancelled activity did not happen.
VOID_REASON_CANCELLED = "activity cancelled"
SYSTEM_REASONS = {
    VOID_REASON_UNTICKED: _l("Roll-call: unticked"),
    VOID_REASON_MERGED: _l("Merged duplicate"),
    VOID_REASON_REJECTED: _l("Rejected at review"),
    VOID_REASON_CANCELLED: _l("This activity has been cancelled."),
}


def reason_title(reason: str) -> str:
    return str(SYSTEM_REASONS.get(reason, erasures_shown(reason)))


class AlreadyVoided(DomainError):
    code = "already_voided"


def _locked(model, record_id: int):
    """The record read again and locked, so of two managers voiding it at once the second sees the first's void.

    PostgreSQL's FOR UPDATE makes the second wait for the first to commit. SQLite has no row
    locks and reads outside a transaction until the first write, so both would read "not
    voided" and both void it (two audit entries, the first reason overwritten); its write
    lock, taken before the read, makes the second wait in the same way.
    """
    hold_write_lock(db.session)
    return db.session.execute(
        select(model).where(model.id == record_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _void(model, item, *, user: User, reason: str, now: datetime | None, action: str, **details):
    reason = clean_text(reason)[:REASON_MAX]
    if not reason:
        raise DomainError(_("Please say why this record is wrong."), code="reason_required")
    item = _locked(model, item.id)
    if item.voided_at is not None:
        raise AlreadyVoided(_("This record had already been voided."))
    item.voided_at = now or utcnow()
    item.void_reason = reason
    item.voided_by_id = user.id
    record(
        action,
        user=user,
        site_id=item.activity.site_id,
        target=f"{model.__tablename__}:{item.id}",
        activity_id=item.activity_id,
        reason=reason,
        **details,
    )
    db.session.flush()
    return item


def void_attendance(attendance: Attendance, *, user: User, reason: str, now: datetime | None = None) -> Attendance:
    return _void(
        Attendance,
        attendance,
        user=user,
        reason=reason,
        now=now,
        action="attendance.void",
        child_id=attendance.child_id,
        name=attendance.child.name,
    )


def void_adult_signin(signin: AdultSignIn, *, user: User, reason: str, now: datetime | None = None) -> AdultSignIn:
    return _void(AdultSignIn, signin, user=user, reason=reason, now=now, action="adult_signin.void", name=signin.name)
