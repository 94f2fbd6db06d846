"""Hostile text in every public field, then every workspace page, PDF and export that shows it.

HTML: the payload comes back escaped (as text), never as a tag, handler or javascript: URL.
PDF: WeasyPrint renders the payload as text (pdftotext reads it back), so no markup ran.
CSV/XLSX: no formula cell, and text a spreadsheet would run starts with a single quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html import escape

import pytest

from formsvc.surveys.models import SurveyAnswer
from tests.conftest import login
from tests.pdftools import pdf_text
from tests.security.attack_world import FORMULAS, LIVE_MARKUP, MARKUP, PAYLOADS, ZH, build, rows, sign_in_everywhere

TRIGGERS = ("=", "+", "-", "@")


@pytest.fixture
def world(app, make, today):
    world = build(app, make, today)
    sign_in_everywhere(app, world)
    return world


def pages(world) -> dict[str, str]:
    site, activity = world.site["id"], world.activity["id"]
    return {
        "day view": f"/admin/sites/{site}",
        "roster": f"/admin/sites/{site}/children",
        "review queue": f"/admin/sites/{site}/review",
        "roll-call": f"/admin/activities/{activity}/roll-call",
        "kiosk": f"/admin/activities/{activity}/kiosk",
        "tallies": "/admin/tallies",
        "survey results": f"/admin/surveys/{world.survey_id}/results",
        "dashboard": "/admin/",
        "audit log": "/admin/audit/",
    }


def assert_no_live_markup(body: str, where: str) -> None:
    for live in LIVE_MARKUP:
        assert live not in body, (where, live)
    for payload in MARKUP:
        assert payload not in body or escape(payload) == payload, (where, payload)
    assert not re.search(r"""<[^>]*\b(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", body, re.I), where
    assert not re.search(r"<img[^>]*onerror|<svg[^>]*onload", body, re.I), where


PAGE_NAMES = ["day view", "roster", "review queue", "roll-call", "kiosk", "tallies", "survey results", "dashboard"]


@pytest.mark.parametrize("who", ["admin", "manager"])
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_workspace_pages_show_hostile_input_as_text(app, world, name, who):
    client = app.test_client()
    login(client, world.admin if who == "admin" else world.manager)
    response = client.get(pages(world)[name], headers=ZH)
    assert response.status_code == 200, (name, response.status_code)
    body = response.get_data(as_text=True)
    assert_no_live_markup(body, name)
    if name in ("day view", "roster", "review queue", "roll-call", "survey results"):
        assert escape("<script>alert(1)</script>") in body, name  # shown, as text


def test_the_kiosk_json_masks_and_escapes(app, world):
    client = app.test_client()
    login(client, world.manager)
    response = client.get(f"/admin/activities/{world.activity['id']}/kiosk.json")
    assert response.status_code == 200
    # JSON, never sniffed as HTML; static/kiosk.js puts the names in with textContent.
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    raw = response.get_data(as_text=True)
    data = json.loads(raw)
    for name in data["recent"]:
        assert name not in PAYLOADS
        assert "*" in name  # masked: first and last character only
    assert "138" not in raw


def test_the_public_pages_never_echo_other_peoples_input(app, world):
    phone = app.test_client()
    token = world.activity["token"]
    for path in (f"/s/{world.site['token']}", f"/a/{token}/child", f"/a/{token}/guardian", f"/q/{world.survey_token}"):
        body = phone.get(path, headers=ZH).get_data(as_text=True)
        assert_no_live_markup(body, path)
        for payload in PAYLOADS:
            assert escape(payload) not in body, (path, payload)


@pytest.mark.parametrize("document", ["sheet", "survey results", "tally"])
def test_pdfs_print_hostile_input_as_text(app, world, document):
    client = app.test_client()
    login(client, world.admin)
    url = {
        "sheet": f"/admin/activities/{world.activity['id']}/sheet.pdf",
        "survey results": f"/admin/surveys/{world.survey_id}/results.pdf",
        "tally": "/admin/tallies.pdf",
    }[document]
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), document
    text = re.sub(r"\s+", "", pdf_text(response.data))
    # pdftotext reads some glyph runs of the subset fonts back imperfectly ("alert)</script>"),
    # so whole payloads are checked where it reads them faithfully, the rest by their opening.
    if document == "sheet":
        for payload in PAYLOADS:
            assert re.sub(r"\s+", "", payload)[:12] in text, (document, payload)
        for payload in ("<script>alert(1)</script>", "{{7*7}}<b>t</b>", "-1+1", "@SUM(1+1)"):
            assert payload in text, (document, payload)
    if document == "survey results":
        assert "<script>alert(1)</script>" in text
        assert '"><imgsrc=x' in text


def xlsx_cells(body: bytes) -> list:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("export", ["sheet.xlsx", "survey results.xlsx", "tally.xlsx", "tally.csv"])
def test_exports_keep_formulas_and_markup_as_text(app, world, export):
    client = app.test_client()
    login(client, world.admin)
    url = {
        "sheet.xlsx": f"/admin/activities/{world.activity['id']}/sheet.xlsx",
        "survey results.xlsx": f"/admin/surveys/{world.survey_id}/results.xlsx",
        "tally.xlsx": "/admin/tallies.xlsx",
        "tally.csv": "/admin/tallies.csv",
    }[export]
    response = client.get(url)
    assert response.status_code == 200, export
    if export.endswith(".csv"):  # a CSV has no text cells: a leading ' keeps a formula text
        values = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]
        assert [value for value in values if value.startswith(TRIGGERS)] == [], export
    else:  # a text cell with Excel's quote prefix: shown as typed, never run, also after an edit
        cells = xlsx_cells(response.data)
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == [], export
        guarded = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS)]
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in guarded), export
        values = [cell.value for cell in cells if isinstance(cell.value, str)]
    if export in ("sheet.xlsx", "survey results.xlsx"):
        for payload in FORMULAS:
            assert payload in values, (export, payload)  # kept as typed, as text
        assert "<script>alert(1)</script>" in values


def test_survey_answers_are_stored_as_typed(app, world):
    stored = {answer.text for answer in rows(app, SurveyAnswer)}
    assert set(PAYLOADS) <= stored
