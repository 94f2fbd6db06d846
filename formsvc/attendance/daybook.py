"""What happened at a site on one day: the manager's live view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from formsvc.accounts.models import User
from formsvc.activities.models import Activity
from formsvc.activities.services import activities_on
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, CountedRecord, Source
from formsvc.attendance.roster import review_count
from formsvc.attendance.voiding import reason_title
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.text import mask_phone

# Sources whose records have no clock time of their own: a paper sheet's entries are given a
# moment inside the activity's hours (``once.moment_within``: its closing time, when typed in
# the evening) and an imported ledger's the opening time. Shown, they would say the children
# came at 21:00.
UNTIMED_SOURCES = (Source.PAPER, Source.IMPORT)


def own_time(record: CountedRecord, activity: Activity) -> datetime | None:
    """When the person signed in, if the record knows; None for a time made up to fit the activity.

    A phone sign-in carries the moment of the tap. A roll-call tick does too while the activity
    runs; ticked before it opens or after it closes (allowed for some days), its time is clamped
    to the opening or closing (``once.moment_within``), which says nothing about the child.
    """
    if record.source in UNTIMED_SOURCES:
        return None
    if record.source == Source.ROLL_CALL and record.signed_in_at in (activity.opens_at, activity.closes_at):
        return None
    return record.signed_in_at


@dataclass(frozen=True)
class ChildLine:
    attendance_id: int
    name: str
    child_id: int
    new_to_review: bool
    signed_in_at: datetime
    # The time to show: None for a paper, imported or late roll-call entry (``own_time``).
    shown_time: datetime | None
    signed_by: str
    source: str
    receipt_code: str
    # Signed in at a lecture after the lateness limit (formsvc.attendance.services.is_late).
    late: bool = False


@dataclass(frozen=True)
class AdultLine:
    signin_id: int
    name: str
    role: str
    relation: str
    phone: str
    village: str
    child_name: str
    signed_in_at: datetime
    shown_time: datetime | None
    source: str
    receipt_code: str
    late: bool = False


@dataclass(frozen=True)
class VoidedLine:
    """A record that no longer counts, kept visible with why, who and when."""

    name: str
    signed_in_at: datetime
    shown_time: datetime | None
    source: str
    reason: str
    voided_by: str
    voided_at: datetime


@dataclass
class ActivityDay:
    activity: Activity
    children: list[ChildLine] = field(default_factory=list)
    adults: list[AdultLine] = field(default_factory=list)
    voided: list[VoidedLine] = field(default_factory=list)

    @property
    def guardian_count(self) -> int:
        return sum(1 for line in self.adults if line.role == AdultRole.GUARDIAN)

    @property
    def volunteer_count(self) -> int:
        return sum(1 for line in self.adults if line.role == AdultRole.VOLUNTEER)


@dataclass(frozen=True)
class DayCounts:
    child_participations: int = 0
    distinct_children: int = 0
    guardians: int = 0
    volunteers: int = 0


@dataclass
class Daybook:
    site: Site
    day: date
    activities: list[ActivityDay]
    counts: DayCounts
    # Children created by public sign-ins, waiting for the manager's review (any day).
    to_review: int = 0


def day_counts(site_ids, day: date) -> dict[int, DayCounts]:
    """Counts per site for one day, computed in SQL; voided records never count."""
    attendance_rows = db.session.execute(
        select(Activity.site_id, func.count(Attendance.id), func.count(func.distinct(Attendance.child_id)))
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(Activity.site_id.in_(site_ids), Activity.on_date == day, Attendance.voided_at.is_(None))
        .group_by(Activity.site_id)
    ).all()
    adult_rows = db.session.execute(
        select(Activity.site_id, AdultSignIn.role, func.count(AdultSignIn.id))
        .join(AdultSignIn, AdultSignIn.activity_id == Activity.id)
        .where(Activity.site_id.in_(site_ids), Activity.on_date == day, AdultSignIn.voided_at.is_(None))
        .group_by(Activity.site_id, AdultSignIn.role)
    ).all()
    counts: dict[int, dict] = {}
    for site_id, participations, distinct in attendance_rows:
        counts.setdefault(site_id, {}).update(child_participations=participations, distinct_children=distinct)
    for site_id, role, number in adult_rows:
        key = "guardians" if role == AdultRole.GUARDIAN else "volunteers"
        counts.setdefault(site_id, {})[key] = number
    return {site_id: DayCounts(**values) for site_id, values in counts.items()}


def daybook(site: Site, day: date, *, full_phones: bool = False, with_daily_opening: bool = False) -> Daybook:
    """The day at ``site``; guardians' and volunteers' phones masked (139****1111) unless ``full_phones``.

    ``with_daily_opening`` (for someone who can take roll-call there) makes the day's daily
    opening if it is due, so roll-call can start before anyone scans the poster.
    """
    activities = activities_on(site, day, with_daily_opening=with_daily_opening)
    by_id = {activity.id: ActivityDay(activity) for activity in activities}
    if by_id:
        rows = db.session.execute(
            select(Attendance, Child)
            .join(Child, Child.id == Attendance.child_id)
            .where(Attendance.activity_id.in_(by_id), Attendance.voided_at.is_(None))
            .order_by(Attendance.signed_in_at.desc(), Attendance.id.desc())  # untimed rows share a time
        ).all()
        for attendance, child in rows:
            by_id[attendance.activity_id].children.append(
                ChildLine(
                    attendance_id=attendance.id,
                    name=child.name,
                    child_id=child.id,
                    new_to_review=child.status == "to_review",
                    signed_in_at=attendance.signed_in_at,
                    shown_time=own_time(attendance, by_id[attendance.activity_id].activity),
                    signed_by=attendance.signed_by.title if attendance.signed_by else "",
                    source=attendance.source.title,
                    receipt_code=attendance.receipt_code,
                    late=attendance.late,
                )
            )
        signins = db.session.execute(
            select(AdultSignIn)
            .where(AdultSignIn.activity_id.in_(by_id), AdultSignIn.voided_at.is_(None))
            .order_by(AdultSignIn.signed_in_at.desc(), AdultSignIn.id.desc())
        ).scalars()
        for signin in signins:
            by_id[signin.activity_id].adults.append(
                AdultLine(
                    signin_id=signin.id,
                    name=signin.name,
                    role=signin.role,
                    relation=signin.relation.title if signin.relation else "",
                    phone=signin.phone if full_phones else mask_phone(signin.phone),
                    village=signin.village,
                    child_name=signin.child_name,
                    signed_in_at=signin.signed_in_at,
                    shown_time=own_time(signin, by_id[signin.activity_id].activity),
                    source=signin.source.title,
                    receipt_code=signin.receipt_code,
                    late=signin.late,
                )
            )
        _add_voided(by_id)
    counts = day_counts([site.id], day).get(site.id, DayCounts())
    return Daybook(site=site, day=day, activities=list(by_id.values()), counts=counts, to_review=review_count(site))


def _add_voided(by_id: dict[int, ActivityDay]) -> None:
    voider = aliased(User)
    children = db.session.execute(
        select(Attendance, Child.name, voider.display_name)
        .join(Child, Child.id == Attendance.child_id)
        .outerjoin(voider, voider.id == Attendance.voided_by_id)
        .where(Attendance.activity_id.in_(by_id), Attendance.voided_at.is_not(None))
    ).all()
    adults = db.session.execute(
        select(AdultSignIn, AdultSignIn.name, voider.display_name)
        .outerjoin(voider, voider.id == AdultSignIn.voided_by_id)
        .where(AdultSignIn.activity_id.in_(by_id), AdultSignIn.voided_at.is_not(None))
    ).all()
    for item, name, voided_by in [*children, *adults]:
        by_id[item.activity_id].voided.append(
            VoidedLine(
                name=name,
                signed_in_at=item.signed_in_at,
                shown_time=own_time(item, by_id[item.activity_id].activity),
                source=item.source.title,
                reason=reason_title(item.void_reason),
                voided_by=voided_by or "",
                voided_at=item.voided_at,
            )
        )
    for entry in by_id.values():
        entry.voided.sort(key=lambda line: line.voided_at, reverse=True)
