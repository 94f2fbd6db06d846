"""Importing a home's existing roster (花名册 / 台账) from a spreadsheet, as its manager keeps it.

Every row goes through the roster's own child form (``admin_forms.ChildForm``), so the import
accepts exactly what adding a child by hand accepts and says so in the same words; the cells
are only translated into what the form takes first (男 → boy, 2015年3月 → 2015, 留守、困境 →
two ticked categories). As in the other imports, nothing is written unless every row is valid.

A row whose name is on the home's roster (the same name key, on the roster or waiting for
review) changes only the cells the file fills in — a column the file lacks or an empty cell
keeps what the roster says, and categories are only added — any other row adds a child. The
children are written by the roster's own ``add_child`` and ``update_child`` (its checks and
audit entries), once per file and home (``import_once`` on the file's SHA-256).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from formsvc.accounts.models import User
from formsvc.attendance.admin_forms import ChildForm
from formsvc.attendance.models import BOY, GIRL, Child, ChildCategory
from formsvc.attendance.roster import ROSTER_STATUSES, CategoryPeriodData, ChildData, add_child, update_child
from formsvc.attendance.roster_sheet import ROSTER_COLUMNS, read_columns, total_word
from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.ledger_values import EXCEL_EPOCH, EXCEL_SERIAL_RE, parse_categories, parse_relation
from formsvc.imports.models import SheetImport
from formsvc.imports.services import FileImportError, file_sha256, import_once, previous_import
from formsvc.sites.models import Site
from formsvc.sites.services import RowProblem
from formsvc.tabular import find_header, footer_notice, is_footer_row, read_rows, too_many_rows_message
from formsvc.text import clean_text, name_key
from formsvc.timeutil import local_today

# The required column: its key is also its English header, the value its Chinese one.
REQUIRED_ROSTER_COLUMNS = {"name": "姓名"}
# A home has dozens of children, a large one a few hundred: a file far longer is not its roster.
MAX_ROWS = 1000

# The child form's field behind each column; the categories are one check box per category.
FORM_FIELDS = {
    "name": "name",
    "gender": "gender",
    "birth": "birth_year",
    "grade": "grade",
    "guardian_name": "guardian_name",
    "relation": "guardian_relation",
    "phone": "guardian_phone",
}
COLUMN_OF_FIELD = {form_field: column for column, form_field in FORM_FIELDS.items()}
# Compared by name key: "三年级 " and "三年级", "王 大" and "王大" are no change.
TEXT_FIELDS = ("grade", "guardian_name")

GENDER_WORDS = {
    GIRL: ("女", "女孩", "女生", "f", "female", "girl"),
    BOY: ("男", "男孩", "男生", "m", "male", "boy"),
}
GENDERS = {name_key(word): value for value, words in GENDER_WORDS.items() for word in words}
# A year (2015, 2015年), a month (2015.03, 2015-3, 2015年3月) or a day (2015-03-08, 2015/3/8,
# 2015年3月8日, an Excel date cell read as "2015-03-08 00:00:00"); only the year is kept.
BIRTH_RE = re.compile(
    r"^(?P<year>\d{4})\s*(?:年|[-/.年]\s*(?P<month>\d{1,2})\s*(?:月|[-/.月]\s*(?P<day>\d{1,2})\s*日?)?)?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
COMPACT_BIRTH_RE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})?$")  # 201503, 20150308
# A subtotal closes one group of a roster grouped by category; the next group's children follow
# it, so it is skipped, where a total ends the children.
SUBTOTAL_WORDS = ("小计",)


def roster_scope(site_id: int) -> str:
    """The import claim's scope: the same file counts once per home."""
    return f"roster:{site_id}"


