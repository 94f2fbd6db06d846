"""The tally's SQL: every figure of every site, township and the scope, one statement each.

Each figure is read in ONE statement for all three levels: a CTE holds one row per child at
the finest grain a level needs (site × kind × child for visits: 54,000 rows for a district
year), and a UNION ALL of GROUP BYs over it gives each site, each township and the whole
scope. Distinct children stay exact: a township counts the distinct child ids of the CTE
across its sites, never a sum of site figures.

The per-child rows of whole months come from the yearly rollups (formsvc/tallies/models.py,
kept in step by triggers), the days of a month the period only cuts from the raw records;
"held" comes from ``activity_counts``, plus the repeating series' days that have no row yet,
counted in Python from their schedule. docs/performance.md shows the plans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)

from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, ChildCategory, ChildCategoryPeriod, Source
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.surveys.results import survey_scores
from formsvc.tallies.models import (
    ActivityCount,
    CategoryVisitYear,
    VisitYear,
    months_sum,
    paper_column,
    visits_column,
)
from formsvc.tallies.periods import split_months
from formsvc.timeutil import local_to_utc, local_today

KINDS = tuple(kind.value for kind in ActivityKind)
CATEGORIES = tuple(category.value for category in ChildCategory)
PAPER_SOURCES = (Source.PAPER, Source.IMPORT)


def zeros(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


LEVELS = ("site", "township", "total")
_BY_KIND = (
    "activities_by_kind",
    "participations_by_kind",
    "children_by_kind",
    "guardians_by_kind",
    "volunteers_by_kind",
)


def _empty_values() -> dict:
    return {name: zeros(KINDS) for name in _BY_KIND} | {
        "participations_by_category": zeros(CATEGORIES),
        "children_by_category": zeros(CATEGORIES),
        "distinct_children": 0,
        "paper_records": 0,
        "digital_records": 0,
    }


def _paper(source_column):
    return func.sum(case((source_column.in_(PAPER_SOURCES), 1), else_=0))


def _value(member) -> str | None:
    """An enum column's value, whether the driver handed back the member or its string."""
    return None if member is None else getattr(member, "value", member)


def _by_level(cte, dims: list, measures: list, *, overall: bool = False) -> list:
    """Rows ``(level, key, *dims, *measures)`` for every site, township and the whole scope.

    ``measures`` are callables of the CTE (aggregates over it); with ``overall`` each level
    also gets rows with every dim NULL, aggregated over all dims (e.g. distinct children of
    all kinds together).
    """
    parts = []
    for level, key in (("site", cte.c.site_id), ("township", cte.c.township_id), ("total", None)):
        label = literal_column(f"'{level}'").label("level")
        key_column = (key if key is not None else cast(null(), Integer)).label("key")
        keys = [] if key is None else [key]
        columns = [measure(cte) for measure in measures]
        parts.append(select(label, key_column, *dims, *columns).group_by(*keys, *dims))
        if overall:
            nulls = [cast(null(), dim.type).label(dim.name) for dim in dims]
            parts.append(select(label, key_column, *nulls, *columns).group_by(*keys))
    return db.session.execute(union_all(*parts)).all()


def _scoped(query: Select, site_ids: Select, date_from: date, date_to: date) -> Select:
    return query.join(Site, Site.id == Activity.site_id).where(
        Activity.site_id.in_(site_ids), Activity.on_date >= date_from, Activity.on_date <= date_to
    )


class _Values(dict):
    """{level: {key: values for Figures}}; the key is a site id, a township id or None."""

    def __init__(self):
        super().__init__({level: {} for level in LEVELS})

    def slot(self, row) -> dict:
        return self.at(row.level, row.key)

    def at(self, level: str, key) -> dict:
        return self[level].setdefault(key, _empty_values())


def _levels_of(site_ids) -> dict[int, tuple[tuple[str, int | None], ...]]:
    """For each site, the (level, key) slots its figures add to: its own, its township's, the total's."""
    if not site_ids:
        return {}
    townships = db.session.execute(select(Site.id, Site.township_id).where(Site.id.in_(sorted(site_ids)))).all()
    return {
        site_id: (("site", site_id), ("township", township_id), ("total", None)) for site_id, township_id in townships
    }


_PLACE = (Activity.site_id.label("site_id"), Site.township_id.label("township_id"))


def _held_figures(values: _Values, site_ids: Select, date_from: date, date_to: date, as_of: datetime) -> None:
    counts = ActivityCount.__table__.c
    held = or_(
        # a counted sign-in, child or adult: the activity's row in activity_counts (kept by triggers)
        exists().where(counts.activity_id == Activity.id),
        and_(Activity.kind != ActivityKind.DAILY, Activity.cancelled.is_(False), Activity.opens_at <= as_of),
    )
    activities = _scoped(
        select(*_PLACE, Activity.kind.label("kind"), func.count(Activity.id).label("n")).select_from(Activity),
        site_ids,
        date_from,
        date_to,
    ).where(held)
    activities = activities.group_by(Activity.site_id, Site.township_id, Activity.kind).cte("held")
    for row in _by_level(activities, [activities.c.kind], [lambda c: func.sum(c.c.n)]):
        values.slot(row)["activities_by_kind"][_value(row.kind)] = int(row[-1] or 0)


