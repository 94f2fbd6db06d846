"""Scopes (district, township:<id>, site:<id>) and periods ("2026", "2026-Q4", "2026-11")."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

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
