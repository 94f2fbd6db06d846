"""The local clock of the district: every stored time is UTC, every shown time local."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from formsvc.db import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def local_to_utc(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=local_zone()).astimezone(UTC)


def parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = local_to_utc(day, time(0, 0))
    return start, local_to_utc(day + timedelta(days=1), time(0, 0))
