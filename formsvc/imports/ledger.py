"""Importing a district ledger (台账): past activities and who came, one row per person per activity.

The plan reads the whole file, checks every row and matches it against the database with a
handful of queries (sites, activities, children, their categories, the records already
there), never one per row: a ledger of 10,000 rows is planned in about a second. Nothing is
written unless every row is valid; ``ledger_apply`` then writes what the plan says.

Re-importing a file adds nothing: activities are found by site, date, kind and title (a daily
row uses the site's daily opening of that day), children by the roster's name key, and a record
already present (the person at the activity, not voided) is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from sqlalchemy import select

from formsvc.activities.models import Activity, ActivityKind, ActivitySeries, Audience
from formsvc.attendance.models import (
    AdultRole,
    Child,
    ChildCategory,
    Relation,
)
from formsvc.attendance.paper_syntax import BRACKETED_TAIL, name_problem, read_child_name, relation_word, says_who
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports import ledger_values as values
from formsvc.imports.ledger_existing import (
    cancelled_activities,
    existing_activities,
    existing_children,
    existing_periods,
    present_records,
    series_days_without_rows,
)
from formsvc.imports.models import LEDGER_SCOPE, SheetImport
from formsvc.imports.services import FileImportError, file_sha256, previous_import
from formsvc.sites.models import Site, Township
from formsvc.sites.services import RowProblem
from formsvc.tabular import find_header, footer_notice, read_rows, rows_above_footer, too_many_rows_message
from formsvc.text import clean_text, is_mainland_mobile, name_key, normalise_phone
from formsvc.timeutil import local_today

MAX_ROWS = 50_000
ROLES = {Audience.GUARDIANS: AdultRole.GUARDIAN, Audience.VOLUNTEERS: AdultRole.VOLUNTEER}
# (site id, day, kind, folded title); the title is "" for a daily opening.
ActivityKey = tuple[int, date, ActivityKind, str]
# (site id, name key): one child of a site's roster.
PersonKey = tuple[int, str]


@dataclass(frozen=True)
class LedgerRow:
    number: int
    site_id: int
    day: date
    kind: ActivityKind
    title: str
    name: str
    audience: Audience
    village: str = ""
    relation: Relation | None = None
    phone: str = ""
    categories: tuple[ChildCategory, ...] = ()
    # Who signed the child in: "王小明（奶奶）" in the name cell, or the relation column of a child's row.
    signed_by: Relation | None = None

    @property
    def activity_key(self) -> ActivityKey:
        title = "" if self.kind == ActivityKind.DAILY else name_key(self.title)
        return (self.site_id, self.day, self.kind, title)

    @property
    def person(self) -> PersonKey:
        return (self.site_id, name_key(self.name))


@dataclass
class PlannedActivity:
    site_name: str
    day: date
    kind: ActivityKind
    title: str
    existing: Activity | None = None
    # No row yet, but the day of this repeating series (same home, kind and title): importing
    # makes the series' row, which the tally already counts, rather than a second activity.
    series: ActivitySeries | None = None
    needs: set[Audience] = field(default_factory=set)
    new_records: dict[Audience, int] = field(default_factory=lambda: dict.fromkeys(Audience, 0))
    present: int = 0

    @property
    def audiences_to_add(self) -> set[Audience]:
        return self.needs - set(self.existing.audiences) if self.existing else set()


@dataclass
class LedgerPlan:
    """What a ledger import would write; nothing is written unless ``problems`` is empty.

    A file with problems is not matched against the database: its activities, new children and
    category periods stay empty, and are not to be shown as counts of 0.
    """

    filename: str
    sha256: str
    rows: int = 0
    activities: dict[ActivityKey, PlannedActivity] = field(default_factory=dict)
    records: list[LedgerRow] = field(default_factory=list)
    children: dict[PersonKey, Child] = field(default_factory=dict)
    new_children: dict[PersonKey, str] = field(default_factory=dict)
    # (home, name, first row) of each child the import adds to a roster, for the clerk to check.
    new_child_rows: list[tuple[str, str, int]] = field(default_factory=list)
    # The row of the sheet's sign-off line (填表人：…): it refused the whole file as a bad row.
    footer_row: int | None = None
    # (child, category, since, until) to add.
    new_periods: list[tuple[PersonKey, ChildCategory, date, date | None]] = field(default_factory=list)
    already_present: int = 0
    # Rows naming the same person at the same activity as an earlier row: counted once.
    duplicates: list[RowProblem] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    previous: SheetImport | None = None

    @property
    def footer_notice(self) -> str:
        return footer_notice(self.footer_row)

    @property
    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})

    @property
    def new_activities(self) -> int:
        return sum(1 for planned in self.activities.values() if planned.existing is None)

    def new_records(self, audience: Audience) -> int:
        return sum(1 for row in self.records if row.audience == audience)


class _Sites:
    """Every site, found by id or by name, as ``name_key`` folds it (spaces, full width).

    A name two townships share is told apart by an id or by the township written before it
    ("那坡乡新华村儿童之家"); of two homes whose names differ only by spacing, the one spelt
    exactly as the cell is meant.
    """

    def __init__(self):
        self.by_id: dict[int, Site] = {}
        self.by_name: dict[str, list[Site]] = defaultdict(list)
        for site, township in db.session.execute(select(Site, Township.name).join(Township).order_by(Site.id)):
            self.by_id[site.id] = site
            self.by_name[name_key(site.name)].append(site)
            if not name_key(site.name).startswith(name_key(township)):
                self.by_name[name_key(township + site.name)].append(site)

    def find(self, text: str) -> tuple[Site | None, str]:
        if text.isdigit() and int(text) in self.by_id:
            return self.by_id[int(text)], ""
        found = self.by_name.get(name_key(text), [])
        exact = [site for site in found if site.name == clean_text(text)]
        if len(found) == 1 or len(exact) == 1:
            return (exact or found)[0], ""
        if found:
            return None, _("Several Children's Homes are called “{name}”; please give the site's id.").format(name=text)
        return None, _("No Children's Home “{name}”.").format(name=text)


def _parse_row(number: int, cells: dict[str, str], sites: _Sites, today: date) -> tuple[LedgerRow | None, list]:
    """One row as a LedgerRow, or the problems of its cells as (column key, message)."""
    problems: list[tuple[str, str]] = []
    for key in values.REQUIRED_LEDGER_COLUMNS:
        if not cells[key]:
            problems.append((key, _("This cell must not be empty.")))
    missing = {key for key, _message in problems}
    site, problem = sites.find(cells["site"]) if "site" not in missing else (None, "")
    if problem:
        problems.append(("site", problem))
    day, problem = values.parse_day(cells["date"], today) if "date" not in missing else (None, "")
    if problem:
        problems.append(("date", problem))
    kind = values.parse_kind(cells["kind"])
    if kind is None and "kind" not in missing:
        problems.append(("kind", _("Unknown kind of activity “{value}”.").format(value=cells["kind"])))
    audience = values.parse_role(cells["role"])
    if audience is None and "role" not in missing:
        message = _("Unknown role “{value}”: child, guardian or volunteer.").format(value=cells["role"])
        problems.append(("role", message))
    name, title, village = clean_text(cells["name"]), clean_text(cells["title"]), clean_text(cells["village"])
    signed_by = said_relation = None
    if name and audience == Audience.CHILDREN and not says_who(name.split()[0]):
        # "王小明（奶奶）", "王小明 奶奶": the child, signed in by the grandmother
        name, signed_by, problem = read_child_name(name)
    elif name and audience == Audience.GUARDIANS and (bracketed := BRACKETED_TAIL.match(name)):
        # "李秀英（奶奶）": the guardian's relation in brackets after the name
        if bracketed["name"] and (said_relation := relation_word(bracketed["word"])):
            name = bracketed["name"]
        problem = name_problem(name)
    else:
        problem = name_problem(name) if name else ""
    if problem:
        problems.append(("name", problem))
    if len(title) > values.TITLE_MAX:
        problems.append(("title", _("At most {max} characters.").format(max=values.TITLE_MAX)))
    if len(village) > values.VILLAGE_MAX:
        problems.append(("village", _("At most {max} characters.").format(max=values.VILLAGE_MAX)))
    relation = values.parse_relation(cells["relation"]) if cells["relation"] else None
    if cells["relation"] and relation is None:
        problems.append(("relation", _("Unknown relation “{value}”.").format(value=cells["relation"])))
    if relation and said_relation and relation != said_relation:
        message = _("The name says “{said}”, the relation column “{relation}”.")
        problems.append(("relation", message.format(said=said_relation.title, relation=relation.title)))
    relation = relation or said_relation
    phone = normalise_phone(cells["phone"])
    if phone and not is_mainland_mobile(phone):
        problems.append(("phone", _("“{text}” is not an 11-digit mobile number.").format(text=cells["phone"])))
    categories, unknown = values.parse_categories(cells["categories"])
    if unknown:
        problems.append(("categories", _("Unknown category “{value}”.").format(value="、".join(unknown))))
    elif categories and audience not in (None, Audience.CHILDREN):
        problems.append(("categories", _("Categories are for children only.")))
    if problems:
        return None, problems
    row = LedgerRow(
        number=number,
        site_id=site.id,
        day=day,
        kind=kind,
        title="" if kind == ActivityKind.DAILY else title,
        name=name,
        audience=audience,
        village=village if audience != Audience.CHILDREN else "",
        relation=relation if audience == Audience.GUARDIANS else None,
        phone=phone if audience != Audience.CHILDREN else "",
        categories=categories,
        signed_by=(signed_by or relation) if audience == Audience.CHILDREN else None,
    )
    return row, []


def _of_cancelled_activities(rows: list[LedgerRow], date_column: str) -> list[RowProblem]:
    """Rows of an activity that was cancelled: it did not happen, so nothing of it may count.

    A daily opening is one a day: its rows would meet the cancelled one and be refused as a change
    since the plan, however often it were tried again. Any other activity used to get a twin of
    the same title that day, which took the records and counted as held, hiding the contradiction.
    The clerk fixes the sheet, or the activity is restored on that day's page.
    """
    cancelled = cancelled_activities(rows)
    if not cancelled:
        return []
    days = {(site_id, day) for site_id, day, _kind, _title in cancelled}
    rows = [row for row in rows if (row.site_id, row.day) in days]
    if any(key[2] != ActivityKind.DAILY for key in cancelled):
        # A series' day with no row yet and the same title is held: the rows go there.
        for key in series_days_without_rows([row for row in rows if row.activity_key in cancelled]):
            cancelled.pop(key, None)
    closed = _(
        "The daily opening of {home} on {day} was cancelled. Correct the date; if the home was open "
        "that day, restore the opening on that day's page first."
    )
    called_off = _(
        "“{activity}” at {home} on {day} was cancelled. Correct the date; if it took place that day, "
        "restore the activity on that day's page first."
    )
    problems = []
    for row in rows:
        if (found := cancelled.get(row.activity_key)) is None:
            continue
        home, activity, activity_id = found
        message = closed if row.kind == ActivityKind.DAILY else called_off
        day = format_date(row.day, "long")
        text = message.format(home=home, day=day, activity=activity)
        problems.append(RowProblem(row.number, date_column, text, day_page=(row.site_id, row.day, activity_id)))
    return problems


def _covered(day: date, periods: list[tuple[date | None, date | None]]) -> bool:
    return any((since is None or since <= day) and (until is None or until >= day) for since, until in periods)


def _plan_categories(plan: LedgerPlan, wanted: dict[tuple[PersonKey, ChildCategory], set[date]]) -> None:
    """A period from the first day not yet covered, ending before a later period of the same category."""
    existing = existing_periods(list(plan.children.values()))
    for (person, category), days in sorted(wanted.items(), key=lambda item: (item[0][0], item[0][1].value)):
        child = plan.children.get(person)
        periods = existing.get(child.id, []) if child else []
        known = [(since, until) for kind, since, until in periods if kind == category]
        for day in sorted(days):
            if _covered(day, known):
                continue
            later = [since for since, _until in known if since is not None and since > day]
            until = min(later) - timedelta(days=1) if later else None
            known.append((day, until))
            plan.new_periods.append((person, category, day, until))


def _match(plan: LedgerPlan, rows: list[LedgerRow], sites: _Sites) -> None:
    existing = existing_activities(rows)
    series_days = series_days_without_rows(rows)
    plan.children = existing_children({row.person for row in rows if row.audience == Audience.CHILDREN})
    present_children, present_adults = present_records([activity.id for activity in existing.values()])
    seen: dict[tuple, int] = {}
    wanted: dict[tuple[PersonKey, ChildCategory], set[date]] = defaultdict(set)
    for row in rows:
        key = row.activity_key
        planned = plan.activities.get(key)
        if planned is None:
            site_name = sites.by_id[row.site_id].name
            found = existing.get(key)
            series = series_days.get(key) if found is None else None
            planned = PlannedActivity(site_name, row.day, row.kind, row.title, existing=found, series=series)
            plan.activities[key] = planned
        planned.needs.add(row.audience)
        activity_id = planned.existing.id if planned.existing else None
        if row.audience == Audience.CHILDREN:
            child = plan.children.get(row.person)
            if child is None and row.person not in plan.new_children:
                plan.new_children[row.person] = row.name
                plan.new_child_rows.append((sites.by_id[row.site_id].name, row.name, row.number))
            for category in row.categories:
                wanted[(row.person, category)].add(row.day)
            record_key = (key, row.audience, row.person[1])
            present = child is not None and (activity_id, child.id) in present_children
        else:
            record_key = (key, row.audience, row.person[1])
            present = (activity_id, ROLES[row.audience], row.person[1]) in present_adults
        if record_key in seen:
            message = _("Same person at the same activity as row {row}; counted once.").format(row=seen[record_key])
            plan.duplicates.append(RowProblem(row.number, "name", message))
            continue
        seen[record_key] = row.number
        if present:
            plan.already_present += 1
            planned.present += 1
            continue
        plan.records.append(row)
        planned.new_records[row.audience] += 1
    _plan_categories(plan, wanted)


def plan_ledger_import(raw: bytes, filename: str, today: date | None = None) -> LedgerPlan:
    """Read a ledger and say what importing it would write; writes nothing."""
    plan = LedgerPlan(filename, file_sha256(raw))
    rows = read_rows(raw, filename)
    if not rows:
        raise FileImportError(_("The file is empty."), code="empty_file")
    header_at, columns = find_header(rows, values.LEDGER_COLUMNS, values.REQUIRED_LEDGER_COLUMNS)
    header = {key: rows[header_at][position].strip() for key, position in columns.items()}
    sites = _Sites()
    today = today or local_today()
    parsed: list[LedgerRow] = []
    body, plan.footer_row = rows_above_footer(rows, header_at)
    filled = [(number, row) for number, row in body if any(cell.strip() for cell in row)]
    if len(filled) > MAX_ROWS:
        raise FileImportError(too_many_rows_message(len(filled), MAX_ROWS), code="too_many_rows")
    for number, row in filled:
        plan.rows += 1
        cells = {
            key: row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""
            for key in values.LEDGER_KEYS
        }
        ledger_row, problems = _parse_row(number, cells, sites, today)
        plan.problems += [RowProblem(number, header.get(key, key), message) for key, message in problems]
        if ledger_row is not None:
            parsed.append(ledger_row)
    if not plan.rows:
        raise FileImportError(_("The file has no rows below its header."), code="no_rows")
    plan.problems += _of_cancelled_activities(parsed, header["date"])
    plan.problems.sort(key=lambda problem: problem.row)
    plan.previous = previous_import(LEDGER_SCOPE, plan.sha256)
    if not plan.problems:
        _match(plan, parsed, sites)
        plan.duplicates = [RowProblem(item.row, header["name"], item.message) for item in plan.duplicates]
    return plan
