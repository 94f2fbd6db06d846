"""A site manager imports the home's existing roster (台账) from Excel or CSV: preview, confirm once."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.attendance.models import Child, ChildCategory, ChildCategoryPeriod, ChildStatus, Relation
from formsvc.attendance.roster_import import apply_roster_import, birth_year, plan_roster_import
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.imports.models import SheetImport
from formsvc.sites.models import Site
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import EN, NOW, audits, count, signed_in_client, township_viewer

# Asked for by the tests that depend on today (the form's latest birth year, a period starting
# today); the phone test runs on the real clock, as its live server does.
frozen_afternoon = clock_stopped_at(NOW, autouse=False)

TITLE = "新华村儿童之家留守儿童花名册（2026年）"
HEADER = ["序号", "姓名", "性别", "出生年月", "年级", "监护人姓名", "与儿童关系", "联系电话", "儿童类别", "身份证号"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ledger(*, bad_phone="1381234567", second_wang="王小明") -> bytes:
    """A home's 台账 as clerks keep it: a title, 序号, Excel dates, a blank row, stray spaces."""
    return workbook(
        [
            [TITLE],
            HEADER,
            [1, "王小明  ", "男", datetime(2015, 3, 8), "三年级", "王大山", "爷爷", 13812345678, "留守、困境", "450"],
            [2, "李思琪", "女 ", "2016.03", "二年级", "李秀英", "奶奶", "139 1111 2222", "留守", None],
            [None] * 10,
            [3, "张伟", "男", 42064, None, None, None, None, None, None],  # 42064: 2015-03-01 as a number
            [4, "刘洋", "女", "2014年9月", "四年级", "刘建国", "父亲", bad_phone, "困境", None],
            [5, second_wang, "男", 2017, "一年级", None, None, None, None, None],
            [6, None, None, None, None, None, None, None, None, None],  # a template's empty numbered row
        ]
    )


