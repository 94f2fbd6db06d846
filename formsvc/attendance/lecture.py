"""Lecture mode for the manager: what the screen shows beside the changing QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.attendance.services import WindowClosed, check_window
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.text import mask_name

RECENT = 5


@dataclass(frozen=True)
class LiveTally:
    """Sign-ins that count (children and adults, nothing voided) and the newest names, masked."""

    count: int
    recent: list[str]
    # Why nobody can sign in right now (not open yet, closed, cancelled), or None.
    notice: str | None


def live_tally(activity: Activity, now: datetime | None = None) -> LiveTally:
    children = (
        select(Attendance.signed_in_at, Child.name)
        .join(Child, Child.id == Attendance.child_id)
        .where(Attendance.activity_id == activity.id, Attendance.voided_at.is_(None))
    )
    adults = select(AdultSignIn.signed_in_at, AdultSignIn.name).where(
        AdultSignIn.activity_id == activity.id, AdultSignIn.voided_at.is_(None)
    )
    count = sum(
        db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        for query in (children, adults)
    )
    newest = []
    for query in (children, adults):
        newest += db.session.execute(query.order_by(query.selected_columns[0].desc()).limit(RECENT)).all()
    newest.sort(key=lambda row: row[0], reverse=True)
    try:
        check_window(activity, now or utcnow())
        notice = None
    except WindowClosed as closed:
        notice = closed.message
    return LiveTally(
        count=count,
        recent=[mask_name(name) for _at, name in newest[:RECENT] if name],
        notice=notice,
    )
