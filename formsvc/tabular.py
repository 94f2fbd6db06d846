"""Reading the district's spreadsheets: CSV in UTF-8 (with or without BOM) or GB18030, or XLSX.

Uploads are read defensively: at most UPLOAD_MAX_BYTES sent and XLSX_MAX_UNPACKED_BYTES once
unzipped (a zip bomb is refused before parsing); openpyxl reads in read-only mode with cached
values (no formula is evaluated) and, with defusedxml installed (requirements.txt), refuses
XML entity declarations — a "billion laughs" workbook is an unreadable file, not a hung worker.
"""

from __future__ import annotations

import csv
import io
import zipfile
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


UPLOAD_MAX_BYTES = 5 * 1024 * 1024
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def read_rows(raw: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet as lists of trimmed strings (header included)."""
    if len(raw) > UPLOAD_MAX_BYTES:
        raise DomainError(
            _("The file is too large: at most {size} MB.").format(size=UPLOAD_MAX_BYTES // (1024 * 1024)),
            code="upload_too_large",
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(raw)
    if suffix in (".csv", ".txt"):
        text = decode_csv_bytes(raw)
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise DomainError(_("Please upload a CSV or XLSX file."), code="bad_file_type")


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy: imported only where a workbook is read

    unreadable = DomainError(_("The XLSX file could not be read."), code="bad_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile as error:
        raise unreadable from error
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise unreadable
    try:
        # read_only does not evaluate formulas; data_only returns the cached values.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [["" if cell is None else _cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception as error:  # openpyxl (and the XML parser under it, in read-only mode while
        # iterating) raises many kinds on a damaged or hostile file
        raise unreadable from error
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
