"""The paper round trip: the sign-in sheet's XLSX, filled in from the signed paper, uploaded back.

The template (``printables.sheets.sheet_xlsx``) keeps the activity id in B2, which the
workbook name ``formsvc_activity_id`` points at, and the column titles on row 6. A clerk
types the names from the signed paper below the phone sign-ins already listed, and uploads
the file for its activity. Each row becomes a line of a paper sheet and goes through the same
services as a typed-in sheet (``attendance.paper``): matched to the roster, people already
signed in skipped, a name written twice counted once, saved as "paper" with the clerk as
``recorded_by``.

Who a row is comes from the "relation / child" column: 儿童 (a child), 志愿者 (a volunteer),
or a relation such as 奶奶 or 家长 (a guardian), optionally followed by the child's name. When
the activity takes only one kind of sign-in the column may stay empty. A masked phone number
(138****5678) is a copy of a listed phone sign-in and is ignored.

The rows the sheet listed from phones and roll-call are the app's own: their "signature"
cell says how and when each was recorded ("扫码签到 14:05"). They are shown as already signed
in and never written, whatever their cells hold: a child's name with spaces or brackets
(奶奶 · 王小明（大）), a name the export guarded with a leading ' (below), or no name at all
for a child erased at the family's request or by the retention purge (both keep the visit
without a name). A record voided since the download stays voided.

A name such as "=A1" is written as a text cell with Excel's quote prefix
(``documents.spreadsheet.workbook_bytes``) and read back as it is. Sheets saved as CSV, and
those downloaded before the quote prefix, carry a ' in front instead
(``documents.spreadsheet.neutralise``); it is taken off again on reading.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import force_locale, format_date

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.once import moment_within
from formsvc.attendance.paper import (
    LineStatus,
    PaperPreview,
    PreviewLine,
    check_paper_open,
    classify_lines,
    write_paper_lines,
)
from formsvc.attendance.paper_syntax import (
    ParsedLine,
)
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.documents.spreadsheet import unneutralise
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.models import SheetImport, activity_scope
from formsvc.imports.services import FileImportError, file_sha256, import_once, previous_import
from formsvc.imports.sheet_rows import listed_mark, listed_row, read_row
from formsvc.printables.sheets import XLSX_ACTIVITY_ID_CELL, XLSX_ACTIVITY_ID_NAME, column_titles
from formsvc.sites.services import RowProblem
from formsvc.tabular import footer_notice, header_index, read_rows, rows_above_footer, too_many_rows_message

SHEET_KEYS = ("number", "name", "relation", "village", "phone", "signed")
# Besides the template's own titles (in Chinese and English) and the titles that mean the same in
# every sheet (tabular.SAME_TITLES: 名字, 电话, 村 …): what a clerk may write instead on this one.
EXTRA_ALIASES = {
    "关系": "relation",
    "身份": "relation",
    "单位": "village",
}
MAX_ROWS = 1000
HEADER_SEARCH_ROWS = 30


def sheet_aliases() -> dict[str, str]:
    aliases = {title.lower(): key for title, key in EXTRA_ALIASES.items()}
    for locale in ("zh_Hans", "en"):
        with force_locale(locale):
            for key, title in zip(SHEET_KEYS, column_titles(), strict=True):
                aliases[title.strip().lower()] = key
    return aliases


@dataclass
class SheetUploadPlan:
    """What an upload would write; nothing is written unless ``problems`` is empty."""

    activity_id: int
    filename: str
    sha256: str
    # Every row with something in it, in the file's order, with who it is.
    lines: list[tuple[Audience | None, PreviewLine]] = field(default_factory=list)
    previews: dict[Audience, PaperPreview] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    # The same file, imported before for this activity.
    previous: SheetImport | None = None
    # The row of the sheet's sign-off line (填表人：…): a name there became a guardian who counted.
    footer_row: int | None = None

    @property
    def footer_notice(self) -> str:
        return footer_notice(self.footer_row)

    def count(self, *statuses: LineStatus, audience: Audience | None = None) -> int:
        return sum(1 for who, line in self.lines if line.status in statuses and (audience is None or who == audience))

    @property
    def to_write(self) -> int:
        return self.count(LineStatus.ON_ROSTER, LineStatus.NEW)

    def to_write_for(self, audience: Audience) -> int:
        return self.count(LineStatus.ON_ROSTER, LineStatus.NEW, audience=audience)

    @property
    def new_children(self) -> int:
        """New children who join the roster; those waiting for review are ``for_review``."""
        return sum(preview.new_children for preview in self.previews.values())

    @property
    def for_review(self) -> int:
        return sum(preview.for_review for preview in self.previews.values())

    @property
    def skipped(self) -> int:
        return self.count(LineStatus.ALREADY_SIGNED_IN, LineStatus.REPEATED)


def _named_cell(raw: bytes) -> str | None:
    """The value of the workbook name ``formsvc_activity_id``; None without it."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # a damaged file: read_rows has already said so, or will
        return None
    try:
        defined = workbook.defined_names.get(XLSX_ACTIVITY_ID_NAME)
        for title, coordinate in defined.destinations if defined is not None else ():
            if title in workbook.sheetnames:
                value = workbook[title][coordinate.replace("$", "")].value
                return _number_text(value)
    except (KeyError, ValueError, AttributeError):
        return None
    finally:
        workbook.close()
    return None


