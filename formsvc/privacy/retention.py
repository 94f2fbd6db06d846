"""Keeping personal data no longer than needed: anonymise old records, keep their counts.

Counts in tallies come from rows, not from names: an anonymised attendance still counts as a
child participation, and an anonymised child (same row, same id) still counts once as a
distinct child and in its categories. Only what identifies a person is removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import String, exists, func, select, update

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.timeutil import local_to_utc

_PERIOD = re.compile(r"^\s*(\d{1,3})\s*([ymd])\s*$")


def parse_period(text: str) -> tuple[int, str]:
    """'3y', '18m', '400d' → (3, 'y') …; refuses anything else."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise DomainError(_("Write the period as a number and y, m or d, e.g. 3y."), code="bad_period")
    return int(match.group(1)), match.group(2)


def cutoff_before(today: date, period: str) -> date:
    """The first day that is kept: records of activities before it are anonymised."""
    number, unit = parse_period(period)
    if unit == "d":
        return date.fromordinal(today.toordinal() - number)
    months = number * 12 if unit == "y" else number
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return date(year, month + 1, day)


@dataclass(frozen=True)
class PurgePlan:
    cutoff: date
    adult_signins: int
    children: int


def _old_adult_signins(cutoff: date):
    return (
        select(AdultSignIn.id)
        .join(Activity, Activity.id == AdultSignIn.activity_id)
        .where(Activity.on_date < cutoff, AdultSignIn.purged_at.is_(None))
    )


def _old_children(cutoff: date):
    """Children not seen on or after the cutoff and created before it."""
    recent = (
        select(Attendance.id)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.child_id == Child.id, Activity.on_date >= cutoff)
    )
    created_cutoff = local_to_utc(cutoff, time(0, 0))
    return select(Child.id).where(Child.purged_at.is_(None), Child.created_at < created_cutoff, ~exists(recent))


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def plan_purge(today: date, period: str) -> PurgePlan:
    cutoff = cutoff_before(today, period)
    return PurgePlan(
        cutoff=cutoff, adult_signins=_count(_old_adult_signins(cutoff)), children=_count(_old_children(cutoff))
    )


def purge(today: date, period: str, now: datetime) -> PurgePlan:
    """Anonymise what ``plan_purge`` names; the caller commits and writes the audit entry."""
    plan = plan_purge(today, period)
    db.session.execute(
        update(AdultSignIn)
        .where(AdultSignIn.id.in_(_old_adult_signins(plan.cutoff)))
        .values(
            name="",
            name_key="purged:" + func.cast(AdultSignIn.id, String),
            phone="",
            child_name="",
            purged_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Child)
        .where(Child.id.in_(_old_children(plan.cutoff)))
        .values(**CHILD_PERSONAL_FIELDS, name_key="purged:" + func.cast(Child.id, String), purged_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return plan


# What identifies a child, as it is left after a purge or an erasure. The gender and the
# categories stay: they identify no one alone, and the tallies count by them.
CHILD_PERSONAL_FIELDS = {
    "name": "",
    "birth_year": None,
    "grade": "",
    "guardian_name": "",
    "guardian_relation": None,
    "guardian_phone": "",
}


def erase_child(child: Child, *, user, now: datetime | None = None) -> int:
    """Erase what identifies ``child`` because the family asked (the rules page promises it).

    The child's row stays, anonymous, so the visits keep counting as before; guardians'
    sign-ins that named the child lose that name. The audit entry names no one. Returns how
    many guardian sign-ins named the child.
    """
    for name, value in CHILD_PERSONAL_FIELDS.items():
        setattr(child, name, value)
    child.name_key = f"purged:{child.id}"
    child.purged_at = now or utcnow()
    named = db.session.execute(
        update(AdultSignIn)
        .where(AdultSignIn.child_id == child.id)
        .values(child_name="")
        .execution_options(synchronize_session=False)
    ).rowcount
    record("child.erase", user=user, site_id=child.site_id, target=f"child:{child.id}", guardian_signins=named)
    db.session.flush()
    return named