@pytest.fixture
def home(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    # Already on the roster: 李思琪, a girl in 二年级 with a phone and a category since January 2025.
    li = make.child(site, "李思琪")
    with app.app_context():
        child = db.session.get(Child, li)
        child.gender, child.grade, child.guardian_phone = "f", "二年级", "13900000000"
        child.categories.append(ChildCategoryPeriod(category=ChildCategory.DIFFICULT, since=date(2025, 1, 1)))
        db.session.commit()
    return {"site": site, "manager": manager, "li": li}


def import_url(home, suffix="") -> str:
    return f"/admin/sites/{home['site']['id']}/children/import{suffix}"


def upload(client, home, content: bytes, filename="花名册.xlsx"):
    fields = form_fields(client.get(import_url(home), headers=EN).data)
    return client.post(
        import_url(home),
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=EN,
    )


def confirm(client, home, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post(import_url(home, "/confirm"), data=fields, headers=EN, follow_redirects=True)


def children(app, site) -> dict[str, Child]:
    with app.app_context():
        found = db.session.execute(select(Child).where(Child.site_id == site["id"])).scalars().all()
        for child in found:
            child.categories  # noqa: B018  (loaded before the session closes)
        db.session.expunge_all()
        return {child.name: child for child in found}


def categories(child: Child) -> list[tuple[ChildCategory, date | None, date | None]]:
    return sorted((period.category, period.since, period.until) for period in child.categories)


def test_the_preview_says_what_each_row_would_do_and_writes_nothing(app, home):
    client = signed_in_client(app, home["manager"])
    response = upload(client, home, ledger())
    assert response.status_code == 200
    text = page_text(response.data)
    assert "New: 2. To update: 1. Unchanged: 0. With errors: 2." in text
    wang = "Row 3 王小明 · Will be added Boy · born 2015 · 三年级 · 王大山 · Grandfather (father's side) · 13812345678"
    assert wang + " · Left-behind、In difficulty" in text
    li = "Row 4 李思琪 · Already on the roster; 5 to update 出生年月: born 2016 · 监护人姓名: 李秀英"
    assert li + " · 与儿童关系: Grandmother (father's side) · 联系电话: 13911112222" in text
    assert "Row 6 张伟 · Will be added Boy · born 2015 Row 7" in text  # the Excel serial 42064 is 2015-03-01
    assert "Row 7 刘洋 · To correct Error in “联系电话”: Please write an 11-digit mobile number" in text
    assert "Row 8 王小明 · To correct Error in “姓名”: Same name as row 3." in text
    assert "Row 5" not in text and "Row 9" not in text  # the blank row and the numbered empty row
    # The preview says which columns it reads; 身份证号 is named as left out, what it holds is not shown.
    assert "Columns read: 姓名、性别、出生年月、年级、监护人姓名、与儿童关系、联系电话、儿童类别." in text
    assert "Columns not read (nothing in them is kept): 序号、身份证号." in text
    assert "450" not in text.split("Check the file")[1]
    assert "upload" not in form_fields(response.data)  # no confirm button while a row is wrong
    assert set(children(app, home["site"])) == {"李思琪"}
    assert count(app, SheetImport) == 0 and audits(app, "roster.import") == 0


def test_confirming_writes_once_and_updates_only_the_filled_cells(app, home):
    client = signed_in_client(app, home["manager"])
    content = ledger(bad_phone="13812340000", second_wang="王小明(小)")
    preview = upload(client, home, content)
    assert "New: 4. To update: 1. Unchanged: 0. With errors: 0." in page_text(preview.data)
    done = confirm(client, home, preview)
    assert "Roster imported: 4 added, 1 updated, 0 unchanged." in page_text(done.data)

    roster = children(app, home["site"])
    assert set(roster) == {"王小明", "李思琪", "张伟", "刘洋", "王小明(小)"}
    wang = roster["王小明"]
    assert (wang.status, wang.gender, wang.birth_year, wang.grade) == (ChildStatus.ACTIVE, "m", 2015, "三年级")
    assert (wang.guardian_name, wang.guardian_relation, wang.guardian_phone) == (
        "王大山",
        Relation.GRANDFATHER,
        "13812345678",
    )
    assert categories(wang) == [(ChildCategory.DIFFICULT, None, None), (ChildCategory.LEFT_BEHIND, None, None)]
    assert roster["刘洋"].birth_year == 2014 and roster["张伟"].birth_year == 2015
    li = roster["李思琪"]
    assert li.id == home["li"]
    assert (li.birth_year, li.guardian_name, li.guardian_relation, li.guardian_phone) == (
        2016,
        "李秀英",
        Relation.GRANDMOTHER,
        "13911112222",
    )
    # 困境 was not in the file: kept, with its start date; 留守 added.
    assert categories(li) == [
        (ChildCategory.DIFFICULT, date(2025, 1, 1), None),
        (ChildCategory.LEFT_BEHIND, None, None),
    ]

    # The same file again: the preview says so, and a second tab's confirm adds nothing.
    again = upload(client, home, content)
    assert "This file was already imported on" in page_text(again.data)
    assert "upload" not in form_fields(again.data)
    assert len(children(app, home["site"])) == 5 and count(app, SheetImport) == 1


def test_two_previews_of_one_file_confirmed_both_write_once(app, home):
    client = signed_in_client(app, home["manager"])
    content = ledger(bad_phone="", second_wang="王小明(小)")
    first, second = upload(client, home, content), upload(client, home, content)
    confirm(client, home, first)
    repeated = confirm(client, home, second)
    text = page_text(repeated.data)
    assert "This file was already imported on" in text and "Nothing new was written." in text
    assert len(children(app, home["site"])) == 5
    assert count(app, SheetImport) == 1 and audits(app, "roster.import") == 1
    assert audits(app, "child.create") == 4 and audits(app, "child.update") == 1


def test_the_same_file_counts_once_per_home_not_once_for_the_district(app, make, home):
    other = make.site("东门社区儿童之家", village="东门社区")
    admin = signed_in_client(app, make.user("boss", role="admin"))
    content = "姓名,性别\n黄子轩,男\n".encode()
    for site in (home["site"], other):
        place = {"site": site}
        done = confirm(admin, place, upload(admin, place, content, "名单.csv"))
        assert "Roster imported: 1 added, 0 updated, 0 unchanged." in page_text(done.data)
    assert "黄子轩" in children(app, home["site"]) and "黄子轩" in children(app, other)
    assert count(app, SheetImport) == 2


def test_the_audit_entry_says_who_imported_how_many_into_which_home(app, home):
    client = signed_in_client(app, home["manager"])
    confirm(client, home, upload(client, home, ledger(bad_phone="", second_wang="王小明(小)"), "东门台账.xlsx"))
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "roster.import")).scalar_one()
        assert entry.user_id == home["manager"]["id"] and entry.site_id == home["site"]["id"]
        assert entry.target == "东门台账.xlsx"
        assert (entry.details["created"], entry.details["updated"], entry.details["rows"]) == (4, 1, 5)
        # The file's fingerprint is hex: a 138 in it is chance (it failed the check now and then).
        assert len(entry.details["sha256"]) == 64
        stored = json.dumps({**entry.details, "sha256": ""}, ensure_ascii=False)
        assert not any(word in stored for word in ("王小明", "李思琪", "王大山", "138", "139"))


