"""Ledger import: cells as clerks write them — relation notes in names, title rows, Excel serial dates."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, Child, Relation
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import EN, NOW, count, signed_in_client

URL = "/admin/ledger/import"
HEADER = "站点,日期,类型,活动名称,姓名,身份,关系\n"

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def district(app, make):
    dongmen = make.site("城关镇东门社区儿童之家", township="城关镇")
    boss = make.user("boss", role="admin")
    return {"dongmen": dongmen, "boss": boss}


def upload(client, content: bytes, filename: str = "台账.csv"):
    fields = form_fields(client.get(URL).data)
    return client.post(
        URL,
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=EN,
    )


def confirm(client, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post(f"{URL}/confirm", data=fields, headers=EN)


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_relation_note_in_the_name_is_who_signed_the_child_in(app, district):
    content = HEADER + (
        "城关镇东门社区儿童之家,2025/9/1,日常开放,,王小明,儿童,\n"
        "城关镇东门社区儿童之家,2025/9/1,日常开放,,王小明（奶奶）,儿童,\n"
        "城关镇东门社区儿童之家,2025/9/6,日常开放,,蒙佳怡(奶奶代签),儿童,\n"
        "城关镇东门社区儿童之家,2025/9/6,日常开放,,李思琪 外婆,儿童,\n"
        "城关镇东门社区儿童之家,2025/9/6,日常开放,,韦小宝,儿童,爷爷\n"
        "城关镇东门社区儿童之家,2025/9/6,家教宣讲,家长课,李秀英（奶奶）,家长,\n"
    )
    client = signed_in_client(app, district["boss"])
    preview = upload(client, content.encode())
    text = page_text(preview.data)
    assert "New children: 4." in text
    assert "Repeated in the file (counted once): 1." in text  # 王小明（奶奶） is 王小明
    # The preview names the children it adds, so a clerk can catch a name written another way.
    assert "New on the roster: 4" in text
    for row, name in ((2, "王小明"), (4, "蒙佳怡"), (5, "李思琪"), (6, "韦小宝")):
        assert f"{row} 城关镇东门社区儿童之家 {name}" in text
    assert confirm(client, preview).status_code == 302
    with app.app_context():
        attended = db.session.execute(select(Child.name, Attendance.signed_by).join(Attendance.child)).all()
        assert sorted(attended) == [
            ("李思琪", Relation.MATERNAL_GRANDMOTHER),
            ("王小明", None),
            ("蒙佳怡", Relation.GRANDMOTHER),
            ("韦小宝", Relation.GRANDFATHER),
        ]
        guardian = db.session.execute(select(AdultSignIn)).scalar_one()
        assert (guardian.name, guardian.relation) == ("李秀英", Relation.GRANDMOTHER)
    assert count(app, Child) == 4


def test_a_relation_alone_or_contradicted_is_still_refused(app, district):
    content = HEADER + (
        "城关镇东门社区儿童之家,2025/9/1,日常开放,,奶奶,儿童,\n"
        "城关镇东门社区儿童之家,2025/9/1,家教宣讲,家长课,李秀英（奶奶）,家长,母亲\n"
    )
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, content.encode()).data)
    assert "2 姓名 “奶奶” is a relation, not a name." in text
    assert "3 关系 The name says “Grandmother (father's side)”, the relation column “Mother”." in text
    assert count(app, Child) == 0


def test_a_title_row_above_the_header_and_excel_serial_dates(app, district):
    content = xlsx(
        ["2025年儿童之家活动台账"],
        ["序号", "儿童之家名称", "活动日期", "活动类型", "姓名", "身份"],
        [1, "城关镇东门社区儿童之家", 45901, "日常开放", "王小明", "儿童"],  # a number: 2025-09-01
        [2, "城关镇东门社区儿童之家", "45906", "日常开放", "王小明", "儿童"],  # as text, from a CSV
        [3, "城关镇东门社区儿童之家", datetime(2025, 9, 8, 15, 30), "日常开放", "王小明", "儿童"],
        [4, "城关镇东门社区儿童之家", "2025-09-09 15:30", "日常开放", "王小明", "儿童"],
        [5, "城关镇东门社区儿童之家", 1234, "日常开放", "王小明", "儿童"],
    )
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, content, "台账.xlsx").data)
    assert "7 活动日期 “1234” is not a date like 2026-11-27." in text  # numbered as the sheet numbers rows
    preview = upload(client, xlsx(*[row for row in _rows_of(content) if row[0] != 5]), "台账.xlsx")
    assert "Rows: 4. New activities: 4." in page_text(preview.data)
    confirm(client, preview)
    with app.app_context():
        days = db.session.execute(select(Attendance.activity_id)).scalars().all()
        assert len(days) == 4
        on = sorted(db.session.execute(select(Activity.on_date)).scalars())
        assert on == [date(2025, 9, 1), date(2025, 9, 6), date(2025, 9, 8), date(2025, 9, 9)]


def test_a_day_after_today_is_refused_in_the_readers_words(app, district, frozen_afternoon):
    content = xlsx(
        ["儿童之家名称", "活动日期", "活动类型", "姓名", "身份"],
        ["城关镇东门社区儿童之家", "2026-12-05", "日常开放", "王小明", "儿童"],
    )
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, content, "台账.xlsx").data)
    assert "December 5, 2026 is in the future." in text
    assert "2026-12-05 is in the future" not in text
    assert count(app, Attendance) == 0


def _rows_of(raw: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True)]


def test_missing_columns_are_named_in_the_readers_language_and_the_help_lists_the_dates(app, district):
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, "2025年台账\n站点,姓名\n东门,王小明\n".encode()).data)
    assert "Missing columns: date, kind, role." in text
    help_text = page_text(client.get(URL, headers=EN).data)
    assert "2026.11.27, 2026年11月27日, or an Excel date cell" in help_text


def test_homes_whose_names_differ_only_by_spacing(app, make, district):
    # A twin made by an earlier sites import, before it matched names by their key.
    make.site("城关镇东门社区　儿童之家", township="城关镇")
    make.site("新华村儿童之家", township="城关镇")
    make.site("新华村儿童之家", township="那坡乡")
    content = HEADER + (
        "城关镇东门社区儿童之家,2025/9/1,日常开放,,王小明,儿童,\n"  # spelt exactly as the first
        "城关镇东门社区 儿童之家,2025/9/1,日常开放,,李思琪,儿童,\n"  # could be either
        "那坡乡新华村儿童之家,2025/9/1,日常开放,,韦小宝,儿童,\n"  # the township says which
    )
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, content.encode()).data)
    assert "3 站点 Several Children's Homes are called “城关镇东门社区 儿童之家”" in text
    assert " 2 站点" not in text and " 4 站点" not in text
