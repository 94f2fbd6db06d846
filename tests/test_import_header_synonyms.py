"""Every sheet import reads a column by the titles the district's sheets give it (名字 for 姓名,
手机号码 for 电话 …), from one table.

QA (a village site manager): a roster file titled 名字 was refused "缺少列：姓名".
"""

from __future__ import annotations

import pytest

from formsvc.attendance.models import Relation
from formsvc.attendance.roster_import import RowAction, plan_roster_import
from formsvc.attendance.roster_sheet import ROSTER_COLUMNS
from formsvc.extensions import db
from formsvc.imports import ledger as ledger_import
from formsvc.imports.ledger_values import LEDGER_COLUMNS
from formsvc.imports.sheet_upload import sheet_aliases
from formsvc.sites.models import Site, SiteLevel
from formsvc.sites.services import SITE_COLUMNS, plan_site_import
from formsvc.tabular import SAME_TITLES, header_index
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.test_roster_import import upload
from tests.workspace_helpers import EN, NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
TABLES = {"ledger": LEDGER_COLUMNS, "sites": SITE_COLUMNS, "roster": ROSTER_COLUMNS}


@pytest.mark.parametrize("table", ["ledger", "sites", "roster", "sheet"])
def test_every_title_of_a_group_reads_as_the_same_column(app, table):
    """A table that knows one title of a group reads each of them as that column, and never two
    titles of one group as two different columns (类型 and 类别 must not share a group)."""
    with app.app_context():
        aliases = sheet_aliases() if table == "sheet" else TABLES[table]
    for first, others in SAME_TITLES.items():
        group = (first, *others)
        known = {aliases[title] for title in group if title in aliases}
        assert len(known) <= 1, f"{table}: {group} read as {known}"
        if known:
            (column,) = known
            assert {title: header_index([title], aliases) for title in group} == dict.fromkeys(group, {column: 0})


@pytest.mark.parametrize(
    ("table", "title", "column"),
    [
        ("roster", "名字", "name"),
        ("roster", "出生日期", "birth"),
        ("roster", "班级", "grade"),
        ("roster", "家长姓名", "guardian_name"),
        ("roster", "与孩子的关系", "relation"),
        ("roster", "手机号码", "phone"),
        ("roster", "儿童分类", "categories"),
        ("ledger", "名字", "name"),
        ("ledger", "活动日期", "date"),
        ("ledger", "儿童之家名称", "site"),
        ("ledger", "联系方式", "phone"),
        ("ledger", "村（居）", "village"),
        ("sites", "所在乡镇", "township"),
        ("sites", "站点名称", "name"),
        ("sites", "所在社区", "village"),
        ("sites", "详细地址", "address"),
        ("sheet", "名字", "name"),
        ("sheet", "手机号码", "phone"),
        ("sheet", "编号", "number"),
    ],
)
def test_common_titles_each_import_reads(app, table, title, column):
    with app.app_context():
        aliases = sheet_aliases() if table == "sheet" else TABLES[table]
    assert header_index(["备注", title], aliases) == {column: 1}


def test_titles_that_only_look_alike_stay_apart():
    """A ledger's 类型 is the activity's kind, its 类别 the child's categories; 身份 is not 关系."""
    assert header_index(["类型", "类别", "身份", "关系"], LEDGER_COLUMNS) == {
        "kind": 0,
        "categories": 1,
        "role": 2,
        "relation": 3,
    }
    assert header_index(["名字"], SITE_COLUMNS) == {}  # a home has a 名称, a person a 姓名


def test_a_roster_titled_名字_imports(app, make):
    """QA: "缺少列：姓名" for a file whose header said 名字."""
    site = make.site()
    manager = make.user("amy", sites=[site])
    client = signed_in_client(app, manager)
    content = (
        "序号,名字,性别,出生日期,班级,家长姓名,与孩子的关系,手机号码\n"
        "1,王小明,男,2015.03,三年级,王大山,爷爷,13812345678\n"
    )
    preview = upload(client, {"site": site}, content.encode(), "花名册.csv")
    text = page_text(preview.data)
    assert "Missing columns" not in text and "New: 1." in text, text
    with app.app_context():
        plan = plan_roster_import(db.session.get(Site, site["id"]), content.encode(), "花名册.csv")
        (row,) = plan.rows
        assert row.action == RowAction.NEW
        data = row.data
        assert (row.name, data.gender, data.birth_year, data.grade) == ("王小明", "m", 2015, "三年级")
        assert (data.guardian_name, data.guardian_relation, data.guardian_phone) == (
            "王大山",
            Relation.GRANDFATHER,
            "13812345678",
        )
    assert "upload" in form_fields(preview.data)


def test_a_ledger_and_a_sites_list_with_other_common_titles(app, make):
    make.site("新华村儿童之家", township="城关镇")
    ledger = (
        "儿童之家名称,活动日期,类型,名字,身份,联系方式\n新华村儿童之家,2026-10-01,节日活动,李秀英,家长,13812345678\n"
    )
    with app.test_request_context(headers=EN):
        plan = ledger_import.plan_ledger_import(ledger.encode(), "台账.csv")
        assert plan.problems == [] and plan.rows == 1
        (record,) = plan.records
        assert (record.name, record.phone) == ("李秀英", "13812345678")
        sites = "所在乡镇,站点名称,所在社区,等级,详细地址\n城关镇,河东村儿童之家,河东村,市级示范,河东村委会\n"
        planned = plan_site_import(sites.encode(), "sites.csv")
        assert planned.problems == []
        (created,) = planned.to_create
        assert (created["township"], created["name"], created["village"]) == ("城关镇", "河东村儿童之家", "河东村")
        assert (created["level"], created["address"]) == (SiteLevel.CITY_MODEL, "河东村委会")