def test_a_file_with_fewer_columns_or_empty_cells_blanks_nothing(app, home):
    client = signed_in_client(app, home["manager"])
    csv = "姓名,性别,联系电话,年级\n李思琪,,,\n李思琪 \n".encode("gb18030")
    text = page_text(upload(client, home, csv, "名单.csv").data)
    assert "Error in “姓名”: Same name as row 2." in text  # a name written twice, however spaced
    csv = "姓名,联系电话\n李 思琪,\n".encode("gb18030")
    preview = upload(client, home, csv, "名单.csv")
    assert "New: 0. To update: 0. Unchanged: 1. With errors: 0." in page_text(preview.data)
    assert "Nothing new to import." in page_text(preview.data)
    preview = upload(client, home, "姓名,年级\n李思琪,三年级\n".encode(), "名单.csv")
    assert "Already on the roster; 1 to update 年级: 三年级" in page_text(preview.data)
    confirm(client, home, preview)
    li = children(app, home["site"])["李思琪"]
    assert (li.gender, li.grade, li.guardian_phone) == ("f", "三年级", "13900000000")
    assert categories(li) == [(ChildCategory.DIFFICULT, date(2025, 1, 1), None)]


@pytest.mark.usefixtures("frozen_afternoon")
def test_a_category_that_had_ended_starts_again_today(app, home, ctx):
    child = db.session.get(Child, home["li"])
    child.categories[0].until = date(2025, 6, 30)
    db.session.commit()
    site = db.session.get(Site, home["site"]["id"])
    plan = plan_roster_import(site, "姓名,类别\n李思琪,困境 留守\n".encode(), "名单.csv")
    (row,) = plan.rows
    assert row.changed == ("categories",)
    assert sorted((p.category, p.since, p.until) for p in row.data.categories) == [
        (ChildCategory.DIFFICULT, date(2026, 11, 27), None),
        (ChildCategory.LEFT_BEHIND, None, None),
    ]
    apply_roster_import(site, plan, user=db.session.get(User, home["manager"]["id"]))
    db.session.commit()
    # The ended period stays as it was: the months it covered keep their tallies.
    assert categories(db.session.get(Child, home["li"])) == [
        (ChildCategory.DIFFICULT, date(2025, 1, 1), date(2025, 6, 30)),
        (ChildCategory.DIFFICULT, date(2026, 11, 27), None),
        (ChildCategory.LEFT_BEHIND, None, None),
    ]


@pytest.mark.usefixtures("frozen_afternoon")
def test_the_value_rules_are_the_roster_forms(app, home):
    client = signed_in_client(app, home["manager"])
    csv = (
        "姓名,性别,出生日期,关系,类别,年级\n"
        "赵一,未知,1985-01-01,,,\n"
        "钱二,,2015.13,舅公,孤儿,\n"
        f"孙三,,,,,{'一' * 21}\n"
        f"{'李' * 31},,,,,\n"
        ",女,2015,,,\n"
    ).encode()
    text = page_text(upload(client, home, csv, "名单.csv").data)
    assert "Error in “性别”: “未知” is neither 男 nor 女." in text
    assert "Error in “出生日期”: Please write a year between 1990 and 2026." in text
    assert "Error in “出生日期”: “2015.13” is not a year or date of birth" in text
    assert "Error in “关系”: Unknown relation “舅公”." in text
    assert "Error in “类别”: Unknown category “孤儿”." in text
    assert "Error in “年级”: Please keep this to at most 20 characters." in text
    assert "Error in “姓名”: Please keep the name to at most 30 characters." in text
    assert "Error in “姓名”: Please write the child's name." in text
    assert "With errors: 5." in text


def test_a_guardian_group_title_over_two_header_rows(app, home):
    client = signed_in_client(app, home["manager"])
    content = workbook(
        [
            ["序号", "姓名", "性别", "监护人", None, None],
            [None, None, None, "姓名", "关系", "联系电话"],
            [1, "周杰", "男", "周建华", "父亲", "13712345678"],
        ]
    )
    preview = upload(client, home, content)
    assert "Row 3 周杰 · Will be added Boy · 周建华 · Father · 13712345678" in page_text(preview.data)
    confirm(client, home, preview)
    zhou = children(app, home["site"])["周杰"]
    assert (zhou.guardian_name, zhou.guardian_relation, zhou.guardian_phone) == (
        "周建华",
        Relation.FATHER,
        "13712345678",
    )


