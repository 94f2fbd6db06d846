"""The workspace's front page: today per site, the month so far against the same days of last
month, a 12-week trend, quiet sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, union_all

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.timeutil import to_local

QUIET_AFTER_DAYS = 30
TREND_WEEKS = 12


@dataclass(frozen=True)
class DaySpan:
    first: date
    last: date


@dataclass(frozen=True)
class MonthComparison:
    """Child visits this month so far against the same days of last month."""

    this_month: int
    last_month: int
    this_days: DaySpan
    last_days: DaySpan


@dataclass(frozen=True)
class WeekPoint:
    starts_on: date
    child_participations: int


def participations_between(site_ids, first: date, last: date) -> int:
    return db.session.execute(
        select(func.count(Attendance.id))
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(
            Activity.site_id.in_(site_ids),
            Activity.on_date.between(first, last),
            Attendance.voided_at.is_(None),
        )
    ).scalar_one()


def month_comparison(site_ids, today: date) -> MonthComparison:
    """This month up to today against last month up to the same day of the month.

    Against the whole of last month, every month would look like a drop until its last day.
    The 29th to the 31st of a shorter last month do not exist, so that month counts whole.
    """
    this_days = DaySpan(today.replace(day=1), today)
    last_month_end = this_days.first - timedelta(days=1)
    last_days = DaySpan(last_month_end.replace(day=1), last_month_end.replace(day=min(today.day, last_month_end.day)))
    return MonthComparison(
        this_month=participations_between(site_ids, this_days.first, this_days.last),
        last_month=participations_between(site_ids, last_days.first, last_days.last),
        this_days=this_days,
        last_days=last_days,
    )


def weekly_trend(site_ids, today: date, weeks: int = TREND_WEEKS) -> list[WeekPoint]:
    """Child participations per week (Monday to Sunday), oldest first, ending with this week."""
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    per_day = db.session.execute(
        select(Activity.on_date, func.count(Attendance.id))
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(
            Activity.site_id.in_(site_ids),
            Activity.on_date >= first_monday,
            # A record dated later (a host whose clock ran ahead, a restored backup) is not this chart's.
            Activity.on_date <= this_monday + timedelta(days=6),
            Attendance.voided_at.is_(None),
        )
        .group_by(Activity.on_date)
    ).all()
    totals = {first_monday + timedelta(weeks=index): 0 for index in range(weeks)}
    for day, number in per_day:
        totals[day - timedelta(days=day.weekday())] += number
    return [WeekPoint(monday, number) for monday, number in totals.items()]


@dataclass(frozen=True)
class LastSignIn:
    """A home's last sign-in day, and the day from which its silence counts."""

    # None: nobody has signed in there yet.
    day: date | None
    # The last sign-in; before the first one, the day the home opened or was added to formsvc,
    # whichever is later: a home is not quiet on the day it is created, nor before it opens.
    quiet_since: date


def _start_day(opened_on: date | None, created_at: datetime) -> date:
    # Homes that opened years ago are entered with that date; their silence counts from when
    # formsvc could first have recorded a sign-in.
    created_on = to_local(created_at).date()
    return max(opened_on, created_on) if opened_on else created_on


def last_activity_days(site_ids) -> dict[int, LastSignIn]:
    """Per site, the last day anyone signed in (children, guardians or volunteers)."""
    child_days = (
        select(Activity.site_id, Activity.on_date)
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(Activity.site_id.in_(site_ids), Attendance.voided_at.is_(None))
    )
    adult_days = (
        select(Activity.site_id, Activity.on_date)
        .join(AdultSignIn, AdultSignIn.activity_id == Activity.id)
        .where(Activity.site_id.in_(site_ids), AdultSignIn.voided_at.is_(None))
    )
    days = union_all(child_days, adult_days).subquery()
    last_days = dict(
        db.session.execute(select(days.c.site_id, func.max(days.c.on_date)).group_by(days.c.site_id)).all()
    )
    sites = db.session.execute(select(Site.id, Site.opened_on, Site.created_at).where(Site.id.in_(site_ids)))
    return {
        site_id: LastSignIn(last_days.get(site_id), last_days.get(site_id) or _start_day(opened_on, created_at))
        for site_id, opened_on, created_at in sites
    }


def is_quiet(last: LastSignIn, today: date) -> bool:
    """No sign-in for QUIET_AFTER_DAYS: since the last one, or, with none yet, since the home started."""
    return (today - last.quiet_since).days > QUIET_AFTER_DAYS
