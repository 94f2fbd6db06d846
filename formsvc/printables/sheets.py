"""The paper sign-in sheet (签到表) of an activity, as PDF to print and as an XLSX template.

Who already signed in on a phone is listed first (phone numbers masked, unless a district
admin asks for them in full — the view audits that), then numbered blank rows fill the page.
The XLSX carries the activity id in a named, marked cell so a filled-in copy can later be
uploaded and matched to its activity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.daybook import own_time
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, Source
from formsvc.documents.pdf import render_pdf
from formsvc.documents.spreadsheet import fit_columns, print_to_fit, workbook_bytes, xlsx_value
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.text import mask_phone
from formsvc.timeutil import to_local

DIGITAL_SOURCES = (Source.QR, Source.ROLL_CALL)
# At least this many empty rows, then as many more as fill the last page. The row counts per
# page match the row height in static/pdf.css (table.sheet td) and were measured by rendering.
MIN_BLANK_ROWS = 20
ROWS_FIRST_PAGE = 26
ROWS_NEXT_PAGES = 29
# Where the XLSX template keeps the activity id: a marked cell with a workbook-level name.
XLSX_ACTIVITY_ID_CELL = "B2"
XLSX_ACTIVITY_ID_NAME = "formsvc_activity_id"
XLSX_HEADER_ROW = 6


@dataclass(frozen=True)
class SheetLine:
    number: int
    name: str = ""
    relation: str = ""
    village: str = ""
    phone: str = ""
    # For a digital sign-in: how and when ("扫码签到 14:05"); empty on a blank row.
    signed: str = ""


@dataclass(frozen=True)
class SignInSheet:
    activity_id: int
    site_name: str
    township: str
    title: str
    kind: str
    day: str
    hours: str
    lines: tuple[SheetLine, ...]
    digital_count: int

    @property
    def activity_name(self) -> str:
        """家长课堂（家教宣讲）; a daily opening is just 日常开放, not 日常开放（日常开放）."""
        return self.title if self.title == self.kind else f"{self.title}（{self.kind}）"


def sheet_rows_total(listed: int) -> int:
    """How many numbered rows the sheet has: the listed ones, ≥ 20 blank, up to a full page."""
    wanted = listed + MIN_BLANK_ROWS
    if wanted <= ROWS_FIRST_PAGE:
        return ROWS_FIRST_PAGE
    return ROWS_FIRST_PAGE + math.ceil((wanted - ROWS_FIRST_PAGE) / ROWS_NEXT_PAGES) * ROWS_NEXT_PAGES


def _clock(moment: datetime) -> str:
    return to_local(moment).strftime("%H:%M")


def _how_and_when(record, activity: Activity) -> str:
    """扫码签到 16:30, or 点名 alone for a tick made after the activity (its clock time is made up)."""
    at = own_time(record, activity)
    return f"{record.source.title} {_clock(at)}" if at else str(record.source.title)


def _digital_entries(activity: Activity, full_phones: bool) -> list[tuple[datetime, dict]]:
    children = db.session.execute(
        select(Attendance, Child.name)
        .join(Child, Child.id == Attendance.child_id)
        .where(
            Attendance.activity_id == activity.id,
            Attendance.voided_at.is_(None),
            Attendance.source.in_(DIGITAL_SOURCES),
        )
    ).all()
    adults = db.session.execute(
        select(AdultSignIn).where(
            AdultSignIn.activity_id == activity.id,
            AdultSignIn.voided_at.is_(None),
            AdultSignIn.source.in_(DIGITAL_SOURCES),
        )
    ).scalars()
    entries = []
    for attendance, name in children:
        relation = _("Child")
        if attendance.signed_by and attendance.signed_by.value != "self":
            relation = _("Child, signed in by {who}").format(who=attendance.signed_by.title)
        entries.append(
            (
                attendance.signed_in_at,
                {
                    # The row stays (it is counted), marked so nobody writes a name into an empty box.
                    # The mark does not say why: a family's request and the retention purge
                    # leave the same empty name, and telling them apart is not worth a guess.
                    "name": name or _("(name erased)"),
                    "relation": relation,
                    "signed": _how_and_when(attendance, activity),
                },
            )
        )
    for signin in adults:
        if signin.role == AdultRole.VOLUNTEER:
            relation = _("Volunteer")
        else:
            parts = [signin.relation.title if signin.relation else _("Guardian")]
            if signin.child_name:
                parts.append(signin.child_name)
            relation = " · ".join(parts)
        entries.append(
            (
                signin.signed_in_at,
                {
                    "name": signin.name,
                    "relation": relation,
                    "village": signin.village,
                    "phone": signin.phone if full_phones else mask_phone(signin.phone),
                    "signed": _how_and_when(signin, activity),
                },
            )
        )
    entries.sort(key=lambda entry: entry[0])
    return entries


def signin_sheet(activity: Activity, *, full_phones: bool = False) -> SignInSheet:
    """The sheet's content as plain values, in the district's language (it is signed by villagers)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        entries = _digital_entries(activity, full_phones)
        lines = [SheetLine(number=number, **values) for number, (_at, values) in enumerate(entries, start=1)]
        total = sheet_rows_total(len(lines))
        lines += [SheetLine(number=number) for number in range(len(lines) + 1, total + 1)]
        return SignInSheet(
            activity_id=activity.id,
            site_name=activity.site.name,
            township=activity.site.township.name,
            title=activity.display_title,
            kind=activity.kind.title,
            day=activity.on_date.isoformat(),
            hours=f"{_clock(activity.opens_at)}–{_clock(activity.closes_at)}",
            lines=tuple(lines),
            digital_count=len(entries),
        )


