"""Finding and creating activities, including the implicit daily opening of every site."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from formsvc.activities.models import Activity, ActivityKind
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.timeutil import local_to_utc, parse_clock
from formsvc.tokens import looks_like_token


def activity_by_token(token: str) -> Activity | None:
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(select(Activity).where(Activity.public_token == token)).scalar_one_or_none()


def ensure_daily_opening(site: Site, day: date) -> Activity:
    """The site's daily opening for ``day``, created on first need.

    Daily openings are not scheduled by hand; the first visitor of the day creates the row,
    and the partial unique index settles a race between two first visitors.
    """
    found = _daily_opening(site, day)
    if found:
        return found
    config = current_app.config
    activity = Activity(
        site_id=site.id,
        kind=ActivityKind.DAILY,
        on_date=day,
        opens_at=local_to_utc(day, parse_clock(config["DAILY_OPENS"])),
        closes_at=local_to_utc(day, parse_clock(config["DAILY_CLOSES"])),
        for_children=True,
    )
    try:
        with db.session.begin_nested():
            db.session.add(activity)
    except IntegrityError:
        found = _daily_opening(site, day)
        if found is None:
            raise
        return found
    return activity


def _daily_opening(site: Site, day: date) -> Activity | None:
    return db.session.execute(
        select(Activity).where(
            Activity.site_id == site.id, Activity.on_date == day, Activity.kind == ActivityKind.DAILY
        )
    ).scalar_one_or_none()


def activities_on(site: Site, day: date) -> list[Activity]:
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
    if site.active:
        ensure_daily_opening(site, day)
    activities = [activity for activity in activities_on(site, day) if not activity.cancelled]
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
) -> Activity:
    activity = Activity(
        site_id=site.id,
        kind=kind,
        title=title,
        on_date=day,
        opens_at=local_to_utc(day, parse_clock(opens)),
        closes_at=local_to_utc(day, parse_clock(closes)),
        for_children=for_children,
        for_guardians=for_guardians,
        for_volunteers=for_volunteers,
    )
    db.session.add(activity)
    db.session.flush()
    return activity