class RowAction(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass(frozen=True)
class RosterRow:
    number: int
    name: str
    action: RowAction
    # What the child will hold once saved: all of it for a new child, the roster's values with
    # the file's filled-in cells for one already there. None for a row with problems.
    data: ChildData | None = None
    child: Child | None = None
    # The columns whose values change (UPDATE), in the child form's order.
    changed: tuple[str, ...] = ()
    problems: tuple[RowProblem, ...] = ()


@dataclass
class RosterPlan:
    """What importing the file would do; nothing is written unless ``problems`` is empty."""

    filename: str
    sha256: str
    # Column key → its title in the file, in the file's order, for the messages and the preview.
    titles: dict[str, str] = field(default_factory=dict)
    # The file's titles that are not read (序号, 民族, a misspelt one): the preview lists them.
    unread_titles: list[str] = field(default_factory=list)
    rows: list[RosterRow] = field(default_factory=list)
    previous: SheetImport | None = None
    # Where the children end before the sheet does, whichever comes first: the total row (合计 |
    # 6人) or the sign-off line (填表人：…). It and the rows below it are not read.
    total_row: int | None = None
    total_word: str = ""
    footer_row: int | None = None
    # The subtotals (小计) between groups of children: skipped, the rows below them are read.
    subtotal_rows: list[int] = field(default_factory=list)

    def count(self, action: RowAction) -> int:
        return sum(row.action == action for row in self.rows)

    @property
    def problems(self) -> list[RowProblem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def changes(self) -> bool:
        return any(row.action in (RowAction.NEW, RowAction.UPDATE) for row in self.rows)

    @property
    def notices(self) -> list[str]:
        """The rows of the sheet that are not children and were left out, for the preview."""
        notices = []
        if self.subtotal_rows:
            rows = "、".join(str(number) for number in self.subtotal_rows)
            notices.append(_("Subtotal rows (小计), not imported: {rows}.").format(rows=rows))
        if self.total_row is not None:
            message = _("Row {row} is the table's total ({word}); it and the rows below it are not imported.")
            notices.append(message.format(row=self.total_row, word=self.total_word))
        if self.footer_row is not None:
            notices.append(footer_notice(self.footer_row))
        return notices


@dataclass(frozen=True)
class RosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The same file had been imported into this home before: nothing was written.
    repeated: bool = False
    previous: SheetImport | None = None


def birth_year(text: str) -> int | None:
    """The year of a birth date written as a year, a month or a day, or an Excel date serial."""
    text = unicodedata.normalize("NFKC", text).strip()
    if EXCEL_SERIAL_RE.match(text):
        return (EXCEL_EPOCH + timedelta(days=int(float(text)))).year
    match = BIRTH_RE.match(text) or COMPACT_BIRTH_RE.match(text)
    if match is None:
        return None
    year, month, day = match.group("year"), match.group("month"), match.group("day")
    try:
        date(int(year), int(month or 1), int(day or 1))  # 2015.13 or 2015-02-30 is no date
    except ValueError:
        return None
    return int(year)


def _form_values(cells: dict[str, str]) -> tuple[MultiDict, list[tuple[str, str]]]:
    """The row as the child form would be sent, and the cells that cannot be put into it.

    A cell that cannot be read is left out of the form, so its problem is said once, here.
    """
    values: MultiDict = MultiDict()
    problems: list[tuple[str, str]] = []
    for column, text in cells.items():
        if not text:
            continue
        if column in ("name", "grade", "guardian_name", "phone"):
            values[FORM_FIELDS[column]] = text
        elif column == "gender":
            gender = GENDERS.get(name_key(text))
            if gender is None:
                problems.append((column, _("“{value}” is neither 男 nor 女.").format(value=text)))
            else:
                values["gender"] = gender
        elif column == "birth":
            year = birth_year(text)
            if year is None:
                message = _("“{value}” is not a year or date of birth such as 2015, 2015.03 or 2015-03-08.")
                problems.append((column, message.format(value=text)))
            else:
                values["birth_year"] = str(year)
        elif column == "relation":
            relation = parse_relation(text)
            if relation is None:
                problems.append((column, _("Unknown relation “{value}”.").format(value=text)))
            else:
                values["guardian_relation"] = relation.value
        elif column == "categories":
            categories, unknown = parse_categories(text)
            if unknown:
                problems.append((column, _("Unknown category “{value}”.").format(value="、".join(unknown))))
            for category in categories:
                values[category.value] = "y"
    return values, problems


def _checked(cells: dict[str, str]) -> tuple[ChildData | None, list[tuple[str, str]]]:
    """The row as the child form reads it, or the problems, each with its column."""
    values, problems = _form_values(cells)
    form = ChildForm(formdata=values, meta={"csrf": False})
    if not form.validate():
        for form_field, messages in form.errors.items():
            problems.append((COLUMN_OF_FIELD.get(form_field, "categories"), str(messages[0])))
    return (None if problems else form.child_data()), problems


def _merged(child: Child, data: ChildData, filled: set[str], today: date) -> tuple[ChildData, tuple[str, ...]]:
    """The roster's child with the file's filled-in cells, and the columns that change.

    Categories are only added: one the file does not list may still hold (the ledger may be
    older than the roster), and ending one is a decision made on the child's page. A category
    whose last period has ended starts a new period today, so the months it covered keep
    their tallies.
    """
    kept = {form_field: getattr(child, form_field) for form_field in FORM_FIELDS.values() if form_field != "name"}
    changed = []
    for column, form_field in FORM_FIELDS.items():
        if column not in filled or column == "name":
            continue
        old, new = kept[form_field], getattr(data, form_field)
        same = name_key(old or "") == name_key(new or "") if form_field in TEXT_FIELDS else old == new
        if not same:
            kept[form_field] = new
            changed.append(column)
    periods: dict[ChildCategory, CategoryPeriodData] = {}
    for period in child.categories:  # ordered by id: the latest period of a category wins
        periods[period.category] = CategoryPeriodData(period.category, period.since, period.until)
    added = False
    for wanted in data.categories:
        latest = periods.get(wanted.category)
        if latest is None:
            periods[wanted.category] = CategoryPeriodData(wanted.category)
        elif latest.until is not None and latest.until < today:
            periods[wanted.category] = CategoryPeriodData(wanted.category, since=today)
        else:
            continue
        added = True
    if added:
        changed.append("categories")
    return ChildData(name=child.name, categories=tuple(periods.values()), **kept), tuple(changed)


class _Roster:
    """The home's children that a row can match, by name key."""

    def __init__(self, site: Site):
        self.by_key: dict[str, list[Child]] = defaultdict(list)
        children = db.session.execute(
            select(Child)
            .where(Child.site_id == site.id, Child.status.in_(ROSTER_STATUSES), Child.purged_at.is_(None))
            .options(selectinload(Child.categories))
            .order_by(Child.id)
        ).scalars()
        for child in children:
            self.by_key[child.name_key].append(child)


def _plan_row(number: int, cells: dict[str, str], plan: RosterPlan, roster: _Roster, seen: dict[str, int]) -> RosterRow:
    """What the row would do; a problem names its column as the file's header does (联系电话, not phone)."""
    data, problems = _checked(cells)
    name = clean_text(cells.get("name"))
    key = name_key(name)
    if key and key in seen:
        message = _(
            "Same name as row {row}. If these are two children, tell them apart in the file, such as 王小明(大)"
            " and 王小明(小)."
        )
        problems.append(("name", message.format(row=seen[key])))
    elif key:
        seen[key] = number
    matches = roster.by_key.get(key, [])
    if len(matches) > 1:
        message = _(
            "Several children on the roster are called “{name}”; the file cannot say which one it means. Tell"
            " them apart on the roster first, such as 王小明(大)."
        )
        problems.append(("name", message.format(name=name)))
    if problems:
        found = tuple(RowProblem(number, plan.titles.get(column, column), message) for column, message in problems)
        return RosterRow(number, name, RowAction.INVALID, problems=found)
    if not matches:
        return RosterRow(number, name, RowAction.NEW, data=data)
    child = matches[0]
    filled = {column for column, text in cells.items() if text}
    merged, changed = _merged(child, data, filled, local_today())
    action = RowAction.UPDATE if changed else RowAction.UNCHANGED
    return RosterRow(number, child.name, action, data=merged, child=child, changed=changed)


def plan_roster_import(site: Site, raw: bytes, filename: str) -> RosterPlan:
    """Read a home's roster file and say what importing it would do; writes nothing.

    The children end at the table's total (合计 | 6人) or its sign-off line (填表人：…), as the
    manager reads the sheet; the preview says where.
    """
    plan = RosterPlan(filename, file_sha256(raw))
    rows = read_rows(raw, filename)
    if not rows:
        raise FileImportError(_("The file is empty."), code="empty_file")
    header_at, found = find_header(rows, ROSTER_COLUMNS, REQUIRED_ROSTER_COLUMNS)
    columns = read_columns(rows, header_at, found)
    plan.titles, plan.unread_titles = columns.titles, columns.unread
    roster = _Roster(site)
    seen: dict[str, int] = {}
    beyond = 0  # the children's rows past MAX_ROWS
    for number, row in enumerate(rows[columns.first :], start=columns.first + 1):
        if is_footer_row(row):
            # What follows the sign-off (a second one, a note on the sources) is no child either.
            plan.footer_row = number
            break
        total = total_word(row, columns.positions["name"])
        if total in SUBTOTAL_WORDS:
            plan.subtotal_rows.append(number)
            continue
        if total:
            plan.total_row, plan.total_word = number, total
            break
        # Only the columns read: a row with nothing but its 序号 (a template's empty rows) is blank.
        cells = {
            key: clean_text(row[position]) if position < len(row) else "" for key, position in columns.positions.items()
        }
        if not any(cells.values()):
            continue
        if len(plan.rows) == MAX_ROWS:
            beyond += 1  # only counted, for the message
            continue
        plan.rows.append(_plan_row(number, cells, plan, roster, seen))
    if beyond:
        raise FileImportError(too_many_rows_message(MAX_ROWS + beyond, MAX_ROWS), code="too_many_rows")
    if not plan.rows:
        raise FileImportError(_("The file has no rows below its header."), code="no_rows")
    plan.previous = previous_import(roster_scope(site.id), plan.sha256)
    return plan


def apply_roster_import(site: Site, plan: RosterPlan, *, user: User) -> RosterImportResult:
    """Write a checked plan once per file and home, child by child as the roster's form would.

    Each child gets the roster's own audit entry (added, or changed with before and after);
    one more entry says who imported how many from which file, and names no child.
    """
    if plan.problems:
        raise FileImportError(_("The file has errors; nothing was imported."), code="import_has_errors")

    def work(entry: SheetImport) -> RosterImportResult:
        for row in plan.rows:
            if row.action == RowAction.NEW:
                add_child(site, row.data, user=user)  # once: the import itself is claimed once per file
            elif row.action == RowAction.UPDATE:
                update_child(row.child, row.data, user=user)
        result = RosterImportResult(
            created=plan.count(RowAction.NEW),
            updated=plan.count(RowAction.UPDATE),
            unchanged=plan.count(RowAction.UNCHANGED),
        )
        entry.records = result.created + result.updated
        record(
            "roster.import",
            user=user,
            site_id=site.id,
            target=plan.filename[:80],
            sha256=plan.sha256,
            rows=len(plan.rows),
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        db.session.flush()
        return result

    once = import_once(roster_scope(site.id), plan.sha256, work, filename=plan.filename, user=user)
    if once.repeated:
        return RosterImportResult(repeated=True, previous=once.entry)
    return once.value
