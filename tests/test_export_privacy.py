"""Exports and printouts: phone numbers masked unless a district admin asks, and that is audited."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text
from tests.pdftools import pdf_text

DAY = date(2026, 11, 27)
PHONE = "13812345678"


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def world(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, guardians=True)
    phone = app.test_client()
    url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(phone.get(url).data)
    assert phone.post(url, data={**fields, "name": "韦丽娟", "relation": "mother", "phone": PHONE}).status_code == 302
    return {
        "site": site,
        "lecture": lecture,
        "admin": make.user("boss", role="admin"),
        "manager": make.user("amy", sites=[site]),
    }


def audits(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def sheet_text(response, kind: str) -> str:
    if kind == "pdf":
        return pdf_text(response.data)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
@pytest.mark.parametrize("who", ["admin", "manager"])
def test_sheets_mask_phone_numbers_by_default(app, world, kind, who):
    client = app.test_client()
    login(client, world[who])
    response = client.get(f"/admin/activities/{world['lecture']['id']}/sheet.{kind}")
    assert response.status_code == 200
    text = sheet_text(response, kind)
    assert "138****5678" in text and PHONE not in text
    action = "sheet.print" if kind == "pdf" else "sheet.export"
    (entry,) = audits(app, action)
    assert entry.user_id == world[who]["id"] and entry.site_id == world["site"]["id"]


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
def test_full_numbers_only_for_the_district_admin_and_audited(app, world, kind):
    url = f"/admin/activities/{world['lecture']['id']}/sheet.{kind}?phones=full"
    manager = app.test_client()
    login(manager, world["manager"])
    assert manager.get(url).status_code == 403
    action = "sheet.print_full_phones" if kind == "pdf" else "sheet.export_full_phones"
    assert audits(app, action) == []
    admin = app.test_client()
    login(admin, world["admin"])
    response = admin.get(url)
    assert response.status_code == 200
    assert PHONE in sheet_text(response, kind)
    (entry,) = audits(app, action)
    assert entry.user_id == world["admin"]["id"]
    assert entry.site_id == world["site"]["id"] and entry.target == f"activity:{world['lecture']['id']}"
    assert entry.at is not None


def test_the_day_view_offers_full_numbers_to_the_admin_only(app, world):
    admin = app.test_client()
    login(admin, world["admin"])
    manager = app.test_client()
    login(manager, world["manager"])
    path = f"/admin/sites/{world['site']['id']}"
    assert "phones=full" in admin.get(path).get_data(as_text=True)
    assert "phones=full" not in manager.get(path).get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_tally_exports_carry_no_names_or_phones_and_are_audited(app, world, fmt):
    client = app.test_client()
    login(client, world["admin"])
    response = client.get(f"/admin/tallies.{fmt}")
    assert response.status_code == 200
    text = {"pdf": pdf_text, "xlsx": lambda body: sheet_text(response, "xlsx"), "csv": bytes.decode}[fmt](response.data)
    assert "韦丽娟" not in text and PHONE not in text
    assert len(audits(app, "tally.export")) == 1
    assert "韦丽娟" not in page_text(client.get("/admin/tallies").data)
