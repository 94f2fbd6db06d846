"""Activities at a Children's Home: the daily opening, lectures, volunteer days, visits."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, TimestampMixin, UTCDateTime
from formsvc.enums import enum_column_type
from formsvc.i18n import _l
from formsvc.sites.models import Site
from formsvc.timeutil import date_range
from formsvc.tokens import random_token


def new_activity_token() -> str:
    return random_token(12)


class ActivityKind(enum.StrEnum):
    DAILY = "daily"
    PARENT_TRAINING = "parent_training"
    VOLUNTEER = "volunteer"
    VISIT = "visit"
    FESTIVAL = "festival"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(ACTIVITY_KIND_TITLES[self])


ACTIVITY_KIND_TITLES = {
    ActivityKind.DAILY: _l("Daily opening"),
    ActivityKind.PARENT_TRAINING: _l("Parent training"),
    ActivityKind.VOLUNTEER: _l("Volunteer service"),
    ActivityKind.VISIT: _l("Holiday visit"),
    ActivityKind.FESTIVAL: _l("Festival activity"),
    ActivityKind.OTHER: _l("Other activity"),
}


class Audience(enum.StrEnum):
    """Who signs in at an activity; one activity may take several."""

    CHILDREN = "children"
    GUARDIANS = "guardians"
    VOLUNTEERS = "volunteers"


class ActivitySeries(TimestampMixin, Base):
    """A repeating activity ("every weekday 16:00–18:00"): its days are made on first need."""

    __tablename__ = "activity_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column_type(ActivityKind))
    title: Mapped[str] = mapped_column(String(100), default="")
    # ISO weekday digits, Monday = 1: "12345" is every weekday.
    weekdays: Mapped[str] = mapped_column(String(7))
    opens: Mapped[time]
    closes: Mapped[time]
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    for_children: Mapped[bool] = mapped_column(default=True)
    for_guardians: Mapped[bool] = mapped_column(default=False)
    for_volunteers: Mapped[bool] = mapped_column(default=False)
    # Copied to each day's activity: sign-in needs the changing QR on the screen.
    rotating_code: Mapped[bool] = mapped_column(default=False, server_default=false())
    stopped: Mapped[bool] = mapped_column(default=False)

    site: Mapped[Site] = relationship()

    def runs_on(self, day: date) -> bool:
        return (
            not self.stopped
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
            and str(day.isoweekday()) in self.weekdays
        )

    def run_days(self, first: date, last: date) -> list[date]:
        """The days from ``first`` to ``last`` it runs on (``runs_on``), each column read once, not once a day.

        A district's year is a few hundred series times 365 days: the tally goes through them all.
        """
        if self.stopped:
            return []
        weekdays = self.weekdays
        until = last if self.ends_on is None else min(last, self.ends_on)
        return [day for day in date_range(max(first, self.starts_on), until) if str(day.isoweekday()) in weekdays]


class Activity(TimestampMixin, Base):
    """Something that happens at a site on a day, with a sign-in window."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[ActivityKind] = mapped_column(enum_column_type(ActivityKind))
    title: Mapped[str] = mapped_column(String(100), default="")
    # The local calendar day the activity belongs to (the site's time zone).
    on_date: Mapped[date]
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    for_children: Mapped[bool] = mapped_column(default=True)
    for_guardians: Mapped[bool] = mapped_column(default=False)
    for_volunteers: Mapped[bool] = mapped_column(default=False)
    # The token in the activity's sign-in links.
    public_token: Mapped[str] = mapped_column(String(16), unique=True, default=new_activity_token)
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Lecture mode: sign-in only after scanning the changing QR on the screen (the kiosk page),
    # so a photo of the poster or a forwarded link does not work from home.
    rotating_code: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set when the activity is one day of a repeating series.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("activity_series.id"))

    site: Mapped[Site] = relationship()
    series: Mapped[ActivitySeries | None] = relationship()

    __table_args__ = (
        # With the kind, the tallies find a site's activities of a period in the index alone.
        Index("ix_activities_site_date_kind", "site_id", "on_date", "kind"),
        # One implicit daily opening per site and day, however many visitors race to create it.
        Index(
            "uq_activities_daily_per_day",
            "site_id",
            "on_date",
            unique=True,
            sqlite_where=text("kind = 'daily'"),
            postgresql_where=text("kind = 'daily'"),
        ),
        # One activity per series and day, however many visitors race to create it.
        Index(
            "uq_activities_series_day",
            "series_id",
            "on_date",
            unique=True,
            sqlite_where=text("series_id IS NOT NULL"),
            postgresql_where=text("series_id IS NOT NULL"),
        ),
    )

    @property
    def display_title(self) -> str:
        return self.title or self.kind.title

    @property
    def audiences(self) -> list[Audience]:
        flags = (
            (self.for_children, Audience.CHILDREN),
            (self.for_guardians, Audience.GUARDIANS),
            (self.for_volunteers, Audience.VOLUNTEERS),
        )
        return [audience for enabled, audience in flags if enabled]

    def is_open_at(self, moment: datetime) -> bool:
        return not self.cancelled and self.opens_at <= moment < self.closes_at
