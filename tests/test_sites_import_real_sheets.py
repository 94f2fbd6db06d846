"""The district clerk's real sheets: merged cells, a title above and a sign-off below, a misspelt township.

Each sheet is built as a clerk's Excel saves it: a merged title row, 乡镇 merged over the homes of
one township, and "填表人：李娟 … 审核人：王芳" under the table.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.imports.ledger import plan_ledger_import
from formsvc.sites.models import Site, SiteLevel, Township
from formsvc.tabular import read_rows
from tests.conftest import form_fields, login, page_text
from tests.test_import_safety import with_sheet_xml

HEADER = ["序号", "乡镇（街道）", "儿童之家名称", "村（社区）", "级别"]


def saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def clerks_sheet(footer: list | None = None, *more_rows: list) -> Workbook:
    """The district's list as the clerk keeps it: 龙川镇 merged over its two homes, signed below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2025年那坡县儿童之家名单"])
    sheet.merge_cells("A1:E1")
    sheet.append(HEADER)
    sheet.append([1, "龙川镇", "龙川社区儿童之家", "龙川社区", "普通"])
    sheet.append([2, None, "念井村儿童之家", "念井村", "市级示范"])
    sheet.merge_cells("B3:B4")
    sheet.append([3, "坡荷乡", "坡荷村儿童之家", "坡荷村", "普通"])
    sheet.append(footer if footer is not None else ["填表人：李娟", None, None, "审核人：王芳", None])
    for row in more_rows:
        sheet.append(row)
    return workbook


