"""Repeating activities: the days of a series are rows made on first need; a tally counts the unmade ones."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from formsvc.activities.models import Activity, ActivitySeries
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.timeutil import local_to_utc


def series_day(series: ActivitySeries, day: date, *, cancelled: bool = False) -> Activity:
    """The row of ``series`` on ``day``, not yet added to the session."""
    return Activity(
        site_id=series.site_id,
        series_id=series.id,
        kind=series.kind,
        title=series.title,
        on_date=day,
        opens_at=local_to_utc(day, series.opens),
        closes_at=local_to_utc(day, series.closes),
        for_children=series.for_children,
        for_guardians=series.for_guardians,
        for_volunteers=series.for_volunteers,
        rotating_code=series.rotating_code,
        cancelled=cancelled,
    )


def ensure_series_days(site: Site, day: date) -> None:
    """Make the day's activity of every repeating series that runs at ``site`` on ``day``."""
    series_list = db.session.execute(
        select(ActivitySeries).where(
            ActivitySeries.site_id == site.id,
            ActivitySeries.stopped.is_(False),
            ActivitySeries.starts_on <= day,
        )
    ).scalars()
    for series in series_list:
        if not series.runs_on(day):
            continue
        exists = db.session.execute(
            select(Activity.id).where(Activity.series_id == series.id, Activity.on_date == day)
        ).scalar_one_or_none()
        if exists is not None:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(series_day(series, day))
        except IntegrityError:
            pass  # another request made it a moment ago


def unmade_series_days(site_ids, date_from: date, date_to: date) -> dict[ActivitySeries, list[date]]:
    """Every day of the sites' running series from ``date_from`` to ``date_to`` that has no row yet.

    The days ``make_series_days`` makes, and the days the tally counts without making them:
    one selection, so a tally reads the same numbers before and after the rows exist.
    ``site_ids`` is a list or a subquery. Each series' days are in order; a series with none
    is left out.
    """
    series_list = (
        db.session.execute(
            select(ActivitySeries).where(
                ActivitySeries.site_id.in_(site_ids),
                ActivitySeries.stopped.is_(False),
                ActivitySeries.starts_on <= date_to,
                or_(ActivitySeries.ends_on.is_(None), ActivitySeries.ends_on >= date_from),
            )
        )
        .scalars()
        .all()
    )
    if not series_list:
        return {}
    made = {
        (series_id, day)
        for series_id, day in db.session.execute(
            select(Activity.series_id, Activity.on_date).where(
                Activity.series_id.in_([series.id for series in series_list]),
                Activity.on_date >= date_from,
                Activity.on_date <= date_to,
            )
        )
    }
    unmade = {}
    for series in series_list:
        series_id = series.id
        days = [day for day in series.run_days(date_from, date_to) if (series_id, day) not in made]
        if days:
            unmade[series] = days
    return unmade


def make_series_days(site_ids, date_from: date, date_to: date) -> int:
    """Make every day of the sites' running series from ``date_from`` to ``date_to`` not made yet.

    Stopping a series makes the days it ran, so they stay rows (held and counted) after it
    stops making any. A page makes a series' day when it first shows it (the day view, the
    poster page); the tally makes none, it counts the unmade days (``unmade_series_days``).
    ``site_ids`` is a list or a subquery. Returns how many days were made; the caller commits.
    """
    unmade = unmade_series_days(site_ids, date_from, date_to)
    missing = [(series, day) for series, days in unmade.items() for day in days]
    if not missing:
        return 0
    try:
        with db.session.begin_nested():
            db.session.add_all(series_day(series, day) for series, day in missing)
    except IntegrityError:  # another request made some of them a moment ago: one at a time
        for series, day in missing:
            ensure_series_days(series.site, day)
    return len(missing)


def series_at(site: Site) -> list[ActivitySeries]:
    return list(
        db.session.execute(
            select(ActivitySeries)
            .where(ActivitySeries.site_id == site.id, ActivitySeries.stopped.is_(False))
            .order_by(ActivitySeries.opens, ActivitySeries.id)
        ).scalars()
    )


def stop_repeating(series: ActivitySeries, today: date) -> None:
    """Stop repeating: the days it ran until today are made first, so they stay held and counted."""
    make_series_days([series.site_id], series.starts_on, today)
    series.stopped = True


def stop_repeating_at(site: Site, today: date) -> int:
    """Stop every running series of a home (it is closing); how many were stopped.

    Left running, a closed home's weekly activity went on being held in the tallies.
    """
    running = series_at(site)
    if running:  # the days of them all, made at once
        make_series_days([site.id], min(series.starts_on for series in running), today)
    for series in running:
        series.stopped = True
    return len(running)


def repeating_counts(site_ids, *, stopped: bool = False) -> dict[int, int]:
    """How many repeating activities each home has running (or, ``stopped``, has stopped).

    Running counts as ``stop_repeating_at`` (above) does, so the question before deactivating a home
    names the number its flash reports afterwards.
    """
    rows = db.session.execute(
        select(ActivitySeries.site_id, func.count())
        .where(ActivitySeries.site_id.in_(site_ids), ActivitySeries.stopped.is_(stopped))
        .group_by(ActivitySeries.site_id)
    )
    return {site_id: count for site_id, count in rows}
