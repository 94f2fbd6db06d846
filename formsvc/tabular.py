"""Reading the district's spreadsheets: CSV in UTF-8 (with or without BOM) or GB18030, or XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from formsvc.errors import DomainError
from formsvc.i18n import _


def decode_csv_bytes(raw: bytes) -> str:
    """UTF-8 first (with or without BOM), then GB18030 as Chinese Excel writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file is neither UTF-8 nor GB18030 text."), code="bad_encoding")


def read_rows(raw: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet as lists of trimmed strings (header included)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(raw)
    if suffix in (".csv", ".txt"):
        text = decode_csv_bytes(raw)
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise DomainError(_("Please upload a CSV or XLSX file."), code="bad_file_type")


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy: imported only where a workbook is read

    try:
        # read_only does not evaluate formulas; data_only returns the cached values.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise DomainError(_("The XLSX file could not be read."), code="bad_xlsx") from error
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(["" if cell is None else _cell_text(cell) for cell in row])
    workbook.close()
    return rows


def _cell_text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def header_index(header: list[str], aliases: dict[str, str]) -> dict[str, int]:
    """Map canonical column names to positions, accepting English or Chinese headers."""
    positions = {}
    for position, title in enumerate(header):
        key = aliases.get(title.strip().lower())
        if key and key not in positions:
            positions[key] = position
    return positions
