"""The tally: one service, SQL aggregates only, one set of numbers for screen, PDF, Excel and CSV.

Definitions (the year-end report depends on them, so they are spelled out here):

- **Activities held**: activities dated in the period that have at least one non-voided
  sign-in (a child or an adult), plus scheduled activities that are not daily openings, not
  cancelled and dated on or before ``as_of`` (today by default) — a lecture counts even if
  its sign-ins were never typed in; a daily opening counts only on a day somebody came (the
  row is created by the first visitor of the poster page, who may not sign in).
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
from datetime import date

from sqlalchemy import Select, and_, case, exists, func, or_, select

from formsvc.activities.models import Activity, ActivityKind
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, ChildCategory, ChildCategoryPeriod, Source
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site, Township
from formsvc.tallies.periods import Scope, parse_scope, period_name
from formsvc.timeutil import local_today

KINDS = tuple(kind.value for kind in ActivityKind)
CATEGORIES = tuple(category.value for category in ChildCategory)
PAPER_SOURCES = (Source.PAPER, Source.IMPORT)


# --- the result ---------------------------------------------------------------------------


def _zeros(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass(frozen=True)
class Figures:
    """The numbers of one row. Dicts are keyed by ActivityKind / ChildCategory values, all present."""

    activities_by_kind: dict[str, int] = field(default_factory=lambda: _zeros(KINDS))
    participations_by_kind: dict[str, int] = field(default_factory=lambda: _zeros(KINDS))
    children_by_kind: dict[str, int] = field(default_factory=lambda: _zeros(KINDS))
    guardians_by_kind: dict[str, int] = field(default_factory=lambda: _zeros(KINDS))
    volunteers_by_kind: dict[str, int] = field(default_factory=lambda: _zeros(KINDS))
    participations_by_category: dict[str, int] = field(default_factory=lambda: _zeros(CATEGORIES))
    children_by_category: dict[str, int] = field(default_factory=lambda: _zeros(CATEGORIES))
    distinct_children: int = 0
    paper_records: int = 0
    digital_records: int = 0
    # Surveys do not exist yet: see survey_figures().
    survey_responses: int = 0
    survey_mean_score: float | None = None

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
        """Every row in export order: each site, then each township subtotal, then the total."""
        sites = [row for block in self.townships for row in block.sites]
        return sites + [block.subtotal for block in self.townships] + [self.total]


# --- the queries --------------------------------------------------------------------------

LEVELS = ("site", "township", "total")
_BY_KIND = (
    "activities_by_kind",
    "participations_by_kind",
    "children_by_kind",
    "guardians_by_kind",
    "volunteers_by_kind",
)


def _level_columns(level: str) -> list:
    """What a level groups by: each site, each township, or nothing (one row for the scope)."""
    return {"site": [Site.id], "township": [Site.township_id], "total": []}[level]


def _empty_values() -> dict:
    return {name: _zeros(KINDS) for name in _BY_KIND} | {
        "participations_by_category": _zeros(CATEGORIES),
        "children_by_category": _zeros(CATEGORIES),
        "distinct_children": 0,
        "paper_records": 0,
        "digital_records": 0,
    }


def _paper(source_column):
    return func.sum(case((source_column.in_(PAPER_SOURCES), 1), else_=0))


class _LevelQueries:
    """The aggregate queries of one level; each returns rows keyed by the level's columns."""

    def __init__(self, level: str, site_ids: Select, date_from: date, date_to: date):
        self.level = level
        self.keys = _level_columns(level)
        self.in_period = and_(
            Activity.site_id.in_(site_ids), Activity.on_date >= date_from, Activity.on_date <= date_to
        )

    def key(self, row) -> int | None:
        return row[0] if self.keys else None

    def run(self, query: Select, *group_by):
        return db.session.execute(query.group_by(*self.keys, *group_by)).all()

    def activities(self, *columns, where) -> Select:
        return (
            select(*self.keys, *columns)
            .select_from(Activity)
            .join(Site, Site.id == Activity.site_id)
            .where(self.in_period, where)
        )

    def attendances(self, *columns) -> Select:
        return (
            select(*self.keys, *columns)
            .select_from(Attendance)
            .join(Activity, Activity.id == Attendance.activity_id)
            .join(Site, Site.id == Activity.site_id)
            .where(self.in_period, Attendance.voided_at.is_(None))
        )

    def adult_signins(self, *columns) -> Select:
        return (
            select(*self.keys, *columns)
            .select_from(AdultSignIn)
            .join(Activity, Activity.id == AdultSignIn.activity_id)
            .join(Site, Site.id == Activity.site_id)
            .where(self.in_period, AdultSignIn.voided_at.is_(None))
        )


