"""The workspace's front page: today per site, the month so far against the same days of last
month, a 12-week trend, quiet sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, union_all

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db

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


def last_activity_days(site_ids) -> dict[int, date]:
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
    rows = db.session.execute(select(days.c.site_id, func.max(days.c.on_date)).group_by(days.c.site_id)).all()
    return dict(rows)


def is_quiet(last_day: date | None, today: date) -> bool:
    return last_day is None or (today - last_day).days > QUIET_AFTER_DAYS
