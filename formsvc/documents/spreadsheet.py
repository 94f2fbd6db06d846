"""Writing CSV and XLSX files people open in Excel or WPS: safe cells, Chinese column widths.

openpyxl is imported inside the functions that need it, like WeasyPrint: sign-in workers
never write a workbook.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

# A cell starting with one of these is read as a formula by Excel, WPS or LibreOffice
# ("=HYPERLINK(…)", "+cmd|…", "@SUM(…)"); tab and carriage return start one after a paste.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading single quote.

    Names typed on a public form end up in exports; ``=1+1`` must stay text. Numbers and
    other values pass through unchanged, so they stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """A cell read back as it was before ``neutralise`` guarded it ("'=A1" → "=A1")."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM (so Excel on Chinese Windows does not read it as GBK), neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise("" if cell is None else cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def xlsx_value(value):
    """A value ready for an openpyxl cell: without characters XLSX forbids.

    It is not neutralised here: ``workbook_bytes`` stores such a text as text, which a CSV
    cannot do, so the clerk sees =1+1 and not a stray quote in front of it.
    """
    if isinstance(value, str):
        return _XLSX_ILLEGAL.sub("", value)
    return value


def _keep_as_text(workbook) -> None:
    """Every text cell a spreadsheet would run as a formula is written as a string with
    Excel's quote prefix: shown as typed, never evaluated, and still text after an edit."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    cell.data_type = "s"  # openpyxl took a leading = for a formula
                    cell.quotePrefix = True


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character is about two Latin ones."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _pieces(text: str) -> list[tuple[int, bool]]:
    """What a wrapping cell may put on different lines: (width, after a space) of each word
    and of each Chinese character, which a line may end after."""
    pieces: list[tuple[int, bool]] = []
    run, spaced = 0, False
    for char in text:
        if char.isspace() or _char_width(char) == 2:
            if run:
                pieces.append((run, spaced))
                run, spaced = 0, False
            if char.isspace():
                spaced = bool(pieces)
            else:
                pieces.append((2, spaced))
                spaced = False
        else:
            run += 1
    if run:
        pieces.append((run, spaced))
    return pieces


def _wrapped_width(text: str, lines: int) -> int:
    """The least width at which ``text`` wraps onto at most ``lines`` lines, no word cut."""
    pieces = _pieces(text)
    width = max((piece for piece, _spaced in pieces), default=0)
    while True:
        count, used = 1, 0
        for piece, spaced in pieces:
            need = piece + (1 if spaced and used else 0)
            if used and used + need > width:
                count, used = count + 1, piece
            else:
                used += need
        if count <= lines:
            return width
        width += 1


# The drop-down arrow of an autofilter covers about two characters at a heading's right end.
FILTER_BUTTON = 2


def fit_columns(
    sheet,
    *,
    first_row: int = 1,
    minimum: int = 6,
    maximum: int = 40,
    header_row: int | None = None,
    header_lines: int = 3,
) -> None:
    """Set each column's width from its widest cell at or below ``first_row``.

    With ``header_row``, the headings there count too: each may wrap onto ``header_lines``
    lines (its cell wraps text) beside its filter button, without cutting a word.
    """
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:,}" if isinstance(cell.value, int | float) else str(cell.value)
            widths[cell.column] = max(widths.get(cell.column, 0), display_width(text) + 2)
    if header_row is not None:
        for cell in sheet[header_row]:
            if cell.value is not None:
                heading = _wrapped_width(str(cell.value), header_lines) + FILTER_BUTTON + 1
                widths[cell.column] = max(widths.get(cell.column, 0), heading)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(minimum, min(maximum, width))


def print_to_fit(sheet, *, landscape: bool = False) -> None:
    """A4, every column on one page's width (as many pages down as it takes): a clerk who
    presses Print in Excel gets the whole table, not its first columns cut off page by page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def workbook_bytes(workbook) -> bytes:
    _keep_as_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
