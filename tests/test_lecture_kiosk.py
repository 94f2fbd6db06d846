"""Lecture mode's screen (kiosk) without a browser: the page, its JSON state, who may see it.

The browser test (tests/browser/test_kiosk.py) covers the script: rotation, count, offline.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, local, login
from tests.lecture_helpers import DAY, EN, START, scan_path, sign_in_guardian

frozen = clock_stopped_at(START)


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)


def manager_client(app, make, site, username="amy"):
    client = app.test_client()
    login(client, make.user(username, sites=[site]))
    return client


def test_the_kiosk_page_shows_the_code_and_reloads_itself_without_javascript(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)
    frozen.shift(12)
    page = client.get(f"/admin/activities/{lecture['id']}/kiosk", headers=EN)
    assert page.status_code == 200
    html = page.data.decode()
    assert '<noscript><meta http-equiv="refresh" content="18"></noscript>' in html  # when the code changes
    assert "<svg" in html and "Scan with WeChat to sign in" in html
    assert 'src="/static/kiosk.js?v=' in html
    assert "<script>" not in html and "onclick" not in html  # the CSP allows no inline script
    assert page.headers["Content-Security-Policy"].count("script-src 'self'") == 1


def test_the_kiosk_state_has_the_current_code_the_count_and_masked_names(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/kiosk.json"
    state = client.get(url).get_json()
    assert state["count"] == 0 and state["recent"] == []
    assert urlsplit(state["url"]).path == scan_path(app, lecture)
    assert state["svg"].startswith("<svg")
    assert state["changes_in"] == 30 and state["valid_for"] == 75 and state["notice"] is None
    sign_in_guardian(app, lecture, "王小明", START)
    sign_in_guardian(app, lecture, "李雷", START)
    again = client.get(f"{url}?slot={state['slot']}").get_json()
    assert again["svg"] is None  # the screen already shows this code
    assert again["count"] == 2
    assert again["recent"] == ["王*明", "李*"] or again["recent"] == ["李*", "王*明"]
    frozen.shift(30)
    later = client.get(f"{url}?slot={state['slot']}").get_json()
    assert later["slot"] == state["slot"] + 1 and later["svg"].startswith("<svg")


def test_voided_sign_ins_do_not_count_on_the_screen(app, make, site, lecture):
    sign_in_guardian(app, lecture, "王小明", START)
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        signin.voided_at = START
        db.session.commit()
    state = manager_client(app, make, site).get(f"/admin/activities/{lecture['id']}/kiosk.json").get_json()
    assert state["count"] == 0 and state["recent"] == []


def test_the_kiosk_says_when_sign_in_is_closed(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)
    frozen.move_to(local(2026, 11, 27, 17, 0))
    state = client.get(f"/admin/activities/{lecture['id']}/kiosk.json", headers=EN).get_json()
    assert "has closed" in state["notice"]


def test_a_cancelled_lecture_shows_no_code_to_scan(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/kiosk"
    assert client.get(url + ".json").get_json()["cancelled"] is False
    assert 'id="kiosk-qr-box" class="kiosk-qr-box">' in client.get(url).get_data(as_text=True)
    with app.app_context():
        db.session.get(Activity, lecture["id"]).cancelled = True
        db.session.commit()
    state = client.get(url + ".json", headers=EN).get_json()
    assert state["cancelled"] is True and "cancelled" in state["notice"]
    assert 'id="kiosk-qr-box" class="kiosk-qr-box" hidden>' in client.get(url).get_data(as_text=True)


def test_the_kiosk_is_scoped_to_the_managers_sites(app, make, site, lecture):
    other_site = make.site("乙儿童之家")
    outsider = manager_client(app, make, other_site, "bob")
    assert outsider.get(f"/admin/activities/{lecture['id']}/kiosk").status_code == 404
    assert outsider.get(f"/admin/activities/{lecture['id']}/kiosk.json").status_code == 404
    assert outsider.get("/admin/activities/999999/kiosk.json").status_code == 404


def test_a_township_viewer_cannot_show_the_kiosk(app, site, lecture):
    from formsvc.accounts.models import Role
    from formsvc.accounts.services import create_user

    with app.app_context():
        create_user(
            username="viewer", password="viewer-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=site["township_id"]
        )
        db.session.commit()
    client = app.test_client()
    login(client, {"username": "viewer", "password": "viewer-pass-1"})
    assert client.get(f"/admin/activities/{lecture['id']}/kiosk").status_code == 403
    assert client.get(f"/admin/activities/{lecture['id']}/kiosk.json").status_code == 403


def test_signed_out_the_kiosk_page_asks_to_log_in_and_its_state_says_401(client, lecture):
    page = client.get(f"/admin/activities/{lecture['id']}/kiosk")
    assert page.status_code == 302 and "/admin/login" in page.headers["Location"]
    state = client.get(f"/admin/activities/{lecture['id']}/kiosk.json")
    assert state.status_code == 401 and state.get_json() == {"error": "signed_out"}
