"""Minimal data: no ID-card numbers anywhere; public pages show nobody else; names and phones masked."""

from __future__ import annotations

import re
from datetime import date

from formsvc.config import PROJECT_ROOT
from formsvc.text import mask_name, mask_phone
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, login, page_text

DAY = date(2026, 11, 27)
ID_CARD = re.compile(r"身份证|id_?card|id_?number|identity_?card|shenfenzheng", re.I)
OTHERS = ["黄子轩", "韦丽娟", "陆建国", "覃海燕", "蒙志愿"]


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


def scanned_files():
    roots = [PROJECT_ROOT / "formsvc", PROJECT_ROOT / "templates", PROJECT_ROOT / "migrations"]
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in (".py", ".html") and "translations" not in path.parts:
                yield path


def test_no_id_card_numbers_in_models_forms_templates_or_migrations():
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in scanned_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ID_CARD.search(line)
    ]
    assert found == []


def test_no_table_has_an_id_card_column(app):
    from formsvc.extensions import db

    columns = [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns]
    assert [column for column in columns if ID_CARD.search(column)] == []


def sign_everyone_in(app, make):
    site = make.site()
    make.child(site, "黄子轩")  # on the roster
    lecture = make.activity(site, day=DAY, children=True, guardians=True, volunteers=True)
    token = lecture["token"]
    for path, values in [
        (f"/a/{token}/child", {"child_name": "覃海燕", **CONSENT}),
        (f"/a/{token}/child", {"child_name": "黄子轩", **CONSENT}),
        (
            f"/a/{token}/guardian",
            {"name": "韦丽娟", "relation": "mother", "phone": "13812345678", "child_name": "黄子轩", **CONSENT},
        ),
        (f"/a/{token}/guardian", {"name": "陆建国", "relation": "father", "village": "新华村"}),
        (f"/a/{token}/volunteer", {"name": "蒙志愿", "phone": "13912345678"}),
    ]:
        phone = app.test_client()
        fields = form_fields(phone.get(path).data)
        response = phone.post(path, data={**fields, **values})
        assert response.status_code == 302
    return site, lecture, response.headers["Location"]


def test_public_pages_never_show_roster_names_or_other_peoples_entries(app, make):
    site, lecture, _receipt = sign_everyone_in(app, make)
    stranger = app.test_client()
    token = lecture["token"]
    for path in [f"/s/{site['token']}", f"/a/{token}/child", f"/a/{token}/guardian", f"/a/{token}/volunteer"]:
        body = stranger.get(path).get_data(as_text=True)
        for name in OTHERS:
            assert name not in body, (path, name)
            assert mask_name(name) not in body, (path, name)
        assert "13812345678" not in body and "138****5678" not in body


def test_a_receipt_shows_only_its_own_name_masked(app, make):
    _site, _lecture, receipt = sign_everyone_in(app, make)
    text = page_text(app.test_client().get(receipt).data)
    assert mask_name("蒙志愿") == "蒙*愿" and "蒙*愿" in text
    for name in OTHERS:
        assert name not in text
    assert "139" not in text


def test_the_kiosk_masks_names_and_shows_no_phones(app, make):
    site, lecture, _receipt = sign_everyone_in(app, make)
    manager = make.user("amy", sites=[site])
    client = app.test_client()
    login(client, manager)
    page = client.get(f"/admin/activities/{lecture['id']}/kiosk").get_data(as_text=True)
    state = client.get(f"/admin/activities/{lecture['id']}/kiosk.json").get_json()
    for text in (page, str(state)):
        for name in OTHERS:
            assert name not in text
        assert "13812345678" not in text and "13912345678" not in text
    assert set(state["recent"]) <= {mask_name(name) for name in OTHERS}
    assert "韦*娟" in state["recent"]


def test_masking_rules():
    assert mask_name("王小明") == "王*明" and mask_name("王明") == "王*" and mask_name("阿卜杜热合曼") == "阿****曼"
    assert mask_phone("13812341234") == "138****1234"