TAIZHANG_CHILDREN = [
    [
        1,
        "黄梓涵",
        "女",
        datetime(2015, 3, 8),
        "450102201503081224",
        "三年级",
        "留守",
        "黄建国",
        "父亲",
        "13812345678",
        None,
    ],
    [
        2,
        "覃大宝",
        "男",
        "2016.05",
        "450102201605011231",
        "二年级",
        "留守、困境",
        "覃秀英",
        "奶奶",
        "139 1111 2222",
        "双胞胎",
    ],
    [3, "陈 晨", "男", 42064, None, "四年级", "留守", "陈大", "爷爷", None, None],
]


def taizhang(*, merged: bool, end=(["合计", "3人"],)) -> bytes:
    """The standard Excel 台账: a two-row header, 监护人 over three columns, a total and a sign-off.

    ``merged``: each title merged down over both header rows, as the template has them; without,
    the titles sit in the upper row and the cells under them are empty.
    """
    book = Workbook()
    sheet = book.active
    sheet.append(["东门社区儿童之家留守困境儿童台账（2026年）"])
    sheet.append(["填报单位：东门社区（盖章）", *[None] * 7, "填报时间：2026年11月"])
    sheet.append(["序号", "姓名", "性别", "出生年月", "身份证号", "年级", "儿童类别", "监护人", None, None, "备注"])
    sheet.append([None] * 7 + ["姓名", "关系", "联系电话", None])
    for row in (*TAIZHANG_CHILDREN, *end):
        sheet.append(row)
    sheet.append(["填表人：李娟", *[None] * 4, "审核人：王芳"])
    footer = sheet.max_row
    for cells in ("A1:K1", "A2:H2", "I2:K2", "H3:J3", f"A{footer}:E{footer}", f"F{footer}:K{footer}"):
        sheet.merge_cells(cells)
    if merged:
        for column in "ABCDEFGK":
            sheet.merge_cells(f"{column}3:{column}4")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("merged", [True, False], ids=["titles merged down", "titles in the upper row"])
def test_the_standard_taizhang_with_a_two_row_header_a_total_and_a_sign_off(app, home, merged):
    client = signed_in_client(app, home["manager"])
    preview = upload(client, home, taizhang(merged=merged), "东门台账.xlsx")
    text = page_text(preview.data)
    assert "New: 3. To update: 0. Unchanged: 0. With errors: 0." in text
    huang = "Row 5 黄梓涵 · Will be added Girl · born 2015 · 三年级 · 黄建国 · Father · 13812345678 · Left-behind"
    assert huang in text
    assert (
        "Row 7 陈 晨 · Will be added Boy · born 2015 · 四年级 · 陈大 · Grandfather (father's side) · Left-behind"
        in text
    )
    assert "Columns read: 姓名、性别、出生年月、年级、儿童类别、监护人姓名、监护人关系、监护人联系电话." in text
    assert "Columns not read (nothing in them is kept): 序号、身份证号、备注." in text
    assert "Row 8 is the table's total (合计); it and the rows below it are not imported." in text
    assert "Row 4 " not in text and "3人" not in text.split("Check the file")[1]

    confirm(client, home, preview)
    roster = children(app, home["site"])
    assert set(roster) == {"李思琪", "黄梓涵", "覃大宝", "陈晨"}
    qin = roster["覃大宝"]
    assert (qin.guardian_name, qin.guardian_relation, qin.guardian_phone) == (
        "覃秀英",
        Relation.GRANDMOTHER,
        "13911112222",
    )


def test_without_a_total_the_children_end_at_the_sign_off(app, home):
    client = signed_in_client(app, home["manager"])
    text = page_text(upload(client, home, taizhang(merged=True, end=()), "东门台账.xlsx").data)
    assert "New: 3. To update: 0. Unchanged: 0. With errors: 0." in text
    assert "Row 8 and the rows below it are the sheet's sign-off (填表人, 审核人 …): not imported." in text
    assert "填表人：李娟" not in text and "Error" not in text


