"""Reading the district's spreadsheets: CSV in UTF-8 (with or without BOM) or GB18030, or XLSX.

Uploads are read defensively: at most UPLOAD_MAX_BYTES sent and XLSX_MAX_UNPACKED_BYTES once
unzipped (a zip bomb is refused before parsing); openpyxl reads in read-only mode with cached
values (no formula is evaluated) and, with defusedxml installed (requirements.txt), refuses
XML entity declarations — a "billion laughs" workbook is an unreadable file, not a hung worker.

A sheet is read as the clerk sees it in Excel: every cell of a merged range holds the value of
its top-left cell (乡镇 merged over the two homes of one township is that township in both rows).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from formsvc.errors import DomainError
from formsvc.i18n import _, reads_english
from formsvc.text import name_key


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


def file_too_large_message() -> str:
    return _("The file is too large: at most {size} MB.").format(size=UPLOAD_MAX_BYTES // (1024 * 1024))


def too_many_rows_message(rows: int, most: int) -> str:
    """Why a file is refused for its length, and what to do: a clerk's 2,000-row sheet is split."""
    from flask_babel import format_number

    return _(
        "The file has {rows} rows; at most {most} can be imported at once. Please split it into files of"
        " at most {most} rows each and import them one after another."
    ).format(rows=format_number(rows), most=format_number(most))


