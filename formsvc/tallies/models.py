"""Monthly rollups of the counted visits: what the tallies read instead of a million rows.

Each row is one child's counted (non-voided) visits at one site, in one kind of activity or one
child category, in one calendar month. The database keeps them exactly in step with the raw
records by triggers (migration 0900), whatever writes: a sign-in, a roll-call tick, a paper
entry, an import, a voiding, a review merge, a purge, an activity moved to another day, a
category period edited. A month with no counted visit has no row, so ``count(DISTINCT
child_id)`` over the rows of a period is the number of distinct children. The raw records stay
the truth: ``formsvc.tallies.rollups.rollup_differences`` compares the two, and ``flask tally-rollups
rebuild`` recomputes the rollups from them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.activities.models import ActivityKind
from formsvc.attendance.models import ChildCategory
from formsvc.db import Base
from formsvc.enums import enum_column_type

# No foreign keys: the rows are derived data, written by triggers on every sign-in, and a key
# check per row would cost each sign-in a lookup and a share lock for nothing the raw
# records do not already guarantee.


class VisitMonth(Base):
    """A child's counted visits at a site in one kind of activity in a month (人次), and how many were on paper."""

    __tablename__ = "visit_months"

    # The first day of the month of the activities' dates.
    month: Mapped[date] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column_type(ActivityKind), primary_key=True)
    child_id: Mapped[int] = mapped_column(primary_key=True)
    visits: Mapped[int]
    # Of the visits, those entered from paper or imported (the rest came by QR or roll-call).
    paper: Mapped[int]

    __table_args__ = (Index("ix_visit_months_child", "child_id"),)


class CategoryVisitMonth(Base):
    """A child's counted visits at a site in a month on days a category period covered them."""

    __tablename__ = "category_visit_months"

    month: Mapped[date] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ChildCategory] = mapped_column(enum_column_type(ChildCategory), primary_key=True)
    child_id: Mapped[int] = mapped_column(primary_key=True)
    visits: Mapped[int]

    __table_args__ = (Index("ix_category_visit_months_child", "child_id"),)
