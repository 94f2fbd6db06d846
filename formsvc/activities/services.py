"""Finding and creating activities, including the implicit daily opening of every site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from formsvc.activities.cancelling import counted_sign_ins, hold_against_sign_ins, survey_answers
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.series import ensure_series_days, series_day
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site
from formsvc.timeutil import local_to_utc, near_today, parse_clock
from formsvc.tokens import looks_like_token


def activity_by_token(token: str) -> Activity | None:
    if not looks_like_token(token, 16):
        return None
    # With its site: every page behind an activity's link shows the site's name.
    query = select(Activity).where(Activity.public_token == token).options(joinedload(Activity.site))
    return db.session.execute(query).scalar_one_or_none()


def ensure_daily_opening(site: Site, day: date) -> Activity:
    """The site's daily opening for ``day``, created on first need.

    Daily openings are not scheduled by hand; the first visitor of the day creates the row,
    and the partial unique index settles a race between two first visitors.
    """
    found = _daily_opening(site, day)
    if found:
        return found
    activity = new_daily_opening(site.id, day)
    try:
        with db.session.begin_nested():
            db.session.add(activity)
    except IntegrityError:
        found = _daily_opening(site, day)
        if found is None:
            raise
        return found
    return activity


def new_daily_opening(site_id: int, day: date) -> Activity:
    """A daily opening not yet added to the session (a ledger import adds many at once)."""
    config = current_app.config
    return Activity(
        site_id=site_id,
        kind=ActivityKind.DAILY,
        on_date=day,
        opens_at=local_to_utc(day, parse_clock(config["DAILY_OPENS"])),
        closes_at=local_to_utc(day, parse_clock(config["DAILY_CLOSES"])),
        for_children=True,
    )


def _daily_opening(site: Site, day: date) -> Activity | None:
    return db.session.execute(
        select(Activity).where(
            Activity.site_id == site.id, Activity.on_date == day, Activity.kind == ActivityKind.DAILY
        )
    ).scalar_one_or_none()


def activities_on(site: Site, day: date, *, with_daily_opening: bool = False) -> list[Activity]:
    """The site's activities on ``day``; ``with_daily_opening`` creates the daily opening if it is due."""
    ensure_series_days(site, day)
    activities = _listed_on(site, day)
    if with_daily_opening and daily_opening_due(site, day):
        if not any(activity.kind == ActivityKind.DAILY for activity in activities):
            ensure_daily_opening(site, day)
            activities = _listed_on(site, day)
    return activities


def daily_opening_due(site: Site, day: date) -> bool:
    """An active home opens every day from its opening date, within reach of today (two years either way).

    The poster page makes the day's row for its first visitor; the manager's day view makes
    it too, so roll-call can start before anyone scans, and yesterday's paper sheet typed in
    (older paper records come in through the ledger import).
    """
    return site.active and (site.opened_on is None or day >= site.opened_on) and near_today(day)


def _listed_on(site: Site, day: date) -> list[Activity]:
    return list(
        db.session.execute(
            select(Activity)
            .where(Activity.site_id == site.id, Activity.on_date == day)
            .order_by(Activity.opens_at, Activity.id)
        ).scalars()
    )


def todays_activities(site: Site, day: date, now: datetime | None = None) -> tuple[list[Activity], list[Activity]]:
    """What a person scanning the poster can sign in to now, and what opens later today."""
    now = now or utcnow()
    activities = activities_on(site, day, with_daily_opening=True)  # the day's first visitor makes it
    activities = [activity for activity in activities if not activity.cancelled]
    open_now = [activity for activity in activities if activity.is_open_at(now)]
    later = [activity for activity in activities if activity.opens_at > now]
    return open_now, later


def schedule_activity(
    site: Site,
    *,
    kind: ActivityKind,
    title: str,
    day: date,
    opens: str,
    closes: str,
    for_children: bool = False,
    for_guardians: bool = False,
    for_volunteers: bool = False,
    rotating_code: bool = False,
) -> Activity:
    """One activity at one site (the CLI, the demo and the tests use this directly)."""
    plan = ActivityPlan(
        kind=kind,
        title=title,
        day=day,
        opens=parse_clock(opens),
        closes=parse_clock(closes),
        for_children=for_children,
        for_guardians=for_guardians,
        for_volunteers=for_volunteers,
        rotating_code=rotating_code,
    )
    return schedule(plan, [site])[0]


@dataclass(frozen=True)
class ActivityPlan:
    """What the scheduling form asks; with ``weekdays`` it repeats from ``day`` until ``until``."""

    kind: ActivityKind
    title: str
    day: date
    opens: time
    closes: time
    for_children: bool = False
    for_guardians: bool = False
    for_volunteers: bool = False
    weekdays: str = ""
    # Lecture mode: sign-in needs the changing QR code on the screen.
    rotating_code: bool = False
    until: date | None = None


def check_plan(plan: ActivityPlan) -> None:
    if plan.kind == ActivityKind.DAILY:
        raise DomainError(
            _("The daily opening exists every day by itself; choose another kind."), code="daily_implicit"
        )
    if plan.closes <= plan.opens:
        raise DomainError(_("Sign-in must close after it opens."), code="window_backwards")
    if not (plan.for_children or plan.for_guardians or plan.for_volunteers):
        raise DomainError(_("Choose who signs in: children, guardians or volunteers."), code="no_audience")
    if plan.weekdays and (set(plan.weekdays) - set("1234567")):
        raise DomainError(_("Unknown weekday."), code="bad_weekday")
    if plan.until and plan.until < plan.day:
        raise DomainError(_("The last day is before the first day."), code="until_before_start")


