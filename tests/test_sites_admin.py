"""Site admin: create, edit, deactivate, and the spreadsheet import with a preview."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import func, select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site
from tests.conftest import form_fields, login, page_text


def admin_client(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


def site_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Site.id))).scalar_one()


def test_admin_creates_and_edits_a_site(app, make):
    client = admin_client(app, make)
    fields = form_fields(client.get("/admin/sites/new").data)
    response = client.post(
        "/admin/sites/new",
        data={**fields, "township": "城关镇", "name": "新华村儿童之家", "village": "新华村", "level": "city_model"},
    )
    assert response.status_code == 302
    with app.app_context():
        site_id = db.session.execute(select(Site.id)).scalar_one()
    fields = form_fields(client.get(f"/admin/sites/{site_id}/edit").data)
    assert fields["name"] == "新华村儿童之家"
    client.post(f"/admin/sites/{site_id}/edit", data={**fields, "address": "新华村委会一楼", "level": "standard"})
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.address == "新华村委会一楼" and site.level.value == "standard"


def test_a_duplicate_site_name_is_refused_with_the_input_kept(app, make):
    make.site("新华村儿童之家", township="城关镇")
    client = admin_client(app, make)
    fields = form_fields(client.get("/admin/sites/new").data)
    response = client.post(
        "/admin/sites/new",
        data={**fields, "township": "城关镇", "name": "新华村儿童之家", "village": "新华", "level": "standard"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "already has a Children's Home with this name" in page_text(response.data)
    assert form_fields(response.data)["village"] == "新华"
    assert site_count(app) == 1


def test_deactivating_a_site_keeps_it_and_closes_sign_in(app, make):
    site = make.site()
    client = admin_client(app, make)
    token = form_fields(client.get("/admin/sites/").data)["csrf_token"]
    client.post(f"/admin/sites/{site['id']}/deactivate", data={"csrf_token": token})
    assert site_count(app) == 1
    page = app.test_client().get(f"/s/{site['token']}", headers={"Accept-Language": "en"})
    assert "not taking sign-ins" in page_text(page.data)


def upload(client, content: bytes, filename: str):
    fields = form_fields(client.get("/admin/sites/import").data)
    return client.post(
        "/admin/sites/import",
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def test_import_previews_then_writes_on_confirm_only_once(app, make):
    client = admin_client(app, make)
    rows = "township,name,village,level\n" + "".join(f"城关镇,第{i}儿童之家,第{i}村,standard\n" for i in range(3))
    preview = upload(client, rows.encode("utf-8-sig"), "sites.csv")
    assert "New: 3" in page_text(preview.data)
    assert site_count(app) == 0
    confirm = form_fields(preview.data)
    assert client.post("/admin/sites/import/confirm", data=confirm).status_code == 302
    assert site_count(app) == 3
    client.post("/admin/sites/import/confirm", data=confirm)
    assert site_count(app) == 3


def test_import_of_a_bad_file_lists_rows_and_writes_nothing(app, make):
    client = admin_client(app, make)
    bad = "乡镇,名称,级别\n城关镇,甲,普通\n城关镇,甲,普通\n,乙,普通\n\n城关镇,丙,省级\n".encode("gb18030")
    preview = upload(client, bad, "sites.csv")
    text = page_text(preview.data)
    assert "Same site as row 2" in text
    assert "Unknown level" in text
    assert "Import now" not in text
    assert site_count(app) == 0


def test_import_refuses_wrong_encoding_and_missing_columns(app, make):
    client = admin_client(app, make)
    assert b"\x80".decode("gb18030", errors="replace") == "\ufffd"  # invalid in GB18030 as in UTF-8
    assert "neither UTF-8 nor GB18030" in page_text(upload(client, b"township,name\n\x80\x80\n", "sites.csv").data)
    assert "Missing columns: township." in page_text(upload(client, "name\n甲\n".encode(), "sites.csv").data)
    assert "Please upload a CSV or XLSX file." in page_text(upload(client, b"x", "sites.pdf").data)


def test_import_of_ten_thousand_rows(app, make):
    client = admin_client(app, make)
    rows = "township,name\n" + "".join(f"镇{i % 50},儿童之家{i}\n" for i in range(10_000))
    preview = upload(client, rows.encode(), "big.csv")
    assert "New: 10000" in page_text(preview.data)
    client.post("/admin/sites/import/confirm", data=form_fields(preview.data))
    assert site_count(app) == 10_000


def test_the_audit_entry_names_the_uploaded_file_and_its_sha256(app, make):
    client = admin_client(app, make)
    content = "乡镇,名称\n城关镇,新华村儿童之家\n".encode()
    preview = upload(client, content, "2026年儿童之家名单.csv")
    assert client.post("/admin/sites/import/confirm", data=form_fields(preview.data)).status_code == 302
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site.import")).scalar_one()
        assert entry.target == "2026年儿童之家名单.csv"  # not the name the upload was kept under
        assert entry.details["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry.details["created"] == 1


def test_problems_name_the_column_as_the_file_does(app, make):
    client = admin_client(app, make)
    rows = [
        "乡镇,名称,村/社区,级别",
        "城关镇,新华村儿童之家,新华村,普通",
        "城关镇,河西村儿童之家,河西村,普通",
        "城关镇,那坡村儿童之家,那坡村,普通",
        ",百合村儿童之家,百合村,普通",
        "城关镇,龙湾村儿童之家,龙湾村,国家级",
        "城关镇,新华村儿童之家,新华村,普通",
        "城关镇,平安村儿童之家," + "平" * 61 + ",普通",
    ]
    text = page_text(upload(client, "\n".join(rows).encode("gb18030"), "sites.csv").data)
    assert "5 乡镇 This cell must not be empty." in text
    assert "6 级别 Unknown level “国家级”." in text
    assert "7 名称 Same site as row 2." in text
    assert "8 村/社区 At most 60 characters." in text
    english = page_text(upload(client, b"Name,Township\n,x\n", "sites.csv").data)
    assert "2 Name This cell must not be empty." in english
    assert site_count(app) == 0


def test_an_unchanged_file_has_nothing_to_import(app, make):
    client = admin_client(app, make)
    content = "乡镇,名称,村/社区\n城关镇,新华村儿童之家,新华村\n".encode()
    client.post("/admin/sites/import/confirm", data=form_fields(upload(client, content, "sites.csv").data))
    assert site_count(app) == 1
    again = upload(client, content, "sites.csv")
    text = page_text(again.data)
    assert "New: 0. Changed: 0. Unchanged: 1." in text and "Nothing new to import." in text
    assert "Import now" not in text and "upload" not in form_fields(again.data)


def test_wtforms_own_messages_are_said_plainly(app, make):
    """Not 字段长度不能超过 80 个字符 / 该字段是必填字段: the app's own words."""
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    url = f"/admin/sites/{site['id']}/edit"
    fields = form_fields(client.get(url).data)
    response = client.post(url, data={**fields, "name": "长" * 81}, headers={"Accept-Language": "zh-CN"})
    text = page_text(response.data)
    assert "这里最多填 80 个字。" in text and "请填写这一项。" in text  # the name, and the level not sent
    assert "字段" not in text
