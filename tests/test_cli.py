"""The command line calls the same services as the views."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site, SiteLevel


def site_rows(app):
    with app.app_context():
        return {
            (site.township.name, site.name): (site.village, site.level)
            for site in db.session.execute(select(Site)).scalars()
        }


def test_seed_demo_then_list_sites_as_csv(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "http://formsvc.test/s/" in result.output
    listed = runner.invoke(args=["sites", "list", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(listed.output)))
    assert rows[0] == ["id", "township", "name", "village", "level", "url"]
    assert len(rows) == 7
    assert all(row[5].startswith("http://formsvc.test/s/") for row in rows[1:])
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0


def test_sites_import_reads_utf8_with_bom(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes("township,name,village,level\n城关镇,新华村儿童之家,新华村,市级示范\n".encode("utf-8-sig"))
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert site_rows(app) == {("城关镇", "新华村儿童之家"): ("新华村", SiteLevel.CITY_MODEL)}
    with app.app_context():  # audited like the upload in the workspace: the file's name and sha256
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site.import")).scalar_one()
        assert entry.target == "sites.csv" and entry.user_id is None
        assert entry.details["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sites_import_reads_gb18030_with_chinese_headers(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes("乡镇,名称,村/社区,级别\n那坡乡,百合村儿童之家,百合村,自治区级示范\n".encode("gb18030"))
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert site_rows(app) == {("那坡乡", "百合村儿童之家"): ("百合村", SiteLevel.REGION_MODEL)}


def test_sites_import_reads_xlsx_and_updates_on_reimport(app, runner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["township", "name", "village", "level"])
    sheet.append(["城关镇", "东门社区儿童之家", "东门社区", "standard"])
    path = tmp_path / "sites.xlsx"
    workbook.save(path)
    assert runner.invoke(args=["sites", "import", str(path)]).exit_code == 0
    sheet["D2"] = "city_model"
    workbook.save(path)
    result = runner.invoke(args=["sites", "import", str(path)])
    assert "create 0, update 1" in result.output
    assert "城关镇 东门社区儿童之家: level standard → city_model" in result.output  # what changes, as on the page
    assert site_rows(app)[("城关镇", "东门社区儿童之家")][1] == SiteLevel.CITY_MODEL


def test_a_bad_row_imports_nothing_and_names_row_and_column(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("township,name,level\n城关镇,甲儿童之家,standard\n,乙儿童之家,standard\n城关镇,丙,国家级\n\n")
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code != 0
    assert "row 3, column township" in result.output
    assert "row 4, column level" in result.output
    assert site_rows(app) == {}


def test_dry_run_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("township,name\n城关镇,甲儿童之家\n")
    result = runner.invoke(args=["sites", "import", str(path), "--dry-run"])
    assert "create 1" in result.output
    assert site_rows(app) == {}


def test_users_create_binds_a_manager_to_sites(app, runner, make):
    site = make.site()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "Amy",
            "--password",
            "long-enough-1",
            "--role",
            "manager",
            "--site",
            str(site["id"]),
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.username == "amy"
        assert [s.id for s in user.sites] == [site["id"]]
        assert user.check_password("long-enough-1")


def test_users_create_refuses_an_unknown_site(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "amy",
            "--password",
            "long-enough-1",
            "--role",
            "manager",
            "--site",
            "4242",
        ]
    )
    assert result.exit_code != 0


@pytest.mark.parametrize(("role", "message"), [("manager", "site manager"), ("township_viewer", "township")])
def test_users_create_refuses_an_account_that_would_see_nothing(app, runner, role, message):
    args = ["users", "create", "--username", "amy", "--password", "long-enough-1", "--role", role]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.execute(select(User)).scalars().all() == []
