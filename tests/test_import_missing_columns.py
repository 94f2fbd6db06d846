"""A file without the required columns: the message names them in the reader's language, one
language per line — the English headers joined by ", " in English (the command line's language),
the Chinese headers joined by "、" in Chinese. It once said "Missing columns: 站点、日期、类型、姓名、身份."
on the command line and on the English pages."""

from __future__ import annotations

import io

import pytest

from formsvc.attendance.roster_import import REQUIRED_ROSTER_COLUMNS
from formsvc.attendance.roster_sheet import ROSTER_COLUMNS
from formsvc.imports.ledger_values import LEDGER_COLUMNS, REQUIRED_LEDGER_COLUMNS
from formsvc.sites.services import REQUIRED_SITE_COLUMNS, SITE_COLUMNS
from formsvc.tabular import header_index
from tests.conftest import form_fields, page_text
from tests.workspace_helpers import EN, signed_in_client

ZH = {"Accept-Language": "zh-CN"}
HINT = "The column titles must be in one row, within the first 10 rows of the sheet."


@pytest.mark.parametrize(
    ("aliases", "required"),
    [
        (LEDGER_COLUMNS, REQUIRED_LEDGER_COLUMNS),
        (SITE_COLUMNS, REQUIRED_SITE_COLUMNS),
        (ROSTER_COLUMNS, REQUIRED_ROSTER_COLUMNS),
    ],
)
def test_a_required_column_is_named_by_headers_the_import_accepts(aliases, required):
    """The English message names a column by its key: a header of that name must be read as it."""
    for key, chinese in required.items():
        assert header_index([key], aliases) == {key: 0}
        assert header_index([chinese], aliases) == {key: 0}


def post_file(client, url: str, content: bytes, filename: str, headers: dict):
    fields = form_fields(client.get(url).data)
    return client.post(
        url,
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


@pytest.mark.parametrize(
    ("headers", "said"),
    [(EN, "Missing columns: date, kind, role."), (ZH, "缺少列：日期、类型、身份。")],
)
def test_the_ledger_page(app, make, headers, said):
    client = signed_in_client(app, make.user("boss", role="admin"))
    response = post_file(client, "/admin/ledger/import", "站点,姓名\n东门,王小明\n".encode(), "台账.csv", headers)
    assert said in page_text(response.data)


@pytest.mark.parametrize(
    ("headers", "said"),
    [(EN, "Missing columns: township, name."), (ZH, "缺少列：乡镇、名称。")],
)
def test_the_sites_page(app, make, headers, said):
    client = signed_in_client(app, make.user("boss", role="admin"))
    response = post_file(client, "/admin/sites/import", "序号,村\n1,东门社区\n".encode(), "sites.csv", headers)
    assert said in page_text(response.data)


@pytest.mark.parametrize(("headers", "said"), [(EN, "Missing columns: name."), (ZH, "缺少列：姓名。")])
def test_the_roster_page(app, make, headers, said):
    site = make.site()
    client = signed_in_client(app, make.user("amy", sites=[site]))
    url = f"/admin/sites/{site['id']}/children/import"
    response = post_file(client, url, "序号,性别\n1,男\n".encode(), "花名册.csv", headers)
    assert said in page_text(response.data)


def test_the_ledger_command(runner, tmp_path):
    path = tmp_path / "notcsv.txt"
    path.write_text("just some notes\nnothing like a ledger\n")
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == f"Error: Missing columns: site, date, kind, name, role. {HINT}"


def test_the_sites_command(runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name\n新华村儿童之家\n")
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == f"Error: Missing columns: township. {HINT}"
