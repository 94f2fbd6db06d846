"""The tally in Excel is laid out as on screen and in the PDF, with columns as wide as their content.

QA (a district clerk who lives in Excel): every 小计 row sat after the last home instead of under
its township's homes; the 乡镇 column was 8 wide whatever the names.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import clock_stopped_at, local, login, page_text

frozen = clock_stopped_at(local(2026, 11, 27, 10, 0))

HOMES = [  # township, home, lectures held there in November
    ("城关镇", "东门社区儿童之家", 1),
    ("城关镇", "新华村儿童之家", 2),
    ("东兴街道办事处社区服务中心", "东兴社区儿童之家", 3),
    ("那坡乡", "那坡村儿童之家", 4),
    ("那坡乡", "百合村儿童之家", 5),
]


@pytest.fixture
def clerk(client, make):
    for township, name, lectures in HOMES:
        home = make.site(name, township=township, village=name[:3])
        for day in range(lectures):
            make.activity(home, day=date(2026, 11, 2 + day))
    login(client, make.user("clerk", role="admin"))
    return client


def sheet_of(client, language: str):
    response = client.get("/admin/tallies.xlsx?scope=district&period=2026-11", headers={"Accept-Language": language})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


def screen_rows(client) -> list[tuple[str, str]]:
    """(township, home or 小计) of each row of the page's table by home, top to bottom."""
    html = client.get("/admin/tallies?scope=district&period=2026-11", headers={"Accept-Language": "zh-CN"}).data
    table = html.decode().split('id="by-home"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in table.split("</tr>")[:-1]:
        township, home = (page_text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)[:2])
        rows.append((township, re.sub(r"（.*）$", "", home)))  # 小计（2 个） → 小计
    return rows


def test_each_township_has_its_subtotal_under_its_homes_as_on_screen(clerk):
    sheet = sheet_of(clerk, "zh-CN")
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    labels = [(row[0], row[1]) for row in rows]
    assert labels[:-1] == screen_rows(clerk)
    assert labels == [
        ("城关镇", "东门社区儿童之家"),
        ("城关镇", "新华村儿童之家"),
        ("城关镇", "小计"),
        ("东兴街道办事处社区服务中心", "东兴社区儿童之家"),
        ("东兴街道办事处社区服务中心", "小计"),
        ("那坡乡", "百合村儿童之家"),  # by pinyin, as the page lists them
        ("那坡乡", "那坡村儿童之家"),
        ("那坡乡", "小计"),
        ("合计", None),
    ]
    activities = [row[2] for row in rows]
    assert activities == [1, 2, 3, 3, 3, 5, 4, 9, 15]  # numbers, each subtotal the sum of the homes above it
    # Excel's outline folds the homes away and leaves the subtotals and the total, as its 分类汇总 does.
    levels = [sheet.row_dimensions[number].outline_level for number in range(4, 4 + len(rows))]
    assert levels == [1, 1, 0, 1, 0, 1, 1, 0, 0] and sheet.sheet_format.outlineLevelRow == 1
    assert sheet.sheet_properties.outlinePr.summaryBelow  # the 小计 under its homes, where "+" unfolds them
    bold = [row[0].font.b for row in sheet.iter_rows(min_row=4)]
    assert bold == [False, False, True, False, True, False, False, True, True]
    assert sheet.freeze_panes == "C4" and sheet.auto_filter.ref.startswith("A3:")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_columns_are_as_wide_as_their_names_and_headings(clerk, language):
    sheet = sheet_of(clerk, language)

    def width(column: str) -> float:
        return sheet.column_dimensions[column].width

    def columns_of(text: str) -> int:  # a Chinese character takes two
        return sum(2 if "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" else 1 for char in text)

    assert width("A") >= columns_of("东兴街道办事处社区服务中心") + 2  # 13 characters, not 8 columns
    assert width("B") >= columns_of("东兴社区儿童之家") + 2
    for cell in sheet[3]:
        heading, column = str(cell.value), sheet.column_dimensions[cell.column_letter].width
        # A heading wraps in its cell (three lines fit its row) but no word is cut, and the
        # filter button at its right end leaves the longest word room.
        assert all(columns_of(word) + 2 <= column for word in re.split(r"[\s\u3000-\u9fff\uff00-\uffef]+", heading))
        assert columns_of(heading) <= 3 * column, heading
    assert width("A") >= columns_of(sheet["A3"].value) + 2  # "Township" beside its filter button
