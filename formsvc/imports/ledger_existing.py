"""What a ledger import finds already on file: activities (and repeating series' days with no row
yet), the cancelled activities its rows name, roster children, their category periods and the
records at those activities.

Every lookup goes in chunks of ``CHUNK`` keys, so a ledger of tens of thousands of rows never
sends one IN list the database refuses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_

from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.series import unmade_series_days
from formsvc.attendance.models import (
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    ChildStatus,
)
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.text import name_key

if TYPE_CHECKING:
    from formsvc.imports.ledger import ActivityKey, LedgerRow, PersonKey

CHUNK = 400


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_activities(rows: list[LedgerRow]) -> dict[ActivityKey, Activity]:
    pairs = sorted({(row.site_id, row.day) for row in rows})
    found: dict[ActivityKey, Activity] = {}
    for chunk in chunks(pairs):
        query = (
            select(Activity)
            .where(tuple_(Activity.site_id, Activity.on_date).in_(chunk), Activity.cancelled.is_(False))
            .order_by(Activity.id)
        )
        for activity in db.session.execute(query).scalars():
            key = (activity.site_id, activity.on_date, activity.kind, _folded(activity.kind, activity.title))
            found.setdefault(key, activity)
    return found


def cancelled_activities(rows: list[LedgerRow]) -> dict[ActivityKey, tuple[str, str, int]]:
    """The rows' activity keys that name a cancelled activity and none still held, with the home's
    name, the activity's title and its id: it did not happen, so a record of it has nowhere to go
    until it is restored.

    A home has one daily opening a day, cancelled or not (``uq_activities_daily_per_day``). Of a
    lecture cancelled and then scheduled again under the same title, the one still held takes the
    rows, as ``existing_activities`` finds it. Only the rows of a day with a cancelled activity
    have their key folded: ten thousand titles through ``name_key`` take a noticeable part of a second.
    """
    cancelled: dict[ActivityKey, tuple[str, str, int]] = {}
    for chunk in chunks(sorted({(row.site_id, row.day) for row in rows})):
        query = (
            select(Activity.site_id, Activity.on_date, Activity.kind, Activity.title, Site.name, Activity.id)
            .join(Site, Site.id == Activity.site_id)
            .where(tuple_(Activity.site_id, Activity.on_date).in_(chunk), Activity.cancelled.is_(True))
            .order_by(Activity.id)
        )
        for site_id, day, kind, title, home, activity_id in db.session.execute(query):
            found = (home, title or kind.title, activity_id)
            cancelled.setdefault((site_id, day, kind, _folded(kind, title)), found)
    if not cancelled:
        return {}
    days = {(site_id, day) for site_id, day, _kind, _title in cancelled}
    for chunk in chunks(sorted(days)):
        query = select(Activity.site_id, Activity.on_date, Activity.kind, Activity.title).where(
            tuple_(Activity.site_id, Activity.on_date).in_(chunk), Activity.cancelled.is_(False)
        )
        for site_id, day, kind, title in db.session.execute(query):
            cancelled.pop((site_id, day, kind, _folded(kind, title)), None)
    named = {row.activity_key for row in rows if (row.site_id, row.day) in days}
    return {key: found for key, found in cancelled.items() if key in named}


def _folded(kind: ActivityKind, title: str) -> str:
    """The title part of an activity's key, as ``LedgerRow.activity_key`` folds a row's."""
    return "" if kind == ActivityKind.DAILY else name_key(title)


def series_days_without_rows(rows: list[LedgerRow]) -> dict[ActivityKey, ActivitySeries]:
    """The series whose day (with no row yet) each activity key of the ledger is, if any."""
    rows = [row for row in rows if row.kind != ActivityKind.DAILY]
    if not rows:
        return {}
    site_ids = sorted({row.site_id for row in rows})
    unmade = unmade_series_days(site_ids, min(row.day for row in rows), max(row.day for row in rows))
    return {
        (series.site_id, day, series.kind, name_key(series.title)): series
        for series, days in unmade.items()
        for day in days
    }


def existing_children(people: set[PersonKey]) -> dict[PersonKey, Child]:
    """The roster's child for each (site, name key), as ``match_roster`` picks it: active first."""
    by_site: dict[int, list[str]] = defaultdict(list)
    for site_id, key in sorted(people):
        by_site[site_id].append(key)
    found: dict[PersonKey, Child] = {}
    for site_id, keys in by_site.items():
        for chunk in chunks(keys):
            query = select(Child).where(
                Child.site_id == site_id,
                Child.name_key.in_(chunk),
                Child.status.in_((ChildStatus.ACTIVE, ChildStatus.TO_REVIEW)),
            )
            ranked = sorted(
                db.session.execute(query).scalars(), key=lambda child: (child.status != ChildStatus.ACTIVE, child.id)
            )
            for child in ranked:
                found.setdefault((site_id, child.name_key), child)
    return found


def existing_periods(children: list[Child]) -> dict[int, list[tuple[ChildCategory, date | None, date | None]]]:
    periods = defaultdict(list)
    for chunk in chunks([child.id for child in children]):
        query = select(ChildCategoryPeriod).where(ChildCategoryPeriod.child_id.in_(chunk))
        for period in db.session.execute(query).scalars():
            periods[period.child_id].append((period.category, period.since, period.until))
    return periods


def present_records(activity_ids: list[int]) -> tuple[set, set]:
    """(activity, child) of the attendances and (activity, role, name key) of the adult sign-ins there."""
    children: set[tuple[int, int]] = set()
    adults: set[tuple[int, AdultRole, str]] = set()
    for chunk in chunks(sorted(activity_ids)):
        children.update(
            tuple(row)
            for row in db.session.execute(
                select(Attendance.activity_id, Attendance.child_id).where(
                    Attendance.activity_id.in_(chunk), Attendance.voided_at.is_(None)
                )
            )
        )
        adults.update(
            tuple(row)
            for row in db.session.execute(
                select(AdultSignIn.activity_id, AdultSignIn.role, AdultSignIn.name_key).where(
                    AdultSignIn.activity_id.in_(chunk), AdultSignIn.voided_at.is_(None)
                )
            )
        )
    return children, adults