@pytest.mark.parametrize(
    "total",
    [
        [None, "合计", None, None, None, None, None, None, None, None, "6人"],  # the name cell
        ["合计：3人"],  # the first cell, with the count
        [None, None, "总 计", "3"],  # the first filled cell
        ["共计", "3人"],
    ],
)
def test_a_total_row_ends_the_children(app, home, total):
    client = signed_in_client(app, home["manager"])
    # A note under the total is not a child either.
    end = (total, [None, "注：本表每学期更新"])
    text = page_text(upload(client, home, taizhang(merged=False, end=end), "东门台账.xlsx").data)
    assert "New: 3. To update: 0. Unchanged: 0. With errors: 0." in text
    assert "Row 8 is the table's total" in text and "it and the rows below it are not imported." in text
    assert "本表" not in text and "Will be added" in text


def test_a_subtotal_between_groups_is_skipped_and_the_next_group_read(app, home):
    client = signed_in_client(app, home["manager"])
    csv = "姓名,类别\n周一,留守\n周二,留守\n小计,2人\n吴三,困境\n小计：1人\n合计,3人\n".encode()
    text = page_text(upload(client, home, csv, "名单.csv").data)
    assert "New: 3. To update: 0. Unchanged: 0. With errors: 0." in text
    assert "Row 5 吴三 · Will be added In difficulty" in text
    assert "Subtotal rows (小计), not imported: 4、6." in text
    assert "Row 7 is the table's total (合计); it and the rows below it are not imported." in text


@pytest.mark.parametrize(
    ("guardian", "phone"),
    [("家长姓名", "联系方式"), ("家长", "家长电话"), ("父母姓名", "监护人手机")],
)
def test_common_titles_are_read_and_the_preview_says_which_columns_are_not(app, home, guardian, phone):
    client = signed_in_client(app, home["manager"])
    csv = (
        f"序号,姓 名,性别,出生年月日,民族,身份证号,住址,{guardian},{phone},联係电话\n"
        "1,甘小雅,女,2016-05-01,壮族,450102201605011220,东门社区3号,甘大海,13812340000,13812340000\n"
    ).encode("gb18030")
    preview = upload(client, home, csv, "名单.csv")
    text = page_text(preview.data)
    assert "Row 2 甘小雅 · Will be added Girl · born 2016 · 甘大海 · 13812340000" in text
    assert f"Columns read: 姓 名、性别、出生年月日、{guardian}、{phone}." in text
    # Left out on purpose (minimum data), and a misspelt title that is not read either.
    assert "Columns not read (nothing in them is kept): 序号、民族、身份证号、住址、联係电话." in text
    shown = text.split("Check the file")[1]
    assert not any(value in shown for value in ("壮族", "450102", "东门社区3号"))
    confirm(client, home, preview)
    gan = children(app, home["site"])["甘小雅"]
    assert (gan.guardian_name, gan.guardian_phone) == ("甘大海", "13812340000")


@pytest.mark.parametrize(
    ("rows", "columns", "guardian"),
    [
        # Group titles above a one-row header: the second 姓名 is the guardian's.
        (
            [
                ["序号", "儿童基本信息", None, "监护人信息", None, None],
                ["序号", "姓名", "性别", "姓名", "关系", "电话"],
                [1, "周杰", "男", "周建华", "父亲", "13712345678"],
            ],
            {"name": "姓名", "gender": "性别", "guardian_name": "监护人信息姓名", "relation": "关系", "phone": "电话"},
            ("周建华", Relation.FATHER, "13712345678"),
        ),
        # 监护人 over its relation and phone only: the group title is not a column of names.
        (
            [
                ["姓名", "性别", "监护人", None, "备注"],
                [None, None, "关系", "电话", None],
                ["周杰", "男", "父亲", "13712345678", "双胞胎"],
            ],
            {"name": "姓名", "gender": "性别", "relation": "监护人关系", "phone": "监护人电话"},
            ("", Relation.FATHER, "13712345678"),
        ),
        # Titles merged down, and one the import does not know under the group (工作单位).
        (
            [
                ["姓名", "性别", "家长信息", "家长信息", "家长信息"],
                ["姓名", "性别", "姓名", "工作单位", "手机"],
                ["周杰", "男", "周建华", "广东东莞", "13712345678"],
            ],
            {"name": "姓名", "gender": "性别", "guardian_name": "家长信息姓名", "phone": "家长信息手机"},
            ("周建华", None, "13712345678"),
        ),
    ],
    ids=["group row above", "no name under the group", "an unknown title under the group"],
)
def test_header_layouts_with_a_guardian_group(home, ctx, rows, columns, guardian):
    content = workbook([*rows, ["合计", "1人"]])
    plan = plan_roster_import(db.session.get(Site, home["site"]["id"]), content, "台账.xlsx")
    assert plan.titles == columns
    (child,) = plan.rows
    assert child.problems == () and child.name == "周杰"
    assert (child.data.guardian_name, child.data.guardian_relation, child.data.guardian_phone) == guardian
    assert plan.total_row == 4


