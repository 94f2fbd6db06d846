"""A name merged into another child (覃海艳 into 覃海燕) is recorded for that child: the check page of a
typed sheet and of an uploaded one says so (覃海艳 → 覃海燕), not just "on the roster"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from formsvc.attendance.models import Attendance, Child, ChildStatus, Source
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.test_sheet_upload import fill, template, upload
from tests.workspace_helpers import DAY, EN, NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    right = make.child(site, "覃海燕")
    slip = make.child(site, "覃海艳")
    make.child(site, "李思琪")
    with app.app_context():
        merged = db.session.get(Child, slip)
        merged.status, merged.merged_into_id = ChildStatus.MERGED, right
        db.session.commit()
    return {"manager": make.user("amy", sites=[site]), "lecture": lecture, "right": right}


def row_of(html: bytes, name: str) -> str:
    rows = re.findall(r"<tr class=\"line-[^\"]+\">.*?</tr>", html.decode(), flags=re.S)
    return next(page_text(row) for row in rows if name in row)


def test_a_typed_merged_name_says_whom_it_is_recorded_for(app, home):
    client = signed_in_client(app, home["manager"])
    url = f"/admin/activities/{home['lecture']['id']}/paper"

    def check(lines):
        data = {**form_fields(client.get(url).data), "audience": "children", "lines": lines, "check": "y"}
        data.pop("save", None)
        return client.post(url, data=data, headers=EN)

    checked = check("覃海艳\n李思琪")

    assert row_of(checked.data, "覃海艳") == "Line 1 覃海艳 → 覃海燕 On the roster — will be signed in"
    assert row_of(checked.data, "李思琪") == "Line 2 李思琪 On the roster — will be signed in"  # its own name

    fields = form_fields(checked.data)
    fields.pop("check", None)
    data = {**fields, "audience": "children", "lines": "覃海艳\n李思琪", "save": "y"}
    assert client.post(url, data=data, headers=EN).status_code == 302
    with app.app_context():
        paper = db.session.execute(select(Attendance.child_id).where(Attendance.source == Source.PAPER)).scalars()
        assert home["right"] in set(paper)
    assert row_of(check("覃海艳").data, "覃海艳") == "Line 1 覃海艳 → 覃海燕 Already signed in — skipped"


def test_an_uploaded_merged_name_says_whom_it_is_recorded_for(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    preview = upload(client, lecture, fill(template(client, lecture), [("覃海艳", "儿童", None, None)]))
    assert "覃海艳 → 覃海燕" in row_of(preview.data, "覃海艳")
    assert "On the roster — will be signed in" in row_of(preview.data, "覃海艳")
