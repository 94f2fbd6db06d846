"""The local clock of the district: every stored time is UTC, every shown time local."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_datetime_format, get_day_names
from flask import current_app
from flask_babel import format_date, format_time, get_locale

from formsvc.db import utcnow
from formsvc.i18n import _

# How far from today a day typed into the workspace may be (scheduling, a home's daily
# opening): catches 1900 or 2206 typed for 2026. Older paper records come in through the
# ledger import.
NEAR_TODAY_DAYS = 2 * 366

# The years the service reads and shows at all (tallies, a day's page): a typo like 2926, or
# 9999-12-31 from a date picker, gets a message rather than a date Python cannot step past.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def near_today(day: date) -> bool:
    return abs((day - local_today()).days) <= NEAR_TODAY_DAYS


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


def date_range(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included (none when ``last`` is before ``first``)."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def weekday_words(weekdays: str) -> str:
    """ISO weekday digits in the reader's words: "12345" → 周一至周五, "135" → 周一、周三、周五."""
    names = get_day_names("abbreviated", locale=get_locale() or "zh_Hans")  # Monday = 0
    days = sorted({int(digit) for digit in weekdays if digit in "1234567"})
    if len(days) == 7:
        return _("every day")
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("%(first)s to %(last)s", first=names[days[0] - 1], last=names[days[-1] - 1])
    return _(", ").join(names[day - 1] for day in days)


def format_day_and_time(moment: datetime) -> str:
    """A stored moment in the workspace's words: the local day as its tables write a day
    ("medium": 2026年11月20日, Nov 20, 2026) and the 24-hour time they write beside it, joined
    the locale's way. Babel's "short" date-time would say 11/20/26, 2:05 PM in English."""
    joined = get_datetime_format("medium", locale=get_locale() or "zh_Hans")  # "{1} {0}"; English "{1}, {0}"
    return joined.format(format_time(moment, "HH:mm"), format_date(moment, "medium"))
