"""The monthly rollups (formsvc/tallies/models.py) against the raw records: compare and rebuild.

The triggers of migration 0900 keep the rollups in step; these functions are how anyone can
check that they did (``flask tally-rollups check``, and the tests after random writes), and
put them right from the raw records if a restore or a hand edit ever left them behind
(``flask tally-rollups rebuild``).
"""

from __future__ import annotations

from sqlalchemy import Date, Select, case, cast, delete, func, insert, or_, select

from formsvc.activities.models import Activity
from formsvc.attendance.models import Attendance, ChildCategoryPeriod, Source
from formsvc.extensions import db
from formsvc.tallies.models import CategoryVisitMonth, VisitMonth


def _month_of(day):
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def recounted_visits() -> Select:
    """What ``visit_months`` must hold: (month, site, kind, child, visits, paper) from the raw rows."""
    month = _month_of(Activity.on_date)
    paper = func.sum(case((Attendance.source.in_((Source.PAPER, Source.IMPORT)), 1), else_=0))
    return (
        select(month, Activity.site_id, Activity.kind, Attendance.child_id, func.count(), paper)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.voided_at.is_(None))
        .group_by(month, Activity.site_id, Activity.kind, Attendance.child_id)
    )


def recounted_categories() -> Select:
    """What ``category_visit_months`` must hold: (month, site, category, child, visits)."""
    month = _month_of(Activity.on_date)
    covers = (
        (ChildCategoryPeriod.child_id == Attendance.child_id)
        & or_(ChildCategoryPeriod.since.is_(None), ChildCategoryPeriod.since <= Activity.on_date)
        & or_(ChildCategoryPeriod.until.is_(None), ChildCategoryPeriod.until >= Activity.on_date)
    )
    return (
        select(month, Activity.site_id, ChildCategoryPeriod.category, Attendance.child_id)
        .add_columns(func.count(func.distinct(Attendance.id)))
        .join(Activity, Activity.id == Attendance.activity_id)
        .join(ChildCategoryPeriod, covers)
        .where(Attendance.voided_at.is_(None))
        .group_by(month, Activity.site_id, ChildCategoryPeriod.category, Attendance.child_id)
    )


_TABLES = (
    (VisitMonth, recounted_visits, ("month", "site_id", "kind", "child_id", "visits", "paper")),
    (CategoryVisitMonth, recounted_categories, ("month", "site_id", "category", "child_id", "visits")),
)


def _rows(query) -> set[tuple]:
    """Rows as comparable tuples: dates as ISO text, enum members as their values."""
    return {
        tuple(getattr(value, "value", value) if not hasattr(value, "isoformat") else value.isoformat() for value in row)
        for row in db.session.execute(query)
    }


def rollup_differences() -> list[str]:
    """Every row where a rollup table and the raw records disagree; empty when they are in step."""
    problems = []
    for model, recount, columns in _TABLES:
        kept = _rows(select(*(getattr(model, name) for name in columns)))
        wanted = _rows(recount())
        table = model.__tablename__
        problems += [f"{table}: missing or wrong {row}" for row in sorted(wanted - kept, key=str)]
        problems += [f"{table}: extra or wrong {row}" for row in sorted(kept - wanted, key=str)]
    return problems


def rebuild_rollups() -> None:
    """Recount both rollup tables from the raw records (the caller commits)."""
    for model, recount, columns in _TABLES:
        db.session.execute(delete(model))
        db.session.execute(insert(model).from_select(list(columns), recount()))
