"""A file too long for one import says how many rows it has and to split it into files the
import takes.

QA (a village site manager): a roster of 2,000 rows got only "一次最多 1000 行。".
"""

from __future__ import annotations

import pytest

from formsvc.attendance.roster_import import plan_roster_import
from formsvc.extensions import db
from formsvc.imports import ledger as ledger_import
from formsvc.imports.services import FileImportError
from formsvc.sites.models import Site
from tests.conftest import clock_stopped_at, page_text
from tests.test_roster_import import upload
from tests.workspace_helpers import EN, NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


def roster_rows(count: int) -> bytes:
    return ("姓名,性别\n" + "".join(f"孩子{number},男\n" for number in range(count))).encode()


def test_a_roster_too_long_says_how_long_and_to_split_it(app, make):
    site = make.site()
    client = signed_in_client(app, make.user("amy", sites=[site]))
    response = upload(client, {"site": site}, roster_rows(2000), "花名册.csv")
    said = (
        "The file has 2,000 rows; at most 1,000 can be imported at once. Please split it into files"
        " of at most 1,000 rows each and import them one after another."
    )
    assert said in page_text(response.data)


def test_a_roster_of_exactly_the_limit_is_read(app, ctx, make):
    site = db.session.get(Site, make.site()["id"])
    assert len(plan_roster_import(site, roster_rows(1000), "花名册.csv").rows) == 1000
    with pytest.raises(FileImportError) as refused:
        plan_roster_import(site, roster_rows(1001), "花名册.csv")
    assert refused.value.code == "too_many_rows" and "1,001" in refused.value.message


def test_a_ledger_too_long_counts_its_filled_rows(app, make, monkeypatch):
    make.site("新华村儿童之家", township="城关镇")
    monkeypatch.setattr(ledger_import, "MAX_ROWS", 2)
    rows = "".join(f"新华村儿童之家,2026-10-01,daily,,孩子{number},child\n" for number in range(3))
    content = f"site,date,kind,title,name,role\n{rows}\n\n".encode()
    with app.test_request_context(headers=EN), pytest.raises(FileImportError) as refused:
        ledger_import.plan_ledger_import(content, "台账.csv")
    assert refused.value.message.startswith("The file has 3 rows; at most 2 can be imported at once.")


def test_a_sign_in_sheet_too_long_says_how_long(app, make, monkeypatch):
    from formsvc.imports import sheet_upload
    from tests.test_sheet_upload import fill, template
    from tests.test_sheet_upload import upload as upload_sheet

    site = make.site()
    activity = make.activity(site, day=NOW.date(), title="家长课堂", children=True, guardians=False)
    client = signed_in_client(app, make.user("amy", sites=[site]))
    monkeypatch.setattr(sheet_upload, "MAX_ROWS", 2)
    content = fill(template(client, activity["id"]), [(f"孩子{number}", None, None, None) for number in range(3)])
    said = page_text(upload_sheet(client, activity["id"], content).data)
    assert "The file has 3 rows; at most 2 can be imported at once." in said