def _number_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _marked_activity_id(raw: bytes, filename: str, rows: list[list[str]]) -> str:
    if Path(filename).suffix.lower() == ".xlsx":
        named = _named_cell(raw)
        if named:
            return named
    return rows[1][1].strip() if len(rows) > 1 and len(rows[1]) > 1 else ""


def _other_activity(activity: Activity, marked: str) -> str:
    """Which activity a sheet marked with another id is for, by title and date, without leaking.

    Only an activity of the same home is named: the uploader may not see another home's.
    """
    other = db.session.get(Activity, int(marked)) if len(marked) < 10 else None
    here = _("“{title}” on {day}").format(title=activity.display_title, day=format_date(activity.on_date, "long"))
    if other is None or other.site_id != activity.site_id:
        return _("This sheet belongs to an activity of another Children's Home, not to {activity}.").format(
            activity=here
        )
    there = _("“{title}” on {day}").format(title=other.display_title, day=format_date(other.on_date, "long"))
    return _("This sheet belongs to {other}, not to {activity}.").format(other=there, activity=here)


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    aliases = sheet_aliases()
    for position, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = header_index(row, aliases)
        if "name" in columns:
            return position, columns
    raise FileImportError(_("Missing columns: {columns}.").format(columns=column_titles()[1]), code="missing_columns")


