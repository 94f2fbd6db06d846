"""The tally page and its PDF, Excel, CSV and command-line renderings, scoped to the reader."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.tallies.exports import CSV_HEADER
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, local, login, page_text
from tests.pdftools import assert_a4, assert_only_named_fonts, pdf_text
from tests.tally_world import AS_OF, CATEGORIES, KINDS, YEAR, World, build_world


@pytest.fixture
def world(app) -> World:
    return build_world(app)


frozen = clock_stopped_at(local(2026, 10, 15, 10, 0), autouse=False)


@pytest.fixture
def admin(make):
    return make.user("admin", role="admin")


def test_the_tally_page_shows_the_totals_a_chart_and_the_paragraph(client, world, admin, frozen):
    login(client, admin)
    with client.application.app_context():
        tally = compute_tally("district", *YEAR, as_of=AS_OF)
    response = client.get("/admin/tallies?scope=district&period=2026", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    html = response.data.decode()
    text = page_text(html)
    assert "<svg" in html and 'role="img"' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # CSP: no inline styles
    total = tally.total.figures
    paragraph = (
        f"2026年，全区4个儿童之家共开展活动{total.activities}次，"
        f"服务儿童{total.child_participations}人次（{total.distinct_children}人）"
    )
    assert paragraph in text
    assert f"开展家教宣讲{total.activities_by_kind['parent_training']}次" in text
    table = page_text(html.split('<div class="table-scroll"', 1)[1])
    for name in ("新华村儿童之家", "河西村儿童之家", "那坡村儿童之家", "百合村儿童之家"):
        assert name in table
    assert "龙湾村儿童之家" not in table  # inactive, nothing in the period; still in the scope menu


def test_a_period_that_is_not_one_is_explained(client, world, admin, frozen):
    login(client, admin)
    response = client.get("/admin/tallies?scope=district&period=2026-13", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "2026-Q4" in page_text(response.data)
    assert client.get("/admin/tallies.csv?scope=district&period=2026-13").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "period=9999",
        "period=0000",
        "period=9999-Q4",
        "date_from=2026-01-01&date_to=9999-12-31",
        "date_from=0001-01-01&date_to=2026-01-01",
        "date_from=2026-01-01&date_to=2926-12-31",  # a typo: centuries of years to read
    ],
)
def test_years_out_of_range_are_explained_not_a_crash(client, world, admin, frozen, query):
    login(client, admin)
    response = client.get(f"/admin/tallies?scope=district&{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "A tally covers the years 2000 to 2099; please check the dates." in page_text(response.data)
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"/admin/tallies.{fmt}?scope=district&{query}").status_code == 400


def test_csv_export_has_the_documented_header_and_the_same_numbers(app, client, world, admin, frozen):
    login(client, admin)
    response = client.get("/admin/tallies.csv?scope=district&period=2026")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = (
        ["row_type", "township", "site", "activities", "child_participations", "distinct_children"]
        + ["guardian_signins", "volunteer_signins", "survey_responses", "mean_rating"]
        + [f"activities_{kind}" for kind in KINDS]
        + [f"child_participations_{kind}" for kind in KINDS]
        + [f"distinct_children_{kind}" for kind in KINDS]
        + ["paper_records", "digital_records"]
        + [f"category_{category}_participations" for category in CATEGORIES]
        + [f"category_{category}_children" for category in CATEGORIES]
    )
    assert rows[0] == header == CSV_HEADER
    assert [row[0] for row in rows[1:]] == ["site"] * 4 + ["township"] * 2 + ["total"]
    with app.app_context():
        tally = compute_tally("district", *YEAR, as_of=AS_OF)
    total = dict(zip(header, rows[-1], strict=True))
    assert int(total["child_participations"]) == tally.total.figures.child_participations
    assert int(total["distinct_children"]) == tally.total.figures.distinct_children
    assert int(total["activities_parent_training"]) == tally.total.figures.activities_by_kind["parent_training"]
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "tally.export")).scalar_one()
        assert entry.details["format"] == "csv" and entry.target == "district"


def test_xlsx_export_numbers_frozen_header_and_no_formulas(app, client, world, admin, frozen):
    from openpyxl import load_workbook

    with app.app_context():
        db.session.get(Site, world.sites["河西村儿童之家"]["id"]).name = "=cmd|' /C calc'!A0"
        db.session.commit()
    login(client, admin)
    response = client.get("/admin/tallies.xlsx?scope=district&period=2026", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "C4"
    assert sheet.auto_filter.ref == f"A3:{sheet.cell(row=3 + 7, column=sheet.max_column).coordinate}"  # 小计 filter out
    header = [cell.value for cell in sheet[3]]
    assert header[:5] == ["Township", "Children's Home", "Activities", "Child visits", "Children"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 4 + 2 + 1
    assert "=cmd|' /C calc'!A0" in [row[1] for row in rows]  # as typed, no stray quote in front
    (name,) = [row[1] for row in sheet.iter_rows(min_row=4) if row[1].value == "=cmd|' /C calc'!A0"]
    assert name.data_type == "s" and name.quotePrefix  # text, never a formula, also after an edit
    mean = header.index("Mean rating")  # no survey in this world: empty
    for row in rows:
        assert all(isinstance(value, int) for value in row[2:mean] + row[mean + 1 :]), row
        assert row[mean] is None
    for cell in sheet[4]:
        assert cell.data_type != "f"
    assert sheet.column_dimensions["B"].width >= 16  # seven Chinese characters fit
    # Printed from Excel: A4 landscape, all 41 columns on one page's width, the header on every page.
    assert (int(sheet.page_setup.paperSize), sheet.page_setup.orientation) == (9, "landscape")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$3:$3"


def test_pdf_export_is_a_landscape_a4_with_the_sites_and_totals(client, world, admin, frozen):
    login(client, admin)
    response = client.get("/admin/tallies.pdf?scope=district&period=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    assert_a4(pdf, landscape=True)
    assert_only_named_fonts(pdf)
    text = pdf_text(pdf)
    with client.application.app_context():
        tally = compute_tally("district", *YEAR, as_of=AS_OF)
    for name in ("新华村儿童之家", "河西村儿童之家", "那坡村儿童之家", "百合村儿童之家", "城关镇", "那坡乡"):
        assert name in text
    total = tally.total.figures
    numbers = text.split()
    for value in (total.activities, total.child_participations, total.distinct_children, total.guardian_signins):
        assert str(value) in numbers


def test_tally_from_the_command_line(app, runner, world, tmp_path, frozen):
    out = tmp_path / "tally.csv"
    args = ["tally", "--scope", "district", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv"]
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    with app.app_context():
        tally = compute_tally("district", *YEAR, as_of=AS_OF)
    assert int(rows[-1]["activities"]) == tally.total.figures.activities
    for fmt in ("pdf", "xlsx"):
        out = tmp_path / f"tally.{fmt}"
        result = runner.invoke(args=[*args[:-1], fmt, "--out", str(out)])
        assert result.exit_code == 0 and out.stat().st_size > 1000
    # The sheet is in the district's language; the command's own lines, its refusals included, in English.
    assert "全区" in openpyxl.load_workbook(out).active["A1"].value
    assert result.output == f"Wrote the tally of district from 2026-01-01 to 2026-12-31 to {out}.\n"
    bad = runner.invoke(args=["tally", "--scope", "county:1", "--from", "2026-01-01", "--to", "2026-12-31",
                              "--format", "csv", "--out", str(out)])  # fmt: skip
    assert bad.exit_code != 0 and "Unknown scope “county:1”." in bad.output
    typo = runner.invoke(
        args=[*args[:3], "--from", "2026-01-01", "--to", "9999-12-31", "--format", "csv", "--out", str(out)]
    )
    assert typo.exit_code == 1 and "2000" in typo.output and "Traceback" not in typo.output
    assert "A tally covers the years 2000 to" in typo.output
    backwards = runner.invoke(args=[*args[:3], "--from", "2026-12-31", "--to", "2026-01-01", "--format", "csv",
                                    "--out", str(out)])  # fmt: skip
    assert backwards.exit_code == 1 and "The period starts after it ends." in backwards.output


def test_a_manager_only_tallies_own_sites(app, client, make, world, frozen):
    mine = world.sites["新华村儿童之家"]
    other = world.sites["河西村儿童之家"]
    manager = make.user("amy", sites=[{"id": mine["id"]}])
    login(client, manager)
    for path in ("/admin/tallies", "/admin/tallies.csv", "/admin/tallies.pdf", "/admin/tallies.xlsx"):
        assert client.get(f"{path}?scope=site:{other['id']}&period=2026").status_code == 404
        assert client.get(f"{path}?scope=district&period=2026").status_code == 404
        assert client.get(f"{path}?scope=township:{mine['township_id']}&period=2026").status_code == 404
    own = client.get("/admin/tallies", query_string={"period": "2026"})
    assert own.status_code == 200
    text = page_text(own.data)
    assert "新华村儿童之家" in text and "河西村儿童之家" not in text
    rows = list(csv.reader(io.StringIO(client.get("/admin/tallies.csv?period=2026").data.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:] if row[0] == "site"] == ["新华村儿童之家"]


def test_a_township_viewer_sees_the_township(app, client, world, frozen):
    township_id = world.sites["那坡村儿童之家"]["township_id"]
    with app.app_context():
        create_user(username="tina", password="secret-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=township_id)
        db.session.commit()
    login(client, {"username": "tina", "password": "secret-pass-1"})
    assert client.get("/admin/tallies?scope=district&period=2026").status_code == 404
    response = client.get("/admin/tallies?period=2026")
    text = page_text(response.data)
    assert "那坡村儿童之家" in text and "新华村儿童之家" not in text


def test_the_paragraphs_volunteers_are_those_at_volunteer_activities(client, world, admin, frozen):
    with client.application.app_context():
        total = compute_tally("district", *YEAR, as_of=AS_OF).total.figures
    at_volunteer_activities = total.volunteers_by_kind["volunteer"]
    assert total.volunteer_signins > at_volunteer_activities  # the world has helpers at other activities too
    login(client, admin)
    text = page_text(client.get("/admin/tallies?scope=district&period=2026", headers={"Accept-Language": "zh-CN"}).data)
    assert (
        f"开展志愿服务活动{total.activities_by_kind['volunteer']}次，志愿者参与{at_volunteer_activities}人次，" in text
    )
