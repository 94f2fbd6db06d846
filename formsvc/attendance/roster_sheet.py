"""How a home's roster sheet (花名册 / 台账) is laid out: its column titles, a header that takes two
rows, and the total row under the children. What each cell means is roster_import's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from formsvc.tabular import header_index
from formsvc.text import name_key

# The titles a column goes by in the homes' rosters (English ones too), and each title's column;
# the titles that mean the same in every sheet (名字, 出生日期, 班级, 手机号 …) are read through
# tabular.SAME_TITLES.
ROSTER_TITLES = {
    "name": ("name", "姓名", "儿童姓名", "学生姓名", "孩子姓名"),
    "gender": ("gender", "sex", "性别"),
    "birth": ("birth_year", "birth", "出生年月"),
    "grade": ("grade", "年级"),
    "guardian_name": ("guardian", "guardian_name", "监护人"),
    "relation": ("relation", "关系"),
    "phone": (
        *("phone", "电话"),
        *("监护人电话", "监护人联系电话", "监护人手机", "监护人手机号", "监护人联系方式"),
        *("家长电话", "家长联系电话", "家长手机", "家长手机号", "家长联系方式"),
    ),
    "categories": ("categories", "category", "类别"),
}
ROSTER_COLUMNS = {title: column for column, titles in ROSTER_TITLES.items() for title in titles}
# Titles of what a roster keeps and this import leaves out on purpose (minimum data: no
# ethnicity or address; no column that is not named above is read either). Known as titles, so a
# second header row holding them is seen as one; the preview lists them, as every column it does
# not read.
UNREAD_TITLES = frozenset(
    name_key(title)
    for title in (
        *("序号", "编号", "民族", "住址", "家庭住址", "现住址"),
        *("户籍地址", "家庭地址", "备注", "学校", "就读学校", "工作单位", "务工地点", "外出务工地点"),
    )
)
# A group title over the guardian's columns (监护人信息 over 姓名 | 关系 | 联系电话).
GUARDIAN_GROUP_WORDS = ("监护人", "家长", "父母")
# A total row under the children: the word in the name cell or the first filled cell, maybe with
# the count (合计 | 6人, 合计：6人). Matched on the name key: spaces dropped, full-width folded.
TOTAL_RE = re.compile(r"^(?P<word>合计|总计|共计|小计)(?::?\d+[人名个]?)?$")


def _title_key(cell: str) -> str | None:
    """The column a title names (姓名 → name), or None."""
    return next(iter(header_index([cell], ROSTER_COLUMNS)), None) if cell.strip() else None


def _is_title(cell: str) -> bool:
    """Whether a cell is a column title, of a column read or of one left out on purpose (民族)."""
    return _title_key(cell) is not None or name_key(cell) in UNREAD_TITLES


def _names_guardian(group: str) -> bool:
    """Whether a group title stands over the guardian's columns (监护人, 家长, 监护人信息)."""
    return _title_key(group) == "guardian_name" or any(word in name_key(group) for word in GUARDIAN_GROUP_WORDS)


def _cell(row: list[str], position: int) -> str:
    return row[position].strip() if position < len(row) else ""


def _group_over(row: list[str], position: int) -> str:
    """The title a cell stands under; a merged title read without its copies (a CSV) is in its first column."""
    return next((title.strip() for title in reversed(row[: position + 1]) if title.strip()), "")


def _is_second_header_row(header: list[str], below: list[str], name_at: int) -> bool:
    """Whether the row under the header holds titles too (监护人 above 姓名 | 关系 | 联系电话).

    Every filled cell is a title or a copy of the title above it (a title merged down over both
    rows reads as itself in each), or the name cell is a copy: no child is called 姓名.
    """
    filled = [(position, cell.strip()) for position, cell in enumerate(below) if cell.strip()]
    if not filled:
        return False
    if _cell(below, name_at) and _cell(below, name_at) == _cell(header, name_at):
        return True
    return all(_is_title(cell) or cell == _cell(header, position) for position, cell in filled)


def _read_second_header_row(header: list[str], below: list[str], positions: dict[str, int], shown: dict) -> None:
    """Read the titles under the header's group titles: the lower title names the column.

    姓名 under 监护人 is the guardian's name; the group title over the columns names none of
    them (监护人 over 关系 | 联系电话 is not the guardian's name). Shown as 监护人关系.
    """
    for position, cell in enumerate(below):
        cell = cell.strip()
        if not cell or cell == _cell(header, position) or position == positions["name"]:
            continue  # the title above merged down over both rows; the child's name keeps its column
        group = _group_over(header, position)
        shown[position] = f"{group}{cell}" if group and group != cell else cell
        key = _title_key(cell)
        if key == "name":
            key = "guardian_name" if _names_guardian(group) else None
        for other in [other for other, at in positions.items() if at == position]:
            del positions[other]
        if key and key not in positions:
            positions[key] = position


def _guardian_name_under_group(above: list[str], header: list[str], positions: dict[str, int], shown: dict) -> None:
    """A second 姓名 of a one-row header under a guardian group (监护人信息 in the row above) is the guardian's."""
    if "guardian_name" in positions:
        return
    child_group = _group_over(above, positions["name"])
    for position, cell in enumerate(header):
        group = _group_over(above, position)
        if _title_key(cell) == "name" and position != positions["name"]:
            if group != child_group and _names_guardian(group):
                positions["guardian_name"] = position
                shown[position] = f"{group}{cell.strip()}"
            return


@dataclass(frozen=True)
class Columns:
    first: int  # the index of the row the children start at
    positions: dict[str, int]
    # Column key → its title in the file, in the file's order; the titles of the columns not read.
    titles: dict[str, str]
    unread: list[str]


def read_columns(rows: list[list[str]], header_at: int, found: dict[str, int]) -> Columns:
    """The columns read with their titles in the file, the titles not read, and where the children start.

    A roster's header often takes two rows: each title merged down over both, and the guardian's
    columns under one title merged across them, 监护人 above 姓名 | 关系 | 联系电话. Read as
    Excel shows it, every cell of a merged title holds its text, so the second row is told from
    the first child by its cells being titles or copies of the titles above; the children start
    below it. Saved as CSV, the copies are empty cells; the same rules hold.
    """
    header = rows[header_at]
    below = rows[header_at + 1] if header_at + 1 < len(rows) else []
    positions = dict(found)
    shown = {position: cell.strip() for position, cell in enumerate(header)}
    if _is_second_header_row(header, below, positions["name"]):
        _read_second_header_row(header, below, positions, shown)
        first = header_at + 2
    else:
        if header_at:
            _guardian_name_under_group(rows[header_at - 1], header, positions, shown)
        first = header_at + 1
    titles = {key: shown[position] for key, position in sorted(positions.items(), key=lambda item: item[1])}
    read = set(positions.values())
    unread = [title for position, title in sorted(shown.items()) if title and position not in read]
    return Columns(first, positions, titles, list(dict.fromkeys(unread)))


def total_word(row: list[str], name_at: int) -> str:
    """合计 (总计, 共计, 小计) if the row is a total: that word in its name cell or its first filled cell."""
    first = next((cell for cell in row if cell.strip()), "")
    for cell in (_cell(row, name_at), first):
        match = TOTAL_RE.match(name_key(cell))
        if match:
            return match.group("word")
    return ""