def plan_sheet_upload(activity: Activity, raw: bytes, filename: str, now: datetime | None = None) -> SheetUploadPlan:
    """Read an uploaded sheet and say what it would write; writes nothing."""
    plan = SheetUploadPlan(activity.id, filename, file_sha256(raw))
    rows = read_rows(raw, filename)
    if not rows:
        raise FileImportError(_("The file is empty."), code="empty_file")
    if activity.audiences:
        check_paper_open(activity, activity.audiences[0], now or utcnow())
    marked = _marked_activity_id(raw, filename, rows)
    if marked != str(activity.id):
        message = (
            _other_activity(activity, marked)
            if marked.isascii() and marked.isdigit()
            else _("This is not a sign-in sheet of this service: cell B2 must hold the activity id.")
        )
        plan.problems.append(RowProblem(2, XLSX_ACTIVITY_ID_CELL[0], message))
        return plan
    from openpyxl.utils import get_column_letter  # heavy: never loaded by the sign-in workers

    header_row, columns = _header(rows)
    # A problem names its column as the clerk sees it: "E 手机号".
    titles = rows[header_row]
    letters = {key: f"{get_column_letter(position + 1)} {titles[position]}" for key, position in columns.items()}
    body, plan.footer_row = rows_above_footer(rows, header_row)
    # The template's numbered empty rows are no one's: only rows with more than their 序号 count.
    number_at = columns.get("number")
    filled = sum(1 for _number, row in body if any(cell.strip() for at, cell in enumerate(row) if at != number_at))
    if filled > MAX_ROWS:
        raise FileImportError(too_many_rows_message(filled, MAX_ROWS), code="too_many_rows")
    read: list[tuple[Audience | None, ParsedLine]] = []
    # Row numbers of the rows the sheet listed: recorded already, never written again.
    recorded: set[int] = set()
    mark = listed_mark()
    for number, row in body:
        cells = {
            key: unneutralise(row[columns[key]]) if key in columns and columns[key] < len(row) else ""
            for key in SHEET_KEYS
        }
        found = listed_row(number, cells, activity.audiences, mark)
        if found is not None:
            recorded.add(number)
        else:
            found = read_row(number, cells, letters, activity.audiences)
        if found is not None:
            read.append(found)
    if not read:
        raise FileImportError(_("The sheet has no names below its header."), code="no_names")
    plan.previous = previous_import(activity_scope(activity.id), plan.sha256)
    for audience in activity.audiences:
        lines = [line for who, line in read if who == audience and not line.problem and line.number not in recorded]
        if lines:
            plan.previews[audience] = classify_lines(activity, audience, lines)
    by_row = {
        line.parsed.number: (audience, line) for audience, preview in plan.previews.items() for line in preview.lines
    }
    for who, parsed in read:
        if parsed.number in recorded:
            plan.lines.append((who, PreviewLine(parsed, LineStatus.ALREADY_SIGNED_IN)))
        elif parsed.problem:
            plan.lines.append((who, PreviewLine(parsed, LineStatus.INVALID)))
            plan.problems.append(RowProblem(parsed.number, parsed.column, parsed.problem))
        else:
            who, line = by_row[parsed.number]
            plan.lines.append((who, line))
            if line.status == LineStatus.INVALID:  # found against the roster ("吉𠮷 9岁")
                plan.problems.append(RowProblem(parsed.number, letters.get("name", ""), line.parsed.problem))
    return plan


@dataclass(frozen=True)
class SheetUploadResult:
    written: int = 0
    new_children: int = 0
    for_review: int = 0
    skipped: int = 0
    # The same file had been imported before: nothing was written.
    repeated: bool = False
    previous: SheetImport | None = None


def apply_sheet_upload(
    activity: Activity, plan: SheetUploadPlan, *, user: User | None, now: datetime | None = None
) -> SheetUploadResult:
    """Write a checked upload once (per file and activity); ``user`` is None for the command line."""
    if plan.problems:
        raise FileImportError(_("The file has errors; nothing was imported."), code="import_has_errors")
    now = now or utcnow()
    moment = moment_within(activity, now)

    def work(entry: SheetImport) -> SheetUploadResult:
        written: list[int] = []
        created: list[int] = []
        for preview in plan.previews.values():
            ids, new = write_paper_lines(activity, preview, user=user, moment=moment, now=now)
            written += ids
            created += new
        entry.records = len(written)
        skipped = plan.skipped + plan.to_write - len(written)
        record(
            "sheet.upload",
            user=user,
            site_id=activity.site_id,
            target=f"activity:{activity.id}",
            filename=plan.filename,
            sha256=plan.sha256,
            records=written,
            new_children=created,
            skipped=skipped,
            via="web" if user is not None else "cli",
        )
        return SheetUploadResult(
            written=len(written), new_children=plan.new_children, for_review=plan.for_review, skipped=skipped
        )

    once = import_once(
        activity_scope(activity.id), plan.sha256, work, filename=plan.filename, user=user, activity_id=activity.id
    )
    if once.repeated:
        return SheetUploadResult(repeated=True, previous=once.entry)
    return once.value
