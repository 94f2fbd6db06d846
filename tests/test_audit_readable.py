"""Each line of the audit log reads as a clerk would say it, in Chinese and in English.

QA: details showed raw values (改动: []) and internal keys (tally.export, site:1). Each entry is
now its action's title, what it is about by name (a home, a township, the whole district, a
child's sign-in), and its details in words: ids named, codes translated, empty lists left out.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from formsvc.attendance.models import Attendance, Source
from formsvc.audit.services import record
from formsvc.extensions import db
from tests.conftest import login
from tests.test_audit_view import table_rows

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
CODE = re.compile(r"\b[a-z_]+[.:][a-z_0-9]+\b")  # tally.export, site:1, attendances:3, moved_from …


@pytest.fixture
def logged(app, make):
    site = make.site(name="新华村儿童之家", township="城关镇")
    activity = make.activity(site, day=date(2026, 11, 27), title="周末阅读")
    child_id = make.child(site, "韦小红")
    admin = make.user("boss", role="admin")
    with app.app_context():
        attendance = Attendance(child_id=child_id, activity_id=activity["id"], source=Source.ROLL_CALL)
        db.session.add(attendance)
        db.session.flush()
        record("site.import", target="儿童之家名单一.xlsx", created=0, updated=0, changes=[])
        record(
            "site.import",
            target="儿童之家名单二.xlsx",
            created=0,
            updated=1,
            changes=[{"site_id": site["id"], "name": "新华村儿童之家", "address": [None, "东门路8号"]}],
        )
        record(
            "child.update",
            site_id=site["id"],
            target=f"child:{child_id}",
            before={"name": "韦小红", "status": "to_review", "categories": []},
            after={"name": "韦小红", "status": "active", "categories": [["left_behind", "2026-09-01", None]]},
        )
        record(
            "rollcall.present",
            site_id=site["id"],
            target=f"attendance:{attendance.id}",
            activity_id=activity["id"],
            child_id=child_id,
            name="韦小红",
        )
        record("attendance.void", site_id=site["id"], target=f"attendances:{attendance.id}", reason="点错了")
        record(
            "paper.enter",
            site_id=site["id"],
            target=f"activity:{activity['id']}",
            audience="guardians",
            records=[7, 8, 9],
            new_children=0,
            skipped=1,
        )
        record("series.create", site_id=site["id"], target="activity_series:999", kind="daily", weekdays="12345")
        record("activity.edit", site_id=site["id"], target=f"activities:{activity['id']}", moved_from="2026-11-20")
        record("survey.export", target="survey_templates:999", format="xlsx", scope="district", date_from=None)
        record("ledger.import", target="台账.xlsx", rows=12, via="web")
        db.session.commit()
    return {"site": site, "admin": admin}


def test_a_tally_exported_for_one_home_reads_as_its_home(app, client, logged):
    login(client, logged["admin"])
    site_id = logged["site"]["id"]
    assert client.get(f"/admin/tallies.csv?scope=site:{site_id}&period=2026-11").status_code == 200
    zh = table_rows(client.get("/admin/audit/?action=tally.export", headers=ZH).data)
    assert len(zh) == 1
    assert "导出统计表 新华村儿童之家 新华村儿童之家 从：2026-11-01 到：2026-11-30 格式：CSV" in zh[0]
    en = table_rows(client.get("/admin/audit/?action=tally.export", headers=EN).data)
    assert "Tally exported 新华村儿童之家 新华村儿童之家 From: 2026-11-01 To: 2026-11-30 Format: CSV" in en[0]
    assert not CODE.search(zh[0] + en[0]), zh[0] + en[0]


def test_every_detail_is_in_words_and_empty_ones_are_left_out(client, logged):
    login(client, logged["admin"])
    rows = table_rows(client.get("/admin/audit/", headers=ZH).data)
    text = " ".join(rows)

    def row_of(part: str) -> str:
        return next(row for row in rows if part in row)

    assert "改动" not in row_of("儿童之家名单一.xlsx")  # QA: 改动: []
    assert "改动：新华村儿童之家 地址：— → 东门路8号" in row_of("儿童之家名单二.xlsx")
    assert "改动：儿童类别：— → 留守儿童（2026-09-01至…）；状态：新增，待核对 → 在册" in row_of("修改儿童信息")
    assert "点名：到 新华村儿童之家 韦小红 · 周末阅读 2026-11-27 活动：周末阅读 2026-11-27 儿童：韦小红" in text
    assert "作废儿童签到 新华村儿童之家 韦小红 · 周末阅读 2026-11-27 原因：点错了" in text
    assert "记录：3" in row_of("录入纸质签到表") and "谁来签到：家长签到" in row_of("录入纸质签到表")
    assert "重复活动 #999" in row_of("安排重复活动") and "星期：周一至周五" in row_of("安排重复活动")
    assert "原定日期：2026-11-20" in row_of("修改或取消活动")
    assert row_of("导出问卷结果").endswith("问卷 #999 格式：Excel 范围：全区")  # no 从 without a date
    assert "方式：工作台" in row_of("导入台账")
    assert not CODE.search(text), CODE.findall(text)
    assert "[" not in text and "{" not in text and ": " not in text  # full-width colons in Chinese


def test_the_same_lines_read_in_english(client, logged):
    login(client, logged["admin"])
    text = " ".join(table_rows(client.get("/admin/audit/", headers=EN).data))
    assert "Changes: 新华村儿童之家 Address: — → 东门路8号" in text
    assert "Status: New — to review → On the roster" in text
    assert "Who signs in: Parent and guardian sign-in" in text and "Records: 3" in text
    assert "Weekdays: Mon to Fri" in text and "Repeating activity #999" in text
    assert "Through: Workspace" in text and "Survey #999" in text
    assert not CODE.search(text), CODE.findall(text)
