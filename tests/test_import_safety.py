"""Uploaded spreadsheets are read safely: size and type checked, no XML entities, no formulas run."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from formsvc.errors import DomainError
from formsvc.tabular import UPLOAD_MAX_BYTES, read_rows
from tests.conftest import form_fields, login, page_text
from tests.security.attack_world import database_fingerprint


def workbook(cells: dict[str, object]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for coordinate, value in cells.items():
        book.active[coordinate] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(raw: bytes, rewrite) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = rewrite(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


def billion_laughs() -> bytes:
    """A workbook whose cell A1 is &lol9; — 10⁹ "lol"s once expanded (about 3 GB)."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    )
    doctype = f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [{entities}]>\n'

    def rewrite(xml: str) -> str:
        xml = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
        return doctype + xml.replace("<t>x</t>", "<t>&lol9;</t>")

    return with_sheet_xml(workbook({"A1": "x"}), rewrite)


def test_defusedxml_is_what_openpyxl_parses_with():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_billion_laughs_workbook_is_refused_quickly(ctx):
    started = time.perf_counter()
    with pytest.raises(DomainError) as refused:
        read_rows(billion_laughs(), "laughs.xlsx")
    assert refused.value.code == "bad_xlsx"
    assert time.perf_counter() - started < 5


def test_a_zip_bomb_is_refused_before_parsing(ctx):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    assert len(out.getvalue()) < UPLOAD_MAX_BYTES
    with pytest.raises(DomainError) as refused:
        read_rows(out.getvalue(), "bomb.xlsx")
    assert refused.value.code == "bad_xlsx"


def test_formulas_are_not_evaluated(ctx):
    rows = read_rows(workbook({"A1": "名称", "A2": "=1+1", "B2": '=HYPERLINK("http://e.vil","x")'}), "f.xlsx")
    assert "2" not in rows[1]  # no cached value: nothing was calculated
    assert all(not cell.startswith("=") or cell in ("=1+1", '=HYPERLINK("http://e.vil","x")') for cell in rows[1])


@pytest.mark.parametrize(
    "raw, filename, code",
    [
        (b"MZ\x90\x00 not a spreadsheet", "tool.exe", "bad_file_type"),
        (b"<html><script>alert(1)</script>", "page.html", "bad_file_type"),
        (b"PK\x03\x04 broken", "broken.xlsx", "bad_xlsx"),
        (b"a,b\n" * (UPLOAD_MAX_BYTES // 4 + 1), "big.csv", "upload_too_large"),
    ],
)
def test_wrong_types_damaged_and_oversized_files_are_refused(ctx, raw, filename, code):
    with pytest.raises(DomainError) as refused:
        read_rows(raw, filename)
    assert refused.value.code == code


def test_the_site_import_page_refuses_a_hostile_workbook_with_a_message(app, make):
    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    fields = form_fields(client.get("/admin/sites/import").data)
    before = database_fingerprint(app)
    response = client.post(
        "/admin/sites/import",
        data={**fields, "file": (io.BytesIO(billion_laughs()), "sites.xlsx")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "could not be read" in page_text(response.data)
    assert database_fingerprint(app) == before


@pytest.mark.parametrize(
    "confirm",
    ["/admin/sites/import/confirm", "/admin/ledger/import/confirm", "/admin/sites/{site}/children/import/confirm"],
)
def test_a_confirm_whose_kept_upload_has_expired_says_so_and_writes_nothing(app, make, confirm):
    """Every import's confirm step (imports.forms.confirm_upload): the upload kept at the check
    is gone (a day later, or a made-up token), so nothing is applied and the page says why."""
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    csrf = form_fields(client.get("/admin/sites/import").data)["csrf_token"]
    before = database_fingerprint(app)
    url = confirm.format(site=site["id"])
    english = {"Accept-Language": "en"}
    answer = client.post(url, data={"csrf_token": csrf, "upload": "x" * 24, "filename": "名单.xlsx"}, headers=english)
    assert answer.status_code == 302
    assert "The upload has expired" in page_text(
        client.get(answer.headers["Location"], headers={"Accept-Language": "en"}).data
    )
    assert database_fingerprint(app) == before


def test_a_file_over_the_request_limit_is_told_the_file_limit_and_led_back_to_its_form(app, make):
    """QA: a 30 MB sheet was cut off before the import page read it, and the bare "too large" page
    named no limit and had no way back but the dashboard."""
    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    fields = form_fields(client.get("/admin/sites/import").data)
    huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before = database_fingerprint(app)

    # Encoded here, in memory: the test client would spool a body this large to a file it never closes.
    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(huge), "sites.csv")})

    def send(referrer: str):
        return client.post(
            "/admin/sites/import",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Accept-Language": "en", "Referer": referrer},
        )

    refused = send("http://localhost/admin/sites/import?step=1")
    text = page_text(refused.data)
    assert refused.status_code == 413
    assert f"The file is too large: at most {UPLOAD_MAX_BYTES // (1024 * 1024)} MB." in text
    assert 'href="/admin/sites/import?step=1">Back to the form</a>' in refused.get_data(as_text=True)
    for elsewhere in ("https://evil.example/admin/sites/import", "http://localhost//evil.example/admin"):
        page = send(elsewhere).get_data(as_text=True)
        assert "Back to the form" not in page and 'href="/admin/"' in page, elsewhere
    assert database_fingerprint(app) == before