def read_rows(raw: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet as lists of trimmed strings (header included)."""
    if len(raw) > UPLOAD_MAX_BYTES:
        raise DomainError(file_too_large_message(), code="upload_too_large")
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
        # Read-only mode does not load the merged ranges: they are read from the sheet's XML.
        sheet_path = sheet._worksheet_path
        workbook.close()
        _fill_merged_cells(rows, _merged_ranges(raw, sheet_path))
    except Exception as error:  # openpyxl (and the XML parser under it, in read-only mode while
        # iterating) raises many kinds on a damaged or hostile file
        raise unreadable from error
    return rows


def _merged_ranges(raw: bytes, sheet_path: str) -> Iterator[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row), 1-based, of each merged range of the sheet.

    The XML goes through openpyxl's parser (defusedxml's when installed, as for the cells); the
    rows it passes on the way to <mergeCells>, which follows them, are dropped as they end.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    merge_tag, row_tag = f"{{{SHEET_MAIN_NS}}}mergeCell", f"{{{SHEET_MAIN_NS}}}row"
    with zipfile.ZipFile(io.BytesIO(raw)) as archive, archive.open(sheet_path) as source:
        for _event, element in iterparse(source):
            if element.tag == merge_tag:
                yield range_boundaries(element.get("ref", ""))
            if element.tag in (merge_tag, row_tag):
                element.clear()


def _fill_merged_cells(rows: list[list[str]], ranges) -> None:
    """Give every cell of each merged range the value of its top-left cell, as Excel shows it.

    Only cells the rows have are filled (a sheet with its dimension gives rows of one width).
    The ranges of a sound sheet do not overlap, so filling visits each cell at most once; a
    hostile sheet of huge overlapping ranges would make it visit billions, so visiting more
    places than the sheet has is refused as unreadable instead.
    """
    budget = sum(len(row) for row in rows) + len(rows)
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col <= len(top) else ""
        for index in range(min_row - 1, min(max_row, len(rows))):
            row = rows[index]
            end = min(max_col, len(row))
            budget -= max(1, end - min_col + 1)
            if budget < 0:
                raise ValueError("overlapping merged ranges")
            for position in range(min_col - 1, end):
                row[position] = value


def _cell_text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# Column titles that mean the same in every sheet the district keeps, whichever import reads it:
# each group under the title the imports' tables know it by. A table that accepts one title of a
# group accepts them all (名字 wherever 姓名 is read). Only titles that cannot mean anything else in
# any of the imports: 类型 (an activity's kind in a ledger) is not 类别 (a child's categories), and
# 身份 (who someone is) is not 关系 (a relation). tests/test_import_header_synonyms.py checks that
# no table reads two titles of one group as different columns.
SAME_TITLES = {
    "姓名": ("名字",),
    "电话": ("手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式", "联系手机", "移动电话"),
    "村/社区": ("村", "社区", "村(社区)", "村(居)", "村/居", "村居", "村社区", "所在村", "所在社区", "行政村"),
    "乡镇": ("乡镇/街道", "乡镇(街道)", "乡镇街道", "乡(镇)", "所属乡镇", "所在乡镇", "所属乡镇(街道)", "街道"),
    "儿童之家": ("儿童之家名称", "站点", "站点名称", "所在儿童之家"),
    "日期": ("活动日期", "签到日期", "活动时间"),
    "活动名称": ("活动", "活动主题", "活动标题"),
    "活动类型": ("活动类别", "活动种类"),
    "关系": ("与儿童关系", "与孩子关系", "与儿童的关系", "与孩子的关系", "监护关系", "监护人关系", "亲属关系"),
    "类别": ("儿童类别", "儿童类型", "儿童分类", "困境类别"),
    "出生年月": ("出生日期", "出生年份", "出生年", "出生年月日", "生日", "出生时间"),
    "年级": ("班级", "年级班级", "就读年级", "所在年级", "年级(班级)"),
    "监护人": ("监护人姓名", "监护人名字", "家长", "家长姓名", "家长名字", "父母姓名"),
    "级别": ("等级", "示范级别"),
    "地址": ("详细地址",),
    "序号": ("编号",),
}
_SAME_TITLE = {name_key(other): name_key(title) for title, others in SAME_TITLES.items() for other in (title, *others)}


def _title_class(title: str) -> str:
    """A title folded (``name_key``) and then to the first title of its group in ``SAME_TITLES``."""
    folded = name_key(title)
    return _SAME_TITLE.get(folded, folded)


def header_index(header: list[str], aliases: dict[str, str]) -> dict[str, int]:
    """Map canonical column names to positions, accepting English or Chinese headers.

    A title is also compared folded (``name_key``): "乡镇（街道）" matches the alias "乡镇(街道)",
    "名 称" or a title broken over two lines in its cell matches "名称"; and by its group of
    ``SAME_TITLES``: "名字" matches the alias "姓名".
    """
    folded: dict[str, str] = {}
    for title, key in aliases.items():
        folded.setdefault(_title_class(title), key)
    positions = {}
    for position, title in enumerate(header):
        key = aliases.get(title.strip().lower()) or folded.get(_title_class(title))
        if key and key not in positions:
            positions[key] = position
    return positions


# Clerks put a title ("2025年儿童之家名单"), a date or a unit above the column titles.
HEADER_SEARCH_ROWS = 10


def find_header(rows: list[list[str]], aliases: dict[str, str], required: dict[str, str]) -> tuple[int, dict[str, int]]:
    """The position of the header row among the first rows, and its columns.

    ``required`` maps each required column's key to its Chinese header (乡镇): the first row that
    has all of them is the header. Without one, the message names what is missing by the header
    the reader's language writes (``missing_column_titles``).
    """
    best: dict[str, int] = {}
    for position, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = header_index(row, aliases)
        if all(key in columns for key in required):
            return position, columns
        if sum(key in columns for key in required) > sum(key in best for key in required):
            best = columns
    missing = missing_column_titles({key: title for key, title in required.items() if key not in best})
    message = _("Missing columns: {columns}.").format(columns=missing)
    hint = _("The column titles must be in one row, within the first {rows} rows of the sheet.").format(
        rows=HEADER_SEARCH_ROWS
    )
    raise DomainError(f"{message} {hint}", code="missing_columns")


def missing_column_titles(missing: dict[str, str]) -> str:
    """Columns (key → Chinese header) as a list in the reader's language: "date, kind, role" in
    English, "日期、类型、身份" in Chinese. A column's key is its English header, which every
    alias table accepts; the command line, in English, named them in Chinese before."""
    english = reads_english()
    return _(", ").join(key if english else title for key, title in missing.items())


# The sign-off lines clerks put under a table: "填表人：李娟", "审核人：王芳", "填表日期：6月1日",
# "负责人（签字）：" — a word of these, then a colon.
FOOTER_LABELS = (
    "填表人",
    "填报人",
    "填报单位",  # the app's own PDF sign-off block says it
    "填表单位",
    "制表人",
    "制表单位",
    "制表",
    "审核人",
    "审核",
    "审批人",
    "负责人",
    "单位负责人",
    "填表日期",
    "填报日期",
    "制表日期",
    "日期",
    "联系电话",
    "电话",
)
# Matched on the ``name_key`` of a cell: spaces dropped, full-width colon and brackets folded.
_FOOTER_LABEL = re.compile(f"^(?:{'|'.join(FOOTER_LABELS)})(?:\\(签[字名章]\\))?:")


def is_footer_row(row: list[str]) -> bool:
    """Whether a row is the sign-off line under a table ("填表人：李娟 … 审核人：王芳"), not data.

    Every filled cell must be such a label, or the value typed in the cell after a bare label
    ("填表人：" | "李娟"); a row of a home, a child or an activity never starts a cell that way.
    """
    # A bare number is the row's 序号 (the sign-in sheet numbers its empty rows), not data.
    filled = [name_key(cell) for cell in row if cell.strip() and not cell.strip().isdigit()]
    after_bare_label = False
    for cell in filled:
        label = _FOOTER_LABEL.match(cell)
        if label:
            after_bare_label = label.end() == len(cell)
        elif after_bare_label:
            after_bare_label = False
        else:
            return False
    return bool(filled)


def rows_above_footer(rows: list[list[str]], header_at: int) -> tuple[list[tuple[int, list[str]]], int | None]:
    """The rows under the header, numbered as the sheet shows them, down to the sign-off line
    (填表人：… 审核人：…); and that line's number, None without one. What follows the sign-off
    (a second one, a note on the sources) is not data either."""
    body = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if is_footer_row(row):
            return body, number
        body.append((number, row))
    return body, None


def footer_notice(footer_row: int | None) -> str:
    """What a preview says of a sheet's sign-off line; empty without one."""
    if footer_row is None:
        return ""
    from formsvc.i18n import _

    message = _("Row {row} and the rows below it are the sheet's sign-off (填表人, 审核人 …): not imported.")
    return message.format(row=footer_row)