def test_a_child_waiting_for_review_is_matched_not_added_twice(app, make, home):
    waiting = make.child(home["site"], "陈晨")
    with app.app_context():
        db.session.get(Child, waiting).status = ChildStatus.TO_REVIEW
        db.session.commit()
    client = signed_in_client(app, home["manager"])
    confirm(client, home, upload(client, home, "姓名,性别\n陈晨,女\n".encode(), "名单.csv"))
    chen = children(app, home["site"])["陈晨"]
    assert (chen.id, chen.gender, chen.status) == (waiting, "f", ChildStatus.TO_REVIEW)


def test_phones_are_masked_but_for_the_homes_own_managers(app, make, home):
    content = "姓名,联系电话\n吴敏,13812345678\n".encode()
    own = page_text(upload(signed_in_client(app, home["manager"]), home, content, "名单.csv").data)
    assert "13812345678" in own
    admin = signed_in_client(app, make.user("boss", role="admin"))
    shown = page_text(upload(admin, home, content, "名单.csv").data)
    assert "138****5678" in shown and "13812345678" not in shown


def test_only_writers_of_the_home_may_import(app, make, home):
    other_home = make.site("东门社区儿童之家", village="东门社区")
    stranger = signed_in_client(app, make.user("bob", sites=[other_home]))
    assert stranger.get(import_url(home)).status_code == 404
    assert stranger.post(import_url(home, "/confirm"), data={}).status_code == 404
    viewer = signed_in_client(app, township_viewer(app, home["site"]))
    assert viewer.get(import_url(home)).status_code == 403
    assert "Import the roster from Excel" not in page_text(
        viewer.get(f"/admin/sites/{home['site']['id']}/children", headers=EN).data
    )
    manager = signed_in_client(app, home["manager"])
    roster_page = manager.get(f"/admin/sites/{home['site']['id']}/children", headers=EN)
    assert "Import the roster from Excel" in page_text(roster_page.data)
    # A confirm for another home's upload, sent to that home's address by its outsider, writes nothing.
    preview = upload(manager, home, "姓名\n郑好\n".encode(), "名单.csv")
    fields = form_fields(preview.data)
    assert stranger.post(import_url(home, "/confirm"), data=fields).status_code in (400, 404)
    assert "郑好" not in children(app, home["site"])


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2015", 2015),
        ("2015年", 2015),
        ("2015.03", 2015),
        ("2015.3", 2015),
        ("2015-03", 2015),
        ("2015/3", 2015),
        ("2015年3月", 2015),
        ("2015年03月08日", 2015),
        ("2015-03-08", 2015),
        ("2015/3/8", 2015),
        ("2015-03-08 00:00:00", 2015),
        ("２０１５．０３", 2015),
        ("201503", 2015),
        ("20150308", 2015),
        ("42064", 2015),
        ("2015.13", None),
        ("2015-02-30", None),
        ("三年级", None),
        ("15.3", None),
    ],
)
def test_birth_years_as_rosters_write_them(text, year):
    assert birth_year(text) == year


@pytest.mark.browser
@pytest.mark.parametrize("text_size", ["standard", "large"])
def test_the_preview_fits_a_360_px_phone(app, live_server, open_phone_with, home, text_size):
    from tests.browser_support import PHONE_WIDTH, log_in

    phone = open_phone_with(js=True)
    page = phone.page
    log_in(page, live_server, home["manager"])
    page.goto(f"{live_server}/text/{text_size}?next=/admin/")
    page.goto(f"{live_server}/admin/sites/{home['site']['id']}/children")
    page.locator(f'a[href="/admin/sites/{home["site"]["id"]}/children/import"]').click()
    content = ledger(bad_phone="13812340000", second_wang="欧阳娜娜·艾尼瓦尔")
    page.locator("input[name=file]").set_input_files(
        {"name": "新华村留守儿童花名册.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    button = page.locator(".preview form button[type=submit]")
    assert button.count() == 1, page.inner_text("main")
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")
    phone.screenshot(f"roster-import-preview-{text_size}")
    assert width <= PHONE_WIDTH
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH and box["height"] >= 44
