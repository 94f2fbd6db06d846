"""The tally: one service, SQL aggregates only, one set of numbers for screen, PDF, Excel and CSV.

Definitions (the year-end report depends on them, so they are spelled out here):

- **Activities held**: activities dated in the period that have at least one non-voided
  sign-in (a child or an adult), plus scheduled activities that are not daily openings, not
  cancelled and that have started by ``as_of`` (now by default: opened at or before that
  moment, so this evening's lecture is not held at noon) — a lecture counts even if its
  sign-ins were never typed in; a daily opening counts only on a day somebody came (the row
  is created by the first visitor of the poster page, who may not sign in). A repeating
  series' days count the same way whether or not their rows have been made yet
  (``unmade_series_days``): viewing a tally writes nothing.
- **Child participations (人次)**: non-voided attendance rows. **Distinct children (人数)**:
  ``COUNT(DISTINCT child_id)`` over the whole row's scope — a township's or the district's
  figure is counted across all its sites, never a sum of per-site figures.
- **By child category**: a child counts in a category at an activity when a category period
  covers the activity's date: ``since`` is empty or ≤ the date, and ``until`` is empty or ≥
  the date. A child may be in several categories.
- **Guardian / volunteer sign-ins**: non-voided adult sign-ins by role (人次).
- **Paper vs digital**: records (children and adults) from paper or import vs QR or roll-call.
- Voided records never count anywhere. Sites listed: the active sites in scope, plus any
  inactive site with an activity in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, or_, select

from formsvc.activities.models import Activity
from formsvc.activities.series import unmade_series_days
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.places import place_sort_key
from formsvc.sites.models import Site, Township
from formsvc.tallies.periods import Scope, check_years, parse_scope, period_name
from formsvc.tallies.queries import CATEGORIES, KINDS, all_levels, zeros
from formsvc.timeutil import local_day_bounds, local_today

# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The numbers of one row. Dicts are keyed by ActivityKind / ChildCategory values, all present."""

    activities_by_kind: dict[str, int] = field(default_factory=lambda: zeros(KINDS))
    participations_by_kind: dict[str, int] = field(default_factory=lambda: zeros(KINDS))
    children_by_kind: dict[str, int] = field(default_factory=lambda: zeros(KINDS))
    guardians_by_kind: dict[str, int] = field(default_factory=lambda: zeros(KINDS))
    volunteers_by_kind: dict[str, int] = field(default_factory=lambda: zeros(KINDS))
    participations_by_category: dict[str, int] = field(default_factory=lambda: zeros(CATEGORIES))
    children_by_category: dict[str, int] = field(default_factory=lambda: zeros(CATEGORIES))
    distinct_children: int = 0
    paper_records: int = 0
    digital_records: int = 0
    # Survey responses in the period, and their rating answers (1–5): count, sum and mean.
    survey_responses: int = 0
    survey_rating_answers: int = 0
    survey_rating_total: int = 0
    survey_mean_rating: float | None = None

    @property
    def activities(self) -> int:
        return sum(self.activities_by_kind.values())

    @property
    def child_participations(self) -> int:
        return sum(self.participations_by_kind.values())

    @property
    def guardian_signins(self) -> int:
        return sum(self.guardians_by_kind.values())

    @property
    def volunteer_signins(self) -> int:
        return sum(self.volunteers_by_kind.values())

    @property
    def paper_share(self) -> float | None:
        records = self.paper_records + self.digital_records
        return self.paper_records / records if records else None


@dataclass(frozen=True)
class TallyRow:
    row_type: str  # "site", "township" or "total"
    township: str
    site: str
    site_count: int
    figures: Figures
    township_id: int | None = None
    site_id: int | None = None


@dataclass(frozen=True)
class TownshipBlock:
    subtotal: TallyRow
    sites: tuple[TallyRow, ...]


@dataclass(frozen=True)
class Tally:
    scope: Scope
    scope_label: str
    date_from: date
    date_to: date
    period_label: str
    townships: tuple[TownshipBlock, ...]
    total: TallyRow

    @property
    def rows(self) -> list[TallyRow]:
        """Every row in the CSV's order: each site, then each township subtotal, then the total."""
        sites = [row for block in self.townships for row in block.sites]
        return sites + [block.subtotal for block in self.townships] + [self.total]

    @property
    def rows_by_township(self) -> list[TallyRow]:
        """Every row as the page and the PDF show them: each township's homes, then its subtotal; then the total."""
        return [row for block in self.townships for row in (*block.sites, block.subtotal)] + [self.total]


