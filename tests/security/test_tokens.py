"""Forged, truncated, expired and rotated QR tokens: a friendly 404 or 410, and nothing changes."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from formsvc.activities.models import Activity
from formsvc.db import utcnow
from formsvc.extensions import db
from tests.conftest import CONSENT, form_fields, page_text
from tests.security.attack_world import ALL_DAY, ZH, database_fingerprint

FRIENDLY_404 = "请重新扫码"


@pytest.fixture
def world(app, make, today):
    site = make.site()
    activity = make.activity(site, day=today, kind="other", children=True, guardians=True, **ALL_DAY)
    lecture = make.activity(site, day=today, children=True, guardians=True, rotating_code=True, **ALL_DAY)
    phone = app.test_client()
    fields = form_fields(phone.get(f"/a/{activity['token']}/child").data)
    receipt = phone.post(f"/a/{activity['token']}/child", data={**fields, **CONSENT, "child_name": "王小明"})
    assert receipt.status_code == 302
    return {"site": site, "activity": activity, "lecture": lecture, "receipt": receipt.headers["Location"]}


def forgeries(real: str) -> list[str]:
    return [real[:-1], real[:4], real + "x", real[::-1], "A" * len(real), real.lower() + "%00", "../" + real]


def assert_friendly(response, status: int):
    assert response.status_code == status, response.status_code
    assert response.mimetype == "text/html"
    assert b"Traceback" not in response.data


def test_forged_and_truncated_site_tokens_are_a_friendly_404(app, world):
    before = database_fingerprint(app)
    client = app.test_client()
    for token in forgeries(world["site"]["token"]):
        response = client.get(f"/s/{token}", headers=ZH)
        assert_friendly(response, 404)
        assert FRIENDLY_404 in page_text(response.data)
    assert database_fingerprint(app) == before


def test_a_rotated_site_token_says_the_poster_was_replaced(app, world):
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    old = world["site"]["token"]
    with app.app_context():
        rotate_site_token(db.session.get(Site, world["site"]["id"]))
        db.session.commit()
    before = database_fingerprint(app)
    response = app.test_client().get(f"/s/{old}", headers=ZH)
    assert_friendly(response, 410)
    assert "新的二维码" in page_text(response.data) or "二维码" in page_text(response.data)
    assert database_fingerprint(app) == before


@pytest.mark.parametrize("audience", ["child", "guardian"])
def test_forged_activity_tokens_take_nothing(app, world, audience):
    real = world["activity"]["token"]
    client = app.test_client()
    fields = form_fields(client.get(f"/a/{real}/{audience}").data)
    before = database_fingerprint(app)
    for token in forgeries(real):
        assert_friendly(client.get(f"/a/{token}/{audience}", headers=ZH), 404)
        data = {**fields, **CONSENT, "child_name": "李四", "name": "李四", "relation": "mother"}
        if audience != "child":
            data.pop("consent")
        assert_friendly(client.post(f"/a/{token}/{audience}", data=data, headers=ZH), 404)
    assert database_fingerprint(app) == before


def test_forged_and_truncated_receipt_tokens_are_a_404(app, world):
    real = world["receipt"].rsplit("/", 1)[1]
    client = app.test_client()
    assert client.get(f"/r/{real}").status_code == 200
    for token in forgeries(real):
        assert_friendly(client.get(f"/r/{token}", headers=ZH), 404)


def _code_path(app, lecture: dict, now=None) -> str:
    from formsvc.attendance.rotating import shown_code

    with app.test_request_context():
        return urlsplit(shown_code(db.session.get(Activity, lecture["id"]), now).url).path


def test_forged_expired_and_foreign_kiosk_codes_give_no_scan_pass(app, world):
    lecture = world["lecture"]
    good = _code_path(app, lecture)
    token, code = good.split("/")[2:4]
    other = _code_path(app, world["activity"]).split("/")[3]  # the same slot, another activity
    expired = _code_path(app, lecture, utcnow() - timedelta(minutes=10)).split("/")[3]
    before = database_fingerprint(app)
    for bad in {code[:-1], code[::-1] if code[::-1] != code else "0" * len(code), other, expired, "x" * 40}:
        phone = app.test_client()
        response = phone.get(f"/k/{token}/{bad}", headers=ZH)
        assert_friendly(response, 410)
        # No pass: the form still asks for a scan, and a POST writes nothing.
        form = phone.get(f"/a/{token}/guardian", headers={"Accept-Language": "en"})
        assert "scan the code on the screen" in page_text(form.data).lower()
    assert_friendly(app.test_client().get(f"/k/{'A' * 12}/{code}"), 404)
    assert database_fingerprint(app) == before


def test_a_code_shown_on_the_screen_stops_working_after_it_changed(app, world):
    lecture = world["lecture"]
    path = _code_path(app, lecture)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        response = app.test_client().get(path, headers=ZH)
    assert_friendly(response, 410)