def _unmade_series_figures(values: _Values, unmade: Mapping[ActivitySeries, list[date]], as_of: datetime) -> None:
    """Add the series' days that have no row yet, held as their row would be once made.

    Such a day has no sign-in and is not cancelled (cancelling, moving or signing in makes
    its row), so it is held when its kind is not the daily opening and it has started: any
    day before today's (``unmade`` ends today at the latest), today's once it has opened.
    """
    today = local_today(as_of)
    held: Counter = Counter()
    for series, days in unmade.items():
        if series.kind == ActivityKind.DAILY:
            continue
        not_started = days[-1] == today and local_to_utc(today, series.opens) > as_of
        if len(days) > not_started:
            held[(series.site_id, _value(series.kind))] += len(days) - not_started
    levels_of = _levels_of({site_id for site_id, _kind in held})
    for (site_id, kind), number in held.items():
        for level, key in levels_of[site_id]:
            values.at(level, key)["activities_by_kind"][kind] += number


def _raw_visits(site_ids: Select, date_from: date, date_to: date) -> Select:
    """(site, township, kind, child, visits, paper) from the attendance rows of a few days."""
    query = select(
        *_PLACE,
        Activity.kind.label("kind"),
        Attendance.child_id.label("child_id"),
        func.count().label("n"),
        _paper(Attendance.source).label("paper"),
    ).select_from(Attendance)
    query = _scoped(query.join(Activity, Activity.id == Attendance.activity_id), site_ids, date_from, date_to)
    return query.where(Attendance.voided_at.is_(None)).group_by(
        Activity.site_id, Site.township_id, Activity.kind, Attendance.child_id
    )


def _rolled(model, dim: str, site_ids: Select, year: int, first_month: int, last_month: int, *, paper: bool):
    """(site, township, dim, child, visits[, paper]) from a yearly rollup: the sum of the period's months."""
    rollup = model.__table__.c
    visits = months_sum(model, visits_column, first_month, last_month)
    columns = [
        rollup.site_id.label("site_id"),
        Site.township_id.label("township_id"),
        rollup[dim].label(dim),
        rollup.child_id.label("child_id"),
        visits.label("n"),
    ]
    if paper:
        columns.append(months_sum(model, paper_column, first_month, last_month).label("paper"))
    return (
        select(*columns)
        .join(Site, Site.id == rollup.site_id)
        .where(rollup.site_id.in_(site_ids), rollup.year == year, visits > 0)
    )


def _rolled_visits(site_ids: Select, year: int, first_month: int, last_month: int) -> Select:
    return _rolled(VisitYear, "kind", site_ids, year, first_month, last_month, paper=True)


def category_covers():
    """The join of an attendance (with its activity) to the category periods of its child that cover its day."""
    return and_(
        ChildCategoryPeriod.child_id == Attendance.child_id,
        or_(ChildCategoryPeriod.since.is_(None), ChildCategoryPeriod.since <= Activity.on_date),
        or_(ChildCategoryPeriod.until.is_(None), ChildCategoryPeriod.until >= Activity.on_date),
    )


def _raw_categorised(site_ids: Select, date_from: date, date_to: date) -> Select:
    """(site, township, category, child, visits) from the attendance rows of a few days."""
    query = select(
        *_PLACE,
        ChildCategoryPeriod.category.label("category"),
        Attendance.child_id.label("child_id"),
        # DISTINCT: two overlapping periods of one category must not count a visit twice.
        func.count(func.distinct(Attendance.id)).label("n"),
    ).select_from(Attendance)
    query = query.join(Activity, Activity.id == Attendance.activity_id).join(ChildCategoryPeriod, category_covers())
    return (
        _scoped(query, site_ids, date_from, date_to)
        .where(Attendance.voided_at.is_(None))
        .group_by(Activity.site_id, Site.township_id, ChildCategoryPeriod.category, Attendance.child_id)
    )


def _rolled_categorised(site_ids: Select, year: int, first_month: int, last_month: int) -> Select:
    return _rolled(CategoryVisitYear, "category", site_ids, year, first_month, last_month, paper=False)


def _per_child(name: str, dim: str, measures: tuple[str, ...], raw, rolled, site_ids, date_from, date_to):
    """A CTE of (site, township, dim, child, *measures) over the period, one row per child.

    Whole months come from the yearly rollup (one row per child and year), the days of a
    month the period covers only in part from the raw rows; when there is more than one
    part (a period over two years, or cut months) the parts are summed per child.
    """
    years, days = split_months(date_from, date_to)
    parts = [rolled(site_ids, *year) for year in years] + [raw(site_ids, *span) for span in days]
    if len(parts) == 1:
        return parts[0].cte(name)
    if not parts:  # an empty period
        return raw(site_ids, date_from, date_to).cte(name)
    rows = union_all(*parts).subquery()
    keys = [rows.c.site_id, rows.c.township_id, rows.c[dim], rows.c.child_id]
    sums = [func.sum(rows.c[measure]).label(measure) for measure in measures]
    return select(*keys, *sums).group_by(*keys).cte(name)