def _scope_condition(scope: Scope):
    if scope.kind == "site":
        return Site.id == scope.id
    if scope.kind == "township":
        return Site.township_id == scope.id
    return True


def _scope_label(scope: Scope) -> str:
    if scope.kind == "site":
        name = db.session.execute(select(Site.name).where(Site.id == scope.id)).scalar_one_or_none()
    elif scope.kind == "township":
        name = db.session.execute(select(Township.name).where(Township.id == scope.id)).scalar_one_or_none()
    else:
        return _("Whole district")
    if name is None:
        raise DomainError(_("Unknown scope “{value}”.").format(value=str(scope)), code="bad_scope")
    return name


def checked_request(scope: Scope | str, date_from: date, date_to: date) -> Scope:
    """The scope of a tally of ``date_from`` to ``date_to``, once scope and period are known to be right.

    Raises DomainError for a scope that is not written right or names no home or township, and
    for a period that runs backwards or past the years a tally covers.
    """
    scope = _well_formed(scope, date_from, date_to)
    _scope_label(scope)  # it names a home or township that exists
    return scope


def _well_formed(scope: Scope | str, date_from: date, date_to: date) -> Scope:
    """The scope parsed, once the period is known to run forwards within the years a tally covers."""
    if isinstance(scope, str):
        scope = parse_scope(scope)
    if date_from > date_to:
        raise DomainError(_("The period starts after it ends."), code="bad_period")
    check_years(date_from, date_to)
    return scope


def _open_during(date_from: date, date_to: date):
    """A home the period's tally lists with its zeros: open on some day of the period.

    Opened by its end (its opening day, or, when none was given, the day it was entered here)
    and not closed before its start. A home entered today is not in last year's count of homes,
    nor is one closed in the spring in the autumn's.
    """
    entered_by_end = Site.created_at < local_day_bounds(date_to)[1]
    opened = or_(Site.opened_on <= date_to, and_(Site.opened_on.is_(None), entered_by_end))
    not_closed = or_(Site.active.is_(True), Site.closed_on >= date_from)
    return and_(opened, not_closed)


def compute_tally(
    scope: Scope | str,
    date_from: date,
    date_to: date,
    *,
    allowed_site_ids: Select | None = None,
    as_of: datetime | None = None,
) -> Tally:
    """The tally of ``scope`` from ``date_from`` to ``date_to`` (both included), as it stands at ``as_of`` (now).

    ``allowed_site_ids`` is the caller's scoping subquery (``visible_site_ids(user)``): a view
    always passes it, so a tally never reaches past what the person may see.
    """
    scope = _well_formed(scope, date_from, date_to)
    as_of = as_of or utcnow()
    scope_label = _scope_label(scope)  # also refuses a scope that names no home or township
    conditions = [_scope_condition(scope)]
    if allowed_site_ids is not None:
        conditions.append(Site.id.in_(allowed_site_ids))
    site_ids = select(Site.id).where(*conditions)
    # Counted, not made: a tally writes nothing, however many series' days nobody has opened.
    unmade = unmade_series_days(site_ids, date_from, min(date_to, local_today(as_of)))
    has_activity = exists().where(
        Activity.site_id == Site.id, Activity.on_date >= date_from, Activity.on_date <= date_to
    )
    has_unmade_day = Site.id.in_(sorted({series.site_id for series in unmade}))
    listed = db.session.execute(
        select(Site.id, Site.name, Township.id, Township.name)
        .join(Township, Township.id == Site.township_id)
        .where(*conditions, or_(_open_during(date_from, date_to), has_activity, has_unmade_day))
    ).all()
    listed.sort(key=lambda row: (place_sort_key(row[3]), place_sort_key(row[1]), row[0]))
    figures = all_levels(site_ids, date_from, date_to, as_of, unmade)

    def make(level: str, key) -> Figures:
        return Figures(**figures[level].get(key, {}))

    blocks: dict[int, list] = {}
    for site_id, site_name, township_id, township_name in listed:
        row = TallyRow("site", township_name, site_name, 1, make("site", site_id), township_id, site_id)
        blocks.setdefault(township_id, [township_name, []])[1].append(row)
    townships = tuple(
        TownshipBlock(
            subtotal=TallyRow("township", name, "", len(rows), make("township", township_id), township_id),
            sites=tuple(rows),
        )
        for township_id, (name, rows) in blocks.items()
    )
    total = TallyRow("total", "", "", len(listed), make("total", None))
    return Tally(
        scope=scope,
        scope_label=scope_label,
        date_from=date_from,
        date_to=date_to,
        period_label=period_name(date_from, date_to),
        townships=townships,
        total=total,
    )
