"""Ledger (台账) import: past activities and who came, checked first, written once, re-imported harmlessly."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from datetime import time as dt_time

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from formsvc.activities.models import Activity, ActivityKind
from formsvc.activities.services import ActivityPlan, schedule
from formsvc.attendance.models import (
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    ChildStatus,
    Relation,
    Source,
)
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.imports.models import SheetImport
from formsvc.sites.models import Site
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.workspace_helpers import EN, NOW, audits, count, signed_in_client, township_viewer

URL = "/admin/ledger/import"
HEADER = "site,date,kind,title,name,role,village,relation,phone,categories\n"


frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def district(app, make):
    xinhua = make.site("新华村儿童之家", township="城关镇")
    hexi = make.site("河西村儿童之家", township="城关镇")
    boss = make.user("boss", role="admin")
    return {"xinhua": xinhua, "hexi": hexi, "boss": boss}


def ledger_csv(district) -> str:
    hexi = district["hexi"]["id"]
    return HEADER + (
        "新华村儿童之家,2026-10-01,festival,国庆游园,王小明,child,,,,留守\n"
        '新华村儿童之家,2026-10-01,festival,国庆游园,李思琪,child,,,,"留守,困境"\n'
        "新华村儿童之家,2026-10-01,festival,国庆游园,李秀英,guardian,新华村,grandmother,13812345678,\n"
        "新华村儿童之家,2026-10-01,festival,国庆游园,张华,volunteer,县团委,,,\n"
        "\n"
        f"{hexi},2026-10-08,daily,,王小明,child,,,,\n"
        f"{hexi},2026-10-08,parent_training,家庭教育讲座,韦大姐,guardian,河西村,mother,,\n"
    )


def upload(client, content: bytes, filename: str = "台账.csv", headers: dict = EN):
    fields = form_fields(client.get(URL).data)
    response = client.post(
        URL,
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )
    # The test client spools a body over 500 KB to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def confirm(client, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post(f"{URL}/confirm", data=fields, headers=EN)


def snapshot(app) -> tuple[int, ...]:
    return tuple(
        count(app, model) for model in (Activity, Child, ChildCategoryPeriod, Attendance, AdultSignIn, SheetImport)
    )


def test_preview_then_import_creates_activities_children_and_records(app, district):
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger_csv(district).encode("utf-8-sig"))
    text = page_text(preview.data)
    assert "Rows: 6. New activities: 3. New children: 3. Category periods: 3." in text
    assert "children: 3, guardians: 2, volunteers: 1. Already in the database (skipped): 0." in text
    assert snapshot(app) == (0, 0, 0, 0, 0, 0)  # checking writes nothing
    done = confirm(client, preview)
    assert done.status_code == 302
    assert "Imported. Records: 6, new activities: 3, new children: 3, category periods: 3." in page_text(
        client.get(done.headers["Location"], headers=EN).data
    )
    with app.app_context():
        activities = db.session.execute(select(Activity).order_by(Activity.on_date, Activity.kind)).scalars().all()
        assert [(a.site_id, a.on_date, a.kind, a.title) for a in activities] == [
            (district["xinhua"]["id"], date(2026, 10, 1), ActivityKind.FESTIVAL, "国庆游园"),
            (district["hexi"]["id"], date(2026, 10, 8), ActivityKind.DAILY, ""),
            (district["hexi"]["id"], date(2026, 10, 8), ActivityKind.PARENT_TRAINING, "家庭教育讲座"),
        ]
        festival = activities[0]
        assert (activities[1].opens_at, activities[1].for_children) == (festival.opens_at + timedelta(days=7), True)
        assert (festival.for_children, festival.for_guardians, festival.for_volunteers) == (True, True, True)
        children = db.session.execute(select(Child).order_by(Child.id)).scalars().all()
        assert [(c.site_id, c.name, c.status) for c in children] == [
            (district["xinhua"]["id"], "王小明", ChildStatus.ACTIVE),
            (district["xinhua"]["id"], "李思琪", ChildStatus.ACTIVE),
            (district["hexi"]["id"], "王小明", ChildStatus.ACTIVE),
        ]
        periods = db.session.execute(select(ChildCategoryPeriod).order_by(ChildCategoryPeriod.id)).scalars().all()
        assert sorted((p.child.name, p.category, p.since, p.until) for p in periods) == [
            ("李思琪", ChildCategory.DIFFICULT, date(2026, 10, 1), None),
            ("李思琪", ChildCategory.LEFT_BEHIND, date(2026, 10, 1), None),
            ("王小明", ChildCategory.LEFT_BEHIND, date(2026, 10, 1), None),
        ]
        records = db.session.execute(select(Attendance)).scalars().all() + list(
            db.session.execute(select(AdultSignIn)).scalars()
        )
        assert {(r.source, r.recorded_by_id) for r in records} == {(Source.IMPORT, district["boss"]["id"])}
        guardian = db.session.execute(select(AdultSignIn).where(AdultSignIn.name == "李秀英")).scalar_one()
        assert (guardian.relation, guardian.phone, guardian.village) == (Relation.GRANDMOTHER, "13812345678", "新华村")
        volunteer = db.session.execute(select(AdultSignIn).where(AdultSignIn.name == "张华")).scalar_one()
        assert volunteer.role == AdultRole.VOLUNTEER and volunteer.signed_in_at == festival.opens_at
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "ledger.import")).scalar_one()
        assert audit.user_id == district["boss"]["id"]
        assert (audit.details["children"], audit.details["guardians"], audit.details["volunteers"]) == (3, 2, 1)
        assert audit.details["activities_created"] == 3 and audit.details["via"] == "web"


def test_re_importing_adds_nothing(app, runner, district, tmp_path):
    client = signed_in_client(app, district["boss"])
    content = ledger_csv(district).encode()
    confirm(client, upload(client, content))
    after_first = snapshot(app)
    again = upload(client, content, filename="again.csv")
    text = page_text(again.data)
    assert "This file was already imported on" in text and "by boss" in text
    assert "Already in the database (skipped): 6." in text and "upload" not in form_fields(again.data)
    # A changed file (other bytes) with the same rows and one more: only the new row is written.
    path = tmp_path / "more.csv"
    path.write_bytes(
        (ledger_csv(district) + "新华村儿童之家,2026-10-01,festival,国庆 游园,黄子轩,child,,,,留守\n").encode()
    )
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "new activities: 0 of 3" in result.output and "already present: 6" in result.output
    # "label: count" reads right for one as for many (it said "1 new children, 1 category periods").
    assert "new children: 1; category periods: 1;" in result.output
    assert "Imported. Records: 1, new activities: 0, new children: 1, category periods: 1." in result.output
    assert snapshot(app) == (3, 4, 4, 4, 3, 2)
    assert after_first == (3, 3, 3, 3, 3, 1)
    repeat = runner.invoke(args=["ledger", "import", str(path)])
    assert repeat.exit_code == 0 and "already imported" in repeat.output and "Nothing new" in repeat.output
    assert snapshot(app) == (3, 4, 4, 4, 3, 2)
    assert audits(app, "ledger.import") == 2


def test_chinese_headers_values_and_gb18030(app, runner, district, tmp_path):
    existing = district["xinhua"]
    content = (
        "站点,日期,类型,活动名称,姓名,身份,村/社区,关系,电话,类别\n"
        "新华村儿童之家,2026/9/10,慰问,中秋慰问,黄子轩,儿童,,,,留守、困境\n"
        "新华村儿童之家,2026年9月10日,慰问,中秋慰问,黄奶奶,家长,新华村,奶奶,138-1234-5678,\n"
        "新华村儿童之家,2026/09/10,日常开放,,黄子轩,儿童,,,,残疾，军烈属\n"
        "新华村儿童之家,2026/09/10,志愿服务,助学,韦老师,志愿者,县一中,,,\n"
    ).encode("gb18030")
    path = tmp_path / "台账.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kinds = db.session.execute(select(Activity.kind)).scalars().all()
        assert sorted(kinds) == [ActivityKind.DAILY, ActivityKind.VISIT, ActivityKind.VOLUNTEER]
        child = db.session.execute(select(Child).where(Child.site_id == existing["id"])).scalar_one()
        assert {p.category for p in child.categories} == {
            ChildCategory.LEFT_BEHIND,
            ChildCategory.DIFFICULT,
            ChildCategory.DISABLED,
            ChildCategory.MILITARY_FAMILY,
        }
        guardian = db.session.execute(select(AdultSignIn).where(AdultSignIn.name == "黄奶奶")).scalar_one()
        assert (guardian.relation, guardian.phone) == (Relation.GRANDMOTHER, "13812345678")
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "ledger.import")).scalar_one()
        assert audit.user_id is None and audit.details["via"] == "cli"


def test_xlsx_with_date_cells_and_an_existing_activity_and_roster(app, make, district):
    site = district["xinhua"]
    lecture = make.activity(site, day=date(2026, 11, 20), title="家庭教育讲座", guardians=True)
    daily = make.daily(site, date(2026, 11, 21))
    wang = make.child(site, "王小明")
    with app.app_context():
        db.session.add(ChildCategoryPeriod(child_id=wang, category=ChildCategory.LEFT_BEHIND, since=date(2026, 1, 1)))
        db.session.add(ChildCategoryPeriod(child_id=wang, category=ChildCategory.DIFFICULT, since=date(2026, 11, 25)))
        db.session.commit()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["站点", "日期", "类型", "活动名称", "姓名", "身份", "类别"])
    sheet.append([site["id"], datetime(2026, 11, 20), "家教宣讲", "家庭教育 讲座", "王 小明", "儿童", "留守，困境"])
    sheet.append([site["id"], datetime(2026, 11, 21), "daily", "", "王小明", "child", ""])
    out = io.BytesIO()
    workbook.save(out)
    client = signed_in_client(app, district["boss"])
    preview = upload(client, out.getvalue(), "台账.xlsx")
    assert "New activities: 0. New children: 0. Category periods: 1." in page_text(preview.data)
    confirm(client, preview)
    with app.app_context():
        activity = db.session.get(Activity, lecture["id"])
        assert activity.for_children and activity.for_guardians  # now takes the children it had
        assert count(app, Activity) == 2
        assert {a.activity_id for a in db.session.execute(select(Attendance)).scalars()} == {lecture["id"], daily["id"]}
        periods = db.session.execute(
            select(ChildCategoryPeriod.category, ChildCategoryPeriod.since, ChildCategoryPeriod.until).order_by(
                ChildCategoryPeriod.id
            )
        ).all()
        # 留守 already covered the lecture's day; 困境 gets a period up to the one the manager had set.
        assert [tuple(period) for period in periods] == [
            (ChildCategory.LEFT_BEHIND, date(2026, 1, 1), None),
            (ChildCategory.DIFFICULT, date(2026, 11, 25), None),
            (ChildCategory.DIFFICULT, date(2026, 11, 20), date(2026, 11, 24)),
        ]


def test_row_errors_name_row_and_column_and_nothing_is_written(app, make, district):
    make.site("新华村儿童之家", township="那坡乡")  # a second site of this name, elsewhere
    hexi = district["hexi"]["id"]
    content = HEADER + (
        f"{hexi},2026-13-01,daily,,甲,child,,,,\n"
        f"{hexi},27.11.2026x,daily,,乙,child,,,,\n"
        f"{hexi},2027-01-01,daily,,丙,child,,,,\n"
        "\n"
        f"{hexi},2026-10-01,lecture,,丁,child,,,,\n"
        f"{hexi},2026-10-01,daily,,戊,grandma,,,,\n"
        f"{hexi},2026-10-01,visit,慰问,己,guardian,,uncle bob,12345,\n"
        f"{hexi},2026-10-01,visit,慰问,庚,guardian,,,,留守\n"
        f"{hexi},2026-10-01,visit,慰问,辛,child,,,,富裕\n"
        "新华村儿童之家,2026-10-01,daily,,壬,child,,,,\n"
        "不存在儿童之家,2026-10-01,daily,,癸,child,,,,\n"
        f"{hexi},,daily,,{'长' * 31},child,,,,\n"
        f"{hexi},2026-10-01,daily,,王小明,child,,,,\n"
        f"{hexi},2026-10-01,daily,,王小明,child,,,,\n"
    )
    client = signed_in_client(app, district["boss"])
    preview = upload(client, content.encode())
    text = page_text(preview.data)
    assert "The file has errors; nothing was imported." in text
    for expected in (
        "2 date “2026-13-01” is not a date like 2026-11-27.",
        "3 date “27.11.2026x” is not a date",
        "4 date January 1, 2027 is in the future.",
        "6 kind Unknown kind of activity “lecture”.",
        "7 role Unknown role “grandma”: child, guardian or volunteer.",
        "8 relation Unknown relation “uncle bob”.",
        "8 phone “12345” is not an 11-digit mobile number.",
        "9 categories Categories are for children only.",
        "10 categories Unknown category “富裕”.",
        "11 site Several Children's Homes are called “新华村儿童之家”; please give the site's id.",
        "12 site No Children's Home “不存在儿童之家”.",
        "13 date This cell must not be empty.",
        "13 name A name has at most 30 characters.",
    ):
        assert expected in text, expected
    assert "Import now" not in text and "upload" not in form_fields(preview.data)
    assert snapshot(app) == (0, 0, 0, 0, 0, 0)


def test_duplicates_within_the_file_count_once(app, runner, district, tmp_path):
    hexi = district["hexi"]["id"]
    path = tmp_path / "dup.csv"
    path.write_text(
        HEADER
        + f"{hexi},2026-10-01,daily,,王小明,child,,,,\n"
        + f"{hexi},2026-10-01,daily,,王 小明,child,,,,\n"
        + f"{hexi},2026-10-01,daily,,李秀英,guardian,,,,\n"
        + f"{hexi},2026-10-01,daily,,李秀英,volunteer,,,,\n"
    )
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, path.read_bytes(), "dup.csv").data)
    assert "Repeated in the file (counted once): 1." in text
    assert "3 name Same person at the same activity as row 2; counted once." in text
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert count(app, Attendance) == 1 and count(app, AdultSignIn) == 2 and count(app, Child) == 1


def test_bad_files(app, district):
    client = signed_in_client(app, district["boss"])
    assert "neither UTF-8 nor GB18030" in page_text(upload(client, HEADER.encode() + b"\x80\x80\n").data)
    # Named by the headers of the page's language, whatever the file's headers are written in.
    assert "Missing columns: date, role." in page_text(upload(client, "site,kind,name\n甲,daily,乙\n".encode()).data)
    assert "Please upload a CSV or XLSX file." in page_text(upload(client, b"x", "ledger.pdf").data)
    assert "The file is empty." in page_text(upload(client, b"", "ledger.csv").data)
    assert "no rows below its header" in page_text(upload(client, (HEADER + ",,,\n\n").encode()).data)
    assert "could not be read" in page_text(upload(client, b"PK\x03\x04", "ledger.xlsx").data)


def test_the_dry_run_writes_nothing(app, runner, district, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(ledger_csv(district))
    result = runner.invoke(args=["ledger", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "records to write: children 3, guardians 2, volunteers 1" in result.output and "Dry run" in result.output
    assert snapshot(app) == (0, 0, 0, 0, 0, 0)
    path.write_text(HEADER + "x,2026-10-01,daily,,甲,child,,,,\n")
    bad = runner.invoke(args=["ledger", "import", str(path)])
    assert bad.exit_code != 0 and "row 2, column site" in bad.output
    # A refused file is not matched: what it would add is unknown, not 0.
    assert "rows: 1; rows with errors: 1" in bad.output and "new children" not in bad.output


def test_only_district_admins(app, make, district):
    manager = signed_in_client(app, make.user("amy", sites=[district["xinhua"]]))
    token = form_fields(manager.get("/admin/password").data)["csrf_token"]
    assert manager.get(URL).status_code == 403
    assert manager.post(URL, data={"csrf_token": token}).status_code == 403
    assert manager.post(f"{URL}/confirm", data={"csrf_token": token, "upload": "a" * 24}).status_code == 403
    viewer = signed_in_client(app, township_viewer(app, district["xinhua"]))
    assert viewer.get(URL).status_code == 403


def test_ten_thousand_rows_are_written_once_and_sent_again_add_nothing(app, runner, make, district, tmp_path):
    sites = [district["xinhua"], district["hexi"]] + [make.site(f"第{i}儿童之家") for i in range(8)]
    kinds = ["daily", "parent_training", "volunteer", "visit", "festival"]
    roles = {"daily": "child", "parent_training": "guardian", "volunteer": "volunteer"}
    lines = [HEADER]
    for i in range(10_000):
        a = i // 50  # 200 activities of about 50 people each, at 10 sites
        site = sites[a % 10]["name"]
        kind = kinds[a % 5]
        day = date(2026, 1 + a % 10, 1 + (a // 10) % 28).isoformat()
        role = roles.get(kind, "child")
        categories = "留守" if role == "child" and i % 3 == 0 else ""
        phone = f"138{i:08d}" if role == "guardian" else ""
        lines.append(f"{site},{day},{kind},活动{kind},人{(i * 7) % 400},{role},某村,,{phone},{categories}\n")
    content = "".join(lines).encode()
    client = signed_in_client(app, district["boss"])
    # How long it takes is measured by bench/ledger.py (a benchmark, with its baseline), not here.
    preview = upload(client, content, "big.csv")
    assert "Rows: 10000." in page_text(preview.data)
    assert confirm(client, preview).status_code == 302
    written = count(app, Attendance) + count(app, AdultSignIn)
    assert written == 10_000 - _repeats(lines)
    path = tmp_path / "big-again.csv"
    path.write_bytes(content + b"\n")
    before = snapshot(app)
    again = runner.invoke(args=["ledger", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert f"already present: {written}" in again.output
    assert snapshot(app)[:5] == before[:5]


def _repeats(lines: list[str]) -> int:
    """Rows naming a person already named at the same site, date, kind and role."""
    seen, repeats = set(), 0
    for line in lines[1:]:
        site, day, kind, _title, name, role, *_rest = line.split(",")
        key = (site, day, kind, name, role)
        repeats += key in seen
        seen.add(key)
    return repeats


def test_a_row_on_a_series_day_nobody_opened_goes_to_that_day_not_a_second_activity(app, district):
    """The tally counts a series' days without rows: a one-off beside the 14th would count it twice."""
    site = district["xinhua"]
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="周六家长课堂",
            day=date(2026, 11, 7),
            opens=dt_time(9),
            closes=dt_time(11),
            for_guardians=True,
            weekdays="6",
        )
        series_id = schedule(plan, [db.session.get(Site, site["id"])])[0].id
        db.session.commit()
    ledger = HEADER + "新华村儿童之家,2026-11-14,parent_training,周六 家长课堂,韦大姐,guardian,新华村,mother,,\n"
    client = signed_in_client(app, district["boss"])
    assert confirm(client, upload(client, ledger.encode("utf-8-sig"))).status_code == 302
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        activity = db.session.get(Activity, signin.activity_id)
        assert (activity.series_id, activity.on_date, activity.for_guardians) == (series_id, date(2026, 11, 14), True)
        assert signin.signed_in_at == local(2026, 11, 14, 9, 0)
        tally = compute_tally(f"site:{site['id']}", date(2026, 11, 1), date(2026, 11, 30))
    assert tally.total.figures.activities_by_kind["parent_training"] == 3  # 7, 14 and 21 November; the 14th once
