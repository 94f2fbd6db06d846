"""Helpers shared by the lecture-mode tests: the code on the screen, a scan, an open form."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import time_machine
from sqlalchemy import func, select

from formsvc.activities.models import Activity
from formsvc.extensions import db
from tests.conftest import form_fields, local, page_text

DAY = date(2026, 11, 27)
START = local(2026, 11, 27, 14, 5)
EN = {"Accept-Language": "en"}
TYPED = {
    "name": "韦丽娟",
    "relation": "grandmother",
    "phone": "13812345678",
    "village": "新华村",
    "child_name": "韦小宝",
    "consent": "y",  # the child's name asks the guardian's consent on a new phone
}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def scan_path(app, activity: dict) -> str:
    """The path in the QR code the screen shows right now."""
    from formsvc.attendance.rotating import shown_code

    with app.test_request_context():
        url = shown_code(db.session.get(Activity, activity["id"])).url
    return urlsplit(url).path


def scan(client, app, activity: dict, path: str | None = None):
    return client.get(path or scan_path(app, activity), headers=EN)


def open_form(client, app, lecture) -> tuple[str, dict]:
    response = scan(client, app, lecture)
    assert response.status_code == 302, page_text(response.data)
    form_url = response.headers["Location"]
    page = client.get(form_url, headers=EN)
    assert page.status_code == 200
    fields = form_fields(page.data)
    assert "name" in fields, page_text(page.data)
    return form_url, fields


def sign_in_guardian(app, lecture, name, at):
    with time_machine.travel(at, tick=False):
        client = app.test_client()
        form_url, fields = open_form(client, app, lecture)
        assert client.post(form_url, data={**fields, **TYPED, "name": name}).status_code == 302