def schedule(plan: ActivityPlan, sites: list[Site]) -> list[Activity | ActivitySeries]:
    """Schedule ``plan`` at each of ``sites``: one activity each, or one repeating series each."""
    check_plan(plan)
    if not sites:
        raise DomainError(_("Choose at least one Children's Home."), code="no_sites")
    made: list[Activity | ActivitySeries] = []
    audiences = dict(
        for_children=plan.for_children,
        for_guardians=plan.for_guardians,
        for_volunteers=plan.for_volunteers,
        rotating_code=plan.rotating_code,
    )
    for site in sites:
        if plan.weekdays:
            item = ActivitySeries(
                site_id=site.id,
                kind=plan.kind,
                title=plan.title,
                weekdays="".join(sorted(set(plan.weekdays))),
                opens=plan.opens,
                closes=plan.closes,
                starts_on=plan.day,
                ends_on=plan.until,
                **audiences,
            )
        else:
            item = Activity(
                site_id=site.id,
                kind=plan.kind,
                title=plan.title,
                on_date=plan.day,
                opens_at=local_to_utc(plan.day, plan.opens),
                closes_at=local_to_utc(plan.day, plan.closes),
                **audiences,
            )
        db.session.add(item)
        made.append(item)
    db.session.flush()
    return made


def update_activity(
    activity: Activity,
    *,
    title: str,
    opens: time,
    closes: time,
    for_children: bool,
    for_guardians: bool,
    for_volunteers: bool,
    rotating_code: bool | None = None,
) -> None:
    check_plan(
        ActivityPlan(
            kind=activity.kind if activity.kind != ActivityKind.DAILY else ActivityKind.OTHER,
            title=title,
            day=activity.on_date,
            opens=opens,
            closes=closes,
            for_children=for_children,
            for_guardians=for_guardians,
            for_volunteers=for_volunteers,
        )
    )
    activity.title = title
    activity.opens_at = local_to_utc(activity.on_date, opens)
    activity.closes_at = local_to_utc(activity.on_date, closes)
    activity.for_children = for_children
    activity.for_guardians = for_guardians
    activity.for_volunteers = for_volunteers
    if rotating_code is not None:
        activity.rotating_code = rotating_code
    db.session.flush()


def reopens_at(activity: Activity, now: datetime) -> datetime | None:
    """When a closed activity next takes sign-ins: later today, or its next day (daily and series)."""
    if activity.cancelled:
        return None
    if now < activity.opens_at:
        return activity.opens_at
    config = current_app.config
    for offset in range(1, 15):
        day = activity.on_date + timedelta(days=offset)
        if activity.kind == ActivityKind.DAILY:
            return local_to_utc(day, parse_clock(config["DAILY_OPENS"]))
        if activity.series is not None and activity.series.runs_on(day):
            return local_to_utc(day, activity.series.opens)
    return None


def edit_activity(
    activity: Activity,
    *,
    day: date,
    title: str,
    opens: time,
    closes: time,
    for_children: bool,
    for_guardians: bool,
    for_volunteers: bool,
    rotating_code: bool | None = None,
) -> date | None:
    """The edit form's save: ``update_activity``, and a move to ``day``; the day moved from, if it moved.

    A move keeps the activity's row, so its survey link, its kiosk and its printed links go
    with it. Everything is checked before anything changes.
    """
    moving = day != activity.on_date
    if moving:
        check_move(activity)
        if activity.series is not None and activity.series.runs_on(day):  # two of it on one day
            message = _("This repeating activity already takes place on {day}; choose another day.")
            raise DomainError(message.format(day=format_date(day, "long")), code="series_day_taken")
    update_activity(
        activity,
        title=title,
        opens=opens,
        closes=closes,
        for_children=for_children,
        for_guardians=for_guardians,
        for_volunteers=for_volunteers,
        rotating_code=rotating_code,
    )
    if not moving:
        return None
    moved_from = activity.on_date
    if activity.series_id is not None:
        _leave_series(activity)
    activity.on_date = day
    activity.opens_at = local_to_utc(day, opens)
    activity.closes_at = local_to_utc(day, closes)
    db.session.flush()
    return moved_from


def check_move(activity: Activity) -> None:
    """Refuse to move an activity whose day is already part of a record."""
    if activity.kind == ActivityKind.DAILY:
        raise DomainError(_("The daily opening stays on its day."), code="daily_fixed")
    hold_against_sign_ins(activity)
    # A voided sign-in never counts, so it does not hold the activity to its day.
    if counted_sign_ins(activity):
        raise DomainError(
            _(
                "People have already signed in to this activity, so it stays on its day. "
                "For another day, schedule a new activity."
            ),
            code="moved_after_signin",
        )
    # A survey answer keeps the day it was given (SurveyResponse.on_date), so it holds it too.
    if survey_answers(activity):
        raise DomainError(
            _(
                "People have already answered this activity's survey, so it stays on its day. "
                "For another day, schedule a new activity."
            ),
            code="moved_after_signin",
        )


def _leave_series(activity: Activity) -> None:
    """Make a series day a one-off, and leave the series' day cancelled in its place.

    The series makes its days on first need (``ensure_series_days`` in series.py): without the cancelled
    row, the day moved from would come back with the series' next visitor.
    """
    series, old_day = activity.series, activity.on_date
    activity.series = None
    db.session.flush()  # frees (series, day) in uq_activities_series_day
    try:
        with db.session.begin_nested():
            db.session.add(series_day(series, old_day, cancelled=True))
    except IntegrityError:  # a visitor's request made the series' day again a moment ago
        remade = db.session.execute(
            select(Activity).where(Activity.series_id == series.id, Activity.on_date == old_day)
        ).scalar_one()
        remade.cancelled = True
