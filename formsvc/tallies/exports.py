"""The tally as CSV, XLSX and PDF: three renderings of one Tally object.

CSV header (stable English keys, in this order):
``row_type`` (site / township / total), ``township``, ``site``, ``activities``,
``child_participations``, ``distinct_children``, ``guardian_signins``, ``volunteer_signins``,
``survey_responses``, ``mean_rating`` (the mean of every 1–5 rating answer of those responses,
two decimals; empty without any), ``activities_<kind>`` for every kind, ``child_participations_<kind>``
for every kind; then ``distinct_children_<kind>`` for every kind, ``paper_records``,
``digital_records``, ``category_<category>_participations`` and
``category_<category>_children`` for every child category. Kinds: daily, parent_training,
volunteer, visit, festival, other. One row per site, then the township subtotals, then the
total. UTF-8 with a BOM; text cells that a spreadsheet would run as a formula are prefixed
with a single quote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from formsvc.activities.models import ActivityKind
from formsvc.attendance.models import ChildCategory
from formsvc.documents.pdf import generated_at_text, render_pdf
from formsvc.documents.spreadsheet import csv_bytes, fit_columns, print_to_fit, workbook_bytes, xlsx_value
from formsvc.i18n import _
from formsvc.tallies.services import CATEGORIES, KINDS, Figures, Tally, TallyRow
from formsvc.text import round_half_up

XLSX_HEADER_ROW = 3


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    title: Callable[[], str]  # the XLSX header, in the reader's language
    value: Callable[[Figures], int | float | None]


def _kind_title(kind: str) -> str:
    return ActivityKind(kind).title


def _category_title(category: str) -> str:
    return ChildCategory(category).title


def mean_rating(figures: Figures) -> float | None:
    """The survey mean as the reports print it: two decimals, None without any rating."""
    mean = figures.survey_mean_rating
    return None if mean is None else float(round_half_up(mean, 2))


def _breakdown(key: str, heading, figures: str, parts, title) -> list[Column]:
    """One column per part (a kind or a category) of one of Figures' dicts: ``key`` and ``heading`` take the part."""
    return [
        Column(
            key.format(part),
            lambda part=part: heading().format(part=title(part)),
            lambda f, part=part: getattr(f, figures)[part],
        )
        for part in parts
    ]


def figure_columns() -> list[Column]:
    columns = [
        Column("activities", lambda: _("Activities"), lambda f: f.activities),
        Column("child_participations", lambda: _("Child visits"), lambda f: f.child_participations),
        Column("distinct_children", lambda: _("Children"), lambda f: f.distinct_children),
        Column("guardian_signins", lambda: _("Guardian sign-ins"), lambda f: f.guardian_signins),
        Column("volunteer_signins", lambda: _("Volunteer sign-ins"), lambda f: f.volunteer_signins),
        Column("survey_responses", lambda: _("Survey responses"), lambda f: f.survey_responses),
        Column("mean_rating", lambda: _("Mean rating"), lambda f: mean_rating(f)),
    ]
    columns += _breakdown("activities_{}", lambda: _("Activities: {part}"), "activities_by_kind", KINDS, _kind_title)
    columns += _breakdown(
        "child_participations_{}", lambda: _("Child visits: {part}"), "participations_by_kind", KINDS, _kind_title
    )
    columns += _breakdown("distinct_children_{}", lambda: _("Children: {part}"), "children_by_kind", KINDS, _kind_title)
    columns += [
        Column("paper_records", lambda: _("Paper records"), lambda f: f.paper_records),
        Column("digital_records", lambda: _("Digital records"), lambda f: f.digital_records),
    ]
    columns += _breakdown(
        "category_{}_participations",
        lambda: _("Child visits: {part}"),
        "participations_by_category",
        CATEGORIES,
        _category_title,
    )
    columns += _breakdown(
        "category_{}_children", lambda: _("Children: {part}"), "children_by_category", CATEGORIES, _category_title
    )
    return columns


CSV_HEADER = ["row_type", "township", "site", *(column.key for column in figure_columns())]


def tally_csv(tally: Tally) -> bytes:
    columns = figure_columns()
    rows = (
        [row.row_type, row.township, row.site, *(column.value(row.figures) for column in columns)] for row in tally.rows
    )
    return csv_bytes(CSV_HEADER, rows)


def _row_labels(row: TallyRow) -> tuple[str, str]:
    if row.row_type == "township":
        return row.township, _("Subtotal")
    if row.row_type == "total":
        return _("Total"), ""
    return row.township, row.site


def tally_title(tally: Tally) -> str:
    return _("Tally of the Children's Homes")


def tally_xlsx(tally: Tally) -> bytes:
    """One sheet: a title, the header row (frozen, with the name columns), then the rows as the page shows them."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    columns = figure_columns()
    workbook = Workbook()
    ws = workbook.active
    ws.title = _("Tally")[:31]
    ws["A1"] = xlsx_value(f"{tally_title(tally)} · {tally.scope_label} · {tally.period_label}")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = xlsx_value(_("Generated {time}").format(time=generated_at_text()))
    headers = [_("Township"), _("Children's Home"), *(column.title() for column in columns)]
    for index, title in enumerate(headers, start=1):
        cell = ws.cell(row=XLSX_HEADER_ROW, column=index, value=xlsx_value(title))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    # As on the page and in the PDF: each township's homes, then its 小计 in bold; the 合计 last.
    # The homes' rows are one outline level down, so Excel's "1 2" buttons fold the sheet to
    # the subtotals, as its own 分类汇总 does; filtering column B to the homes counts each once.
    rows = tally.rows_by_township
    for number, row in enumerate(rows, start=XLSX_HEADER_ROW + 1):
        values = [*_row_labels(row), *(column.value(row.figures) for column in columns)]
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row=number, column=index, value=xlsx_value(value))
            if row.row_type != "site":
                cell.font = Font(bold=True)
        if row.row_type == "site":
            ws.row_dimensions[number].outline_level = 1
    ws.sheet_format.outlineLevelRow = 1  # Excel draws the outline's buttons only when told its depth
    fit_columns(ws, first_row=XLSX_HEADER_ROW + 1, header_row=XLSX_HEADER_ROW, minimum=8)
    for index in range(3, len(headers) + 1):
        letter = ws.cell(row=XLSX_HEADER_ROW, column=index).column_letter
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 12)
    ws.row_dimensions[XLSX_HEADER_ROW].height = 48
    ws.freeze_panes = ws.cell(row=XLSX_HEADER_ROW + 1, column=3)
    last = ws.cell(row=XLSX_HEADER_ROW + len(rows), column=len(headers)).coordinate
    ws.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{last}"
    ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    print_to_fit(ws, landscape=True)
    return workbook_bytes(workbook)


def tally_context(tally: Tally) -> dict:
    """What the HTML page and the PDF both show: plain values built from the Tally."""
    return {
        "tally": tally,
        "kinds": [(kind, _kind_title(kind)) for kind in KINDS],
        "categories": [(category, _category_title(category)) for category in CATEGORIES],
        # A township subtotal is worth a line only when the tally spans several townships.
        "show_subtotals": tally.scope.kind == "district",
    }


def tally_pdf(tally: Tally) -> bytes:
    return render_pdf(
        "pdf/tally.html",
        {
            "title": tally_title(tally),
            "scope_label": tally.scope_label,
            "period_label": tally.period_label,
            "landscape": True,
            **tally_context(tally),
        },
    )