def _level_figures(level: str, site_ids: Select, date_from: date, date_to: date, as_of: date) -> dict:
    """{key: values for Figures} for one level; the key is a site id, a township id or None."""
    q = _LevelQueries(level, site_ids, date_from, date_to)
    values: dict = {}

    def slot(row) -> dict:
        return values.setdefault(q.key(row), _empty_values())

    held = or_(
        exists().where(Attendance.activity_id == Activity.id, Attendance.voided_at.is_(None)),
        exists().where(AdultSignIn.activity_id == Activity.id, AdultSignIn.voided_at.is_(None)),
        and_(Activity.kind != ActivityKind.DAILY, Activity.cancelled.is_(False), Activity.on_date <= as_of),
    )
    for row in q.run(q.activities(Activity.kind, func.count(Activity.id), where=held), Activity.kind):
        *_, kind, number = row
        slot(row)["activities_by_kind"][kind.value] = number

    by_kind = q.attendances(
        Activity.kind,
        func.count(Attendance.id),
        func.count(func.distinct(Attendance.child_id)),
        _paper(Attendance.source),
    )
    for row in q.run(by_kind, Activity.kind):
        *_, kind, participations, children, paper = row
        entry = slot(row)
        entry["participations_by_kind"][kind.value] = participations
        entry["children_by_kind"][kind.value] = children
        entry["paper_records"] += paper or 0
        entry["digital_records"] += participations - (paper or 0)

    for row in q.run(q.attendances(func.count(func.distinct(Attendance.child_id)))):
        slot(row)["distinct_children"] = row[-1]

    covers = and_(
        ChildCategoryPeriod.child_id == Attendance.child_id,
        or_(ChildCategoryPeriod.since.is_(None), ChildCategoryPeriod.since <= Activity.on_date),
        or_(ChildCategoryPeriod.until.is_(None), ChildCategoryPeriod.until >= Activity.on_date),
    )
    by_category = q.attendances(
        ChildCategoryPeriod.category,
        # DISTINCT: two overlapping periods of one category must not count a visit twice.
        func.count(func.distinct(Attendance.id)),
        func.count(func.distinct(Attendance.child_id)),
    ).join(ChildCategoryPeriod, covers)
    for row in q.run(by_category, ChildCategoryPeriod.category):
        *_, category, participations, children = row
        entry = slot(row)
        entry["participations_by_category"][category.value] = participations
        entry["children_by_category"][category.value] = children

    adults = q.adult_signins(Activity.kind, AdultSignIn.role, func.count(AdultSignIn.id), _paper(AdultSignIn.source))
    for row in q.run(adults, Activity.kind, AdultSignIn.role):
        *_, kind, role, number, paper = row
        entry = slot(row)
        entry["guardians_by_kind" if role == AdultRole.GUARDIAN else "volunteers_by_kind"][kind.value] = number
        entry["paper_records"] += paper or 0
        entry["digital_records"] += number - (paper or 0)

    for key, (responses, mean) in survey_figures(level, site_ids, date_from, date_to).items():
        values.setdefault(key, _empty_values()).update(survey_responses=responses, survey_mean_score=mean)
    return values


def survey_figures(level: str, site_ids: Select, date_from: date, date_to: date) -> dict:
    """Hook for surveys: {key: (responses, mean score)} per level key, like the queries above.

    Surveys do not exist yet, so there is nothing to count; when they do, this is the one
    place to add their aggregate (COUNT of responses, AVG of rating answers).
    """
    return {}


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


def compute_tally(
    scope: Scope | str,
    date_from: date,
    date_to: date,
    *,
    allowed_site_ids: Select | None = None,
    as_of: date | None = None,
) -> Tally:
    """The tally of ``scope`` from ``date_from`` to ``date_to`` (both included).

    ``allowed_site_ids`` is the caller's scoping subquery (``visible_site_ids(user)``): a view
    always passes it, so a tally never reaches past what the person may see.
    """
    if isinstance(scope, str):
        scope = parse_scope(scope)
    if date_from > date_to:
        raise DomainError(_("The period starts after it ends."), code="bad_period")
    as_of = as_of or local_today()
    scope_label = _scope_label(scope)
    conditions = [_scope_condition(scope)]
    if allowed_site_ids is not None:
        conditions.append(Site.id.in_(allowed_site_ids))
    has_activity = exists().where(
        Activity.site_id == Site.id, Activity.on_date >= date_from, Activity.on_date <= date_to
    )
    listed = db.session.execute(
        select(Site.id, Site.name, Township.id, Township.name)
        .join(Township, Township.id == Site.township_id)
        .where(*conditions, or_(Site.active.is_(True), has_activity))
        .order_by(Township.name, Site.name)
    ).all()
    site_ids = select(Site.id).where(*conditions)
    figures = {level: _level_figures(level, site_ids, date_from, date_to, as_of) for level in LEVELS}

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
