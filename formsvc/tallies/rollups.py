"""The yearly visit rollups (formsvc/tallies/models.py) against the raw records: compare and rebuild.

The triggers of migration 0900 keep the rollups in step; these functions are how anyone can
check that they did (``flask tally-rollups check``, and the tests after random writes), and
put them right from the raw records if a restore or a hand edit ever left them behind
(``flask tally-rollups rebuild``).
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, and_, case, cast, delete, func, insert, select, union_all

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, ChildCategoryPeriod
from formsvc.extensions import db
from formsvc.tallies.models import MONTHS, ActivityCount, CategoryVisitYear, VisitYear
from formsvc.tallies.queries import PAPER_SOURCES, category_covers


def _year_and_month(day):
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("year", day), Integer), cast(func.extract("month", day), Integer)
    return cast(func.strftime("%Y", day), Integer), cast(func.strftime("%m", day), Integer)


def recounted_visits() -> Select:
    """What ``visit_years`` must hold, in its column order, recounted from the raw rows."""
    year, month = _year_and_month(Activity.on_date)
    paper = Attendance.source.in_(PAPER_SOURCES)
    visits = [func.sum(case((month == number, 1), else_=0)) for number in MONTHS]
    on_paper = [func.sum(case((and_(month == number, paper), 1), else_=0)) for number in MONTHS]
    return (
        select(year, Activity.site_id, Activity.kind, Attendance.child_id, *visits, *on_paper)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.voided_at.is_(None))
        .group_by(year, Activity.site_id, Activity.kind, Attendance.child_id)
    )


def recounted_categories() -> Select:
    """What ``category_visit_years`` must hold, in its column order."""
    year, month = _year_and_month(Activity.on_date)
    # DISTINCT: two overlapping periods of one category count a visit once.
    visits = [func.count(func.distinct(case((month == number, Attendance.id)))) for number in MONTHS]
    return (
        select(year, Activity.site_id, ChildCategoryPeriod.category, Attendance.child_id, *visits)
        .join(Activity, Activity.id == Attendance.activity_id)
        .join(ChildCategoryPeriod, category_covers())
        .where(Attendance.voided_at.is_(None))
        .group_by(year, Activity.site_id, ChildCategoryPeriod.category, Attendance.child_id)
    )


def recounted_activity_counts() -> Select:
    """What ``activity_counts`` must hold: each activity's counted sign-ins, children and adults."""
    counted = union_all(
        select(Attendance.activity_id).where(Attendance.voided_at.is_(None)),
        select(AdultSignIn.activity_id).where(AdultSignIn.voided_at.is_(None)),
    ).subquery()
    return select(counted.c.activity_id, func.count()).group_by(counted.c.activity_id)


_TABLES = (
    (VisitYear, recounted_visits),
    (CategoryVisitYear, recounted_categories),
    (ActivityCount, recounted_activity_counts),
)


def _rows(query) -> set[tuple]:
    """Rows as comparable tuples, enum members as their values."""
    return {tuple(getattr(value, "value", value) for value in row) for row in db.session.execute(query)}


def rollup_differences() -> list[str]:
    """Every row where a rollup table and the raw records disagree; empty when they are in step."""
    problems = []
    for model, recount in _TABLES:
        kept = _rows(select(model.__table__))
        wanted = _rows(recount())
        table = model.__table__.name
        problems += [f"{table}: missing or wrong {row}" for row in sorted(wanted - kept, key=str)]
        problems += [f"{table}: extra or wrong {row}" for row in sorted(kept - wanted, key=str)]
    return problems


def rebuild_rollups() -> None:
    """Recount the rollup tables from the raw records (the caller commits)."""
    for model, recount in _TABLES:
        db.session.execute(delete(model))
        db.session.execute(insert(model).from_select(list(model.__table__.c), recount()))
