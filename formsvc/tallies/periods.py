"""Scopes (district, township:<id>, site:<id>), periods ("2026", "2026-Q4", "2026-11") and their whole months."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from formsvc.errors import DomainError
from formsvc.i18n import _
from formsvc.timeutil import FIRST_YEAR, LAST_YEAR


@dataclass(frozen=True)
class Scope:
    kind: str  # "district", "township" or "site"
    id: int | None = None

    def __str__(self) -> str:
        return self.kind if self.kind == "district" else f"{self.kind}:{self.id}"


def parse_scope(text: str) -> Scope:
    """``district``, ``township:<id>`` or ``site:<id>``."""
    kind, _sep, number = (text or "").strip().partition(":")
    if kind == "district" and not number:
        return Scope("district")
    if kind in ("township", "site") and number.isdigit():
        return Scope(kind, int(number))
    raise DomainError(_("Unknown scope “{value}”.").format(value=text), code="bad_scope")


# A typo like 2926 or 0026 gets a message, not a query that reads one set of rollup rows per
# year for centuries (or a date Python cannot make).


def check_years(date_from: date, date_to: date) -> None:
    _check_year(date_from.year)
    _check_year(date_to.year)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        message = _("A tally covers the years {first} to {last}; please check the dates.")
        raise DomainError(message.format(first=FIRST_YEAR, last=LAST_YEAR), code="bad_period")


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


def period_range(text: str) -> tuple[date, date]:
    """``2026`` → the year, ``2026-11`` → November, ``2026-Q4`` → October to December."""
    text = (text or "").strip()
    if match := _YEAR.match(text) or _QUARTER.match(text) or _MONTH.match(text):
        _check_year(int(match[1]))
    if match := _YEAR.match(text):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first_month = 3 * quarter - 2
        return date(year, first_month, 1), _month_end(year, first_month + 2)
    if (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12:
        year, month = int(match[1]), int(match[2])
        return date(year, month, 1), _month_end(year, month)
    raise DomainError(
        _("Please write a period as 2026, 2026-Q4 or 2026-11 (“{value}” is none of these).").format(value=text),
        code="bad_period",
    )


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_name(date_from: date, date_to: date) -> str:
    """A range's name in the current language: 2026, 2026 Q4, November 2026, or from–to."""
    if date_from.day == 1 and date_to == _month_end(date_to.year, date_to.month) and date_from.year == date_to.year:
        months = date_to.month - date_from.month + 1
        if months == 12:
            return _("{year}").format(year=date_from.year)
        if months == 3 and date_from.month % 3 == 1:
            return _("{year} Q{quarter}").format(year=date_from.year, quarter=date_from.month // 3 + 1)
        if months == 1:
            return _("{year}-{month:02d}").format(year=date_from.year, month=date_from.month)
    return _("{start} to {end}").format(start=date_from.isoformat(), end=date_to.isoformat())


def split_months(date_from: date, date_to: date) -> tuple[list[tuple[int, int, int]], list[tuple[date, date]]]:
    """The whole months of a period as (year, first month, last month), and the days outside them.

    ``2026-01-01..2026-12-31`` is ``[(2026, 1, 12)]`` and no days; ``2025-11-15..2026-03-10`` is
    December 2025, January and February 2026, and 15–30 November and 1–10 March.
    """
    if date_from > date_to:
        return [], []
    first = date_from if date_from.day == 1 else _next_month(date_from)
    end = _next_month(date_to)  # the first day of the month after date_to's
    whole_until = end if date_to + timedelta(days=1) == end else date_to.replace(day=1)
    if first >= whole_until:  # no whole month inside
        return [], [(date_from, date_to)]
    days = []
    if date_from < first:
        days.append((date_from, first - timedelta(days=1)))
    if whole_until <= date_to:
        days.append((whole_until, date_to))
    last = _previous_month(whole_until)
    years = [
        (year, first.month if year == first.year else 1, last.month if year == last.year else 12)
        for year in range(first.year, last.year + 1)
    ]
    return years, days


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(first_of_month: date) -> date:
    return date(first_of_month.year - (first_of_month.month == 1), (first_of_month.month - 2) % 12 + 1, 1)
