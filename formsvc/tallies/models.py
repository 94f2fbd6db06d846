"""Yearly rollups of the counted visits, month by month: what the tallies read instead of every row.

``activity_counts`` holds each activity's number of counted sign-ins (children and adults).
Otherwise a row is one child at one site in one kind of activity (``visit_years``) or in one child
category (``category_visit_years``) in one calendar year, with the child's counted
(non-voided) visits in each month: ``v01`` … ``v12``, and of those the visits entered from
paper or imported, ``p01`` … ``p12``. A whole-month period inside a year (a year, a quarter,
a month) is then one row per child: the sum of its months' columns, and the child counts as
distinct when that sum is above zero. A year with no counted visit has no row.

The database keeps the rows exactly in step with the raw records by triggers (migration
0900), whatever writes: a sign-in, a roll-call tick, a paper entry, an import, a voiding, a
review merge, a purge, an activity moved to another day, a category period edited. The raw
records stay the truth: ``formsvc.tallies.rollups.rollup_differences`` compares the two, and
``flask tally-rollups rebuild`` recounts the rollups from them.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table

from formsvc.activities.models import ActivityKind
from formsvc.attendance.models import ChildCategory
from formsvc.db import Base
from formsvc.enums import enum_column_type

MONTHS = range(1, 13)


def visits_column(month: int) -> str:
    return f"v{month:02d}"


def paper_column(month: int) -> str:
    return f"p{month:02d}"


# No foreign keys: the rows are derived data, written by triggers on every sign-in, and a key
# check per row would cost each sign-in a lookup and a share lock for nothing the raw
# records do not already guarantee.


class VisitYear(Base):
    """A child's counted visits at a site in one kind of activity, month by month, in a year (人次)."""

    __table__ = Table(
        "visit_years",
        Base.metadata,
        Column("year", Integer, primary_key=True),
        Column("site_id", Integer, primary_key=True),
        Column("kind", enum_column_type(ActivityKind), primary_key=True),
        Column("child_id", Integer, primary_key=True),
        *(Column(visits_column(month), Integer, nullable=False) for month in MONTHS),
        *(Column(paper_column(month), Integer, nullable=False) for month in MONTHS),
        Index("ix_visit_years_child", "child_id"),
    )


class CategoryVisitYear(Base):
    """A child's counted visits at a site, month by month, on days a category period covered them."""

    __table__ = Table(
        "category_visit_years",
        Base.metadata,
        Column("year", Integer, primary_key=True),
        Column("site_id", Integer, primary_key=True),
        Column("category", enum_column_type(ChildCategory), primary_key=True),
        Column("child_id", Integer, primary_key=True),
        *(Column(visits_column(month), Integer, nullable=False) for month in MONTHS),
        Index("ix_category_visit_years_child", "child_id"),
    )


class ActivityCount(Base):
    """How many counted (non-voided) sign-ins an activity has, children and adults together.

    An activity is "held" when this is above zero (see formsvc/tallies/services.py), so the
    tally reads one row per activity instead of probing every sign-in. No row means none.
    """

    __table__ = Table(
        "activity_counts",
        Base.metadata,
        Column("activity_id", Integer, primary_key=True, autoincrement=False),
        Column("signins", Integer, nullable=False),
    )


def months_sum(model, column_name, first_month: int, last_month: int):
    """The SQL sum of the month columns ``first_month`` … ``last_month`` of a rollup model."""
    columns = [model.__table__.c[column_name(month)] for month in range(first_month, last_month + 1)]
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total