def _visit_figures(values: _Values, site_ids: Select, date_from: date, date_to: date) -> None:
    """Child visits and distinct children by kind and overall, paper and digital records."""
    visits = _per_child("visits", "kind", ("n", "paper"), _raw_visits, _rolled_visits, site_ids, date_from, date_to)
    measures = [
        lambda c: func.sum(c.c.n),
        lambda c: func.count(func.distinct(c.c.child_id)),
        lambda c: func.sum(c.c.paper),
    ]
    for row in _by_level(visits, [visits.c.kind], measures, overall=True):
        *_, participations, children, paper = row
        entry = values.slot(row)
        if row.kind is None:
            entry["distinct_children"] = children
            entry["paper_records"] += int(paper or 0)
            entry["digital_records"] += int((participations or 0) - (paper or 0))
            continue
        entry["participations_by_kind"][_value(row.kind)] = int(participations)
        entry["children_by_kind"][_value(row.kind)] = children


def _category_figures(values: _Values, site_ids: Select, date_from: date, date_to: date) -> None:
    categorised = _per_child(
        "categorised", "category", ("n",), _raw_categorised, _rolled_categorised, site_ids, date_from, date_to
    )
    measures = [lambda c: func.sum(c.c.n), lambda c: func.count(func.distinct(c.c.child_id))]
    for row in _by_level(categorised, [categorised.c.category], measures):
        *_, participations, children = row
        entry = values.slot(row)
        entry["participations_by_category"][_value(row.category)] = int(participations)
        entry["children_by_category"][_value(row.category)] = children


def _adult_figures(values: _Values, site_ids: Select, date_from: date, date_to: date) -> None:
    adults = _scoped(
        select(
            *_PLACE,
            Activity.kind.label("kind"),
            AdultSignIn.role.label("role"),
            func.count().label("n"),
            _paper(AdultSignIn.source).label("paper"),
        )
        .select_from(AdultSignIn)
        .join(Activity, Activity.id == AdultSignIn.activity_id),
        site_ids,
        date_from,
        date_to,
    ).where(AdultSignIn.voided_at.is_(None))
    adults = adults.group_by(Activity.site_id, Site.township_id, Activity.kind, AdultSignIn.role).cte("adults")
    measures = [lambda c: func.sum(c.c.n), lambda c: func.sum(c.c.paper)]
    for row in _by_level(adults, [adults.c.kind, adults.c.role], measures):
        *_, number, paper = row
        number, paper = int(number or 0), int(paper or 0)
        entry = values.slot(row)
        by_role = "guardians_by_kind" if _value(row.role) == AdultRole.GUARDIAN.value else "volunteers_by_kind"
        entry[by_role][_value(row.kind)] = number
        entry["paper_records"] += paper
        entry["digital_records"] += number - paper


def tune_session() -> None:
    """PostgreSQL only: settings for the tally's own transaction (SET LOCAL ends with it)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    # The per-child grain of a year (~1 M rows) is hashed and sorted in memory, not on disk,
    # and without JIT: compiling these plans cost ~0.9 s of a 2 s district year.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    db.session.execute(text("SET LOCAL jit = off"))


def all_levels(
    site_ids: Select,
    date_from: date,
    date_to: date,
    as_of: datetime,
    unmade: Mapping[ActivitySeries, list[date]] | None = None,
) -> _Values:
    """Every figure of every site, township and the scope of ``site_ids`` in the period.

    ``unmade`` are the period's series days that have no row yet (``unmade_series_days``).
    """
    values = _Values()
    tune_session()
    _held_figures(values, site_ids, date_from, date_to, as_of)
    _unmade_series_figures(values, unmade or {}, as_of)
    _visit_figures(values, site_ids, date_from, date_to)
    _category_figures(values, site_ids, date_from, date_to)
    _adult_figures(values, site_ids, date_from, date_to)
    for level, figures in survey_figures(site_ids, date_from, date_to).items():
        for key, survey in figures.items():
            values[level].setdefault(key, _empty_values()).update(survey)
    return values


def survey_figures(site_ids: Select, date_from: date, date_to: date) -> dict:
    """{level: {key: survey fields of Figures}}: responses and the mean of every rating answer.

    A township's or the scope's mean is its summed rating total over its summed rating
    answers (every answer weighs the same), never a mean of the sites' means.
    """
    scores = survey_scores(site_ids, date_from, date_to)
    levels_of = _levels_of(set(scores))
    sums: dict = {level: {} for level in LEVELS}
    for site_id, score in scores.items():
        for level, key in levels_of[site_id]:
            responses, answers, total = sums[level].get(key, (0, 0, 0))
            sums[level][key] = (responses + score.responses, answers + score.rating_answers, total + score.rating_total)
    return {
        level: {
            key: {
                "survey_responses": responses,
                "survey_rating_answers": answers,
                "survey_rating_total": total,
                "survey_mean_rating": total / answers if answers else None,
            }
            for key, (responses, answers, total) in by_key.items()
        }
        for level, by_key in sums.items()
    }