def admin_client(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


def upload(client, content: bytes, filename: str = "名单.xlsx"):
    fields = form_fields(client.get("/admin/sites/import").data)
    return client.post(
        "/admin/sites/import",
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def confirm(client, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post("/admin/sites/import/confirm", data=fields)


def homes(app) -> list[tuple]:
    with app.app_context():
        found = db.session.execute(select(Township.name, Site.name, Site.village, Site.level).join(Site.township))
        return sorted(tuple(row) for row in found)


def test_the_clerks_sheet_imports_as_she_sees_it(app, make):
    make.site("坡荷村儿童之家", township="坡荷乡", village="坡荷村")
    client = admin_client(app, make)
    preview = upload(client, saved(clerks_sheet()))
    text = page_text(preview.data)
    assert "This cell must not be empty" not in text
    assert "New: 2. Changed: 0. Unchanged: 1." in text
    assert "Row 6 and the rows below it are the sheet's sign-off" in text
    assert "A new township will be created: 龙川镇." in text  # once, for both its homes
    assert text.count("A new township will be created") == 1
    assert confirm(client, preview).status_code == 302
    assert homes(app) == [
        ("坡荷乡", "坡荷村儿童之家", "坡荷村", SiteLevel.STANDARD),
        ("龙川镇", "念井村儿童之家", "念井村", SiteLevel.CITY_MODEL),
        ("龙川镇", "龙川社区儿童之家", "龙川社区", SiteLevel.STANDARD),
    ]


def test_the_command_line_reads_the_same_sheet(app, runner, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(saved(clerks_sheet()))
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code == 0, result.output
    # The notices the page shows, printed too: the new townships and the footer left out.
    assert "A new township will be created: 坡荷乡." in result.output and "sign-off" in result.output
    assert [home[:2] for home in homes(app)] == [
        ("坡荷乡", "坡荷村儿童之家"),
        ("龙川镇", "念井村儿童之家"),
        ("龙川镇", "龙川社区儿童之家"),
    ]


@pytest.mark.parametrize(
    "footer",
    [
        ["填 表 人:李娟", None, None, "审核：王芳"],
        ["制表人：", "李娟", None, "负责人（签字）：", None],
        ["填报人：李娟", None, "联系电话：0776-6821234", "填表日期：2025年6月1日"],
        ["填报单位：区妇联", "填表人：李娟", "审核人：王芳"],  # QA: as the app's own PDFs sign off
        ["制表：李娟", None, None, "审核：王芳"],
    ],
)
def test_a_sign_off_in_its_usual_forms_ends_the_sheet(app, make, footer):
    sheet = clerks_sheet(footer, ["单位负责人：黄伟"], ["注：级别按2024年评定结果填写"])
    text = page_text(upload(admin_client(app, make), saved(sheet)).data)
    assert "The file has errors" not in text
    assert "New: 3. Changed: 0. Unchanged: 0." in text  # the note under the sign-off is no home
    assert "Row 6 and the rows below it are the sheet's sign-off" in text


def test_a_home_mentioning_its_contact_is_still_a_home(app, make):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["乡镇", "名称", "村/社区", "地址"])
    sheet.append(["城关镇", "东门社区儿童之家", "东门社区", "负责人：韦主任，东门路12号"])
    sheet.append(["城关镇", "新华村儿童之家", "新华村", ""])
    text = page_text(upload(admin_client(app, make), saved(workbook)).data)
    assert "New: 2. Changed: 0. Unchanged: 0." in text
    assert "sign-off" not in text


def test_a_label_without_its_colon_is_a_row_to_check_not_a_sign_off(app, make):
    text = page_text(
        upload(admin_client(app, make), saved(clerks_sheet(["填表人 李娟", None, None, "审核人 王芳"]))).data
    )
    assert "The file has errors" in text  # the clerk sees the row and removes it, nothing is dropped unseen
    assert "6 儿童之家名称 This cell must not be empty." in text


def test_a_misspelt_township_is_named_before_it_is_created(app, make):
    make.site("坡荷村儿童之家", township="坡荷乡")
    make.site("东门社区儿童之家", township="城关镇")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["乡镇", "名称"])
    sheet.append(["坡荷镇", "那布村儿童之家"])  # 坡荷乡, as 镇
    sheet.append(["坡河乡", "果桃村儿童之家"])  # 坡荷乡, a homophone
    sheet.append(["城关镇　", "新华村儿童之家"])  # 城关镇 with a full-width space: no new township
    sheet.append(["百南乡", "百南村儿童之家"])  # really new, like nothing in the list
    preview = upload(admin_client(app, make), saved(workbook))
    text = page_text(preview.data)
    assert "A new township will be created: 坡荷镇. It looks like 坡荷乡, already in the list" in text
    assert "A new township will be created: 坡河乡. It looks like 坡荷乡, already in the list" in text
    assert "A new township will be created: 百南乡." in text
    assert "It looks like" not in text.split("A new township will be created: 百南乡.")[1]
    assert "城关镇 新华村儿童之家 new" in text
    assert "坡荷镇 那布村儿童之家 new, in a new township" in text
    assert text.count("A new township will be created") == 3


def test_merged_cells_read_as_excel_shows_them(ctx):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["台账", None, None])
    sheet.append(["甲", "乙", "丙"])
    sheet.append([None, None, "丁"])
    sheet.merge_cells("A1:C1")  # a title over the table
    sheet.merge_cells("A2:B3")  # a block: its value in all four cells
    assert read_rows(saved(workbook), "t.xlsx") == [["台账"] * 3, ["甲", "甲", "丙"], ["甲", "甲", "丁"]]


def test_a_ledger_with_merged_title_and_activity_cells_reads_every_row(app, make, ctx):
    site = make.site("新华村儿童之家", township="城关镇")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年10月活动台账"])
    sheet.merge_cells("A1:F1")
    sheet.append(["站点", "日期", "类型", "活动名称", "姓名", "身份"])
    sheet.append([site["id"], datetime(2026, 10, 1), "节日活动", "国庆游园", "王小明", "儿童"])
    sheet.append([None, None, None, None, "李思琪", "儿童"])
    sheet.append([None, None, None, None, "张华", "志愿者"])
    for column in "ABCD":  # one activity, its cells merged over the three who came
        sheet.merge_cells(f"{column}3:{column}5")
    plan = plan_ledger_import(saved(workbook), "台账.xlsx", today=date(2026, 10, 31))
    assert plan.problems == []
    assert (plan.rows, plan.new_activities, len(plan.records)) == (3, 1, 3)


def test_huge_overlapping_merged_ranges_are_refused(ctx):
    """100,000 ranges over the whole sheet: filled, they would be visited billions of times.
    The reader counts what it visits against the size of the sheet and refuses the file."""
    ranges = '<mergeCell ref="A1:XFD1048576"/>' * 100_000

    def rewrite(xml: str) -> str:
        return xml.replace("</sheetData>", f'</sheetData><mergeCells count="100000">{ranges}</mergeCells>')

    workbook = Workbook()
    for _ in range(100):
        workbook.active.append(["乡镇", "名称", "村"])
    with pytest.raises(DomainError) as refused:
        read_rows(with_sheet_xml(saved(workbook), rewrite), "bomb.xlsx")
    assert refused.value.code == "bad_xlsx"