def column_titles() -> list[str]:
    return [_("No."), _("Name"), _("Relation / child"), _("Village"), _("Phone"), _("Signature")]


def sheet_pdf(sheet: SignInSheet) -> bytes:
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        return render_pdf(
            "pdf/signin_sheet.html",
            {
                "title": _("Sign-in sheet"),
                "scope_label": sheet.site_name,
                "period_label": f"{sheet.day} {sheet.hours}",
                "sheet": sheet,
                "columns": column_titles(),
            },
        )


def sheet_xlsx(sheet: SignInSheet) -> bytes:
    """The same sheet as an XLSX template; the activity id sits in a marked, named cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        workbook = Workbook()
        ws = workbook.active
        ws.title = _("Sign-in sheet")[:31]
        bold = Font(bold=True)
        ws["A1"] = xlsx_value(_("Sign-in sheet"))
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = xlsx_value(_("Activity ID (do not change)"))
        ws["A2"].font = bold
        ws[XLSX_ACTIVITY_ID_CELL] = sheet.activity_id
        ws[XLSX_ACTIVITY_ID_CELL].font = bold
        ws[XLSX_ACTIVITY_ID_CELL].fill = PatternFill("solid", fgColor="FFF2CC")
        ws[XLSX_ACTIVITY_ID_CELL].alignment = Alignment(horizontal="left")
        workbook.defined_names[XLSX_ACTIVITY_ID_NAME] = DefinedName(
            XLSX_ACTIVITY_ID_NAME, attr_text=f"'{ws.title}'!$B$2"
        )
        details = [
            (_("Children's Home"), sheet.site_name),
            (_("Activity"), sheet.activity_name),
            (_("Date and time"), f"{sheet.day} {sheet.hours}"),
        ]
        for row, (label, value) in enumerate(details, start=3):
            ws.cell(row=row, column=1, value=xlsx_value(label)).font = bold
            ws.cell(row=row, column=2, value=xlsx_value(value))
        thin = Side(style="thin", color="888888")
        for column, title in enumerate(column_titles(), start=1):
            cell = ws.cell(row=XLSX_HEADER_ROW, column=column, value=xlsx_value(title))
            cell.font = bold
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        for offset, line in enumerate(sheet.lines, start=1):
            values = (line.number, line.name, line.relation, line.village, line.phone, line.signed)
            for column, value in enumerate(values, start=1):
                cell = ws.cell(row=XLSX_HEADER_ROW + offset, column=column, value=xlsx_value(value))
                cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        ws.freeze_panes = ws.cell(row=XLSX_HEADER_ROW + 1, column=1)
        fit_columns(ws, first_row=XLSX_HEADER_ROW, minimum=10)
        ws.column_dimensions["A"].width = 22
        ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
        print_to_fit(ws)
        return workbook_bytes(workbook)
