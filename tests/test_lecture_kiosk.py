"""Lecture mode's screen (kiosk) without a browser: the page, its JSON state, who may see it.

The browser test (tests/browser/test_kiosk.py) covers the script: rotation, count, offline.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, local, login
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
    # The code changes in 18 seconds; the page reloads sooner, so a retired link or the count shows.
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    # With JavaScript nothing reloads: kiosk.js updates the page in place.
    assert html.count('http-equiv="refresh"') == 1 and "Refresh" not in page.headers
    assert "<svg" in html and "Scan with WeChat to sign in" in html
    assert 'src="/static/kiosk.js?v=' in html
    assert "<script>" not in html and "onclick" not in html  # the CSP allows no inline script
    assert page.headers["Content-Security-Policy"].count("script-src 'self'") == 1


def no_script_reload(client, lecture) -> int:
    html = client.get(f"/admin/activities/{lecture['id']}/kiosk").get_data(as_text=True)
    found = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+)"></noscript>', html)
    assert found, "the page reloads itself without JavaScript"
    return int(found.group(1))


def test_without_javascript_the_page_reloads_when_the_code_changes_if_that_is_sooner(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)  # 14:05:00, a new code at 14:05:30
    frozen.shift(25)
    assert no_script_reload(client, lecture) == 5
    frozen.shift(4.95)
    assert no_script_reload(client, lecture) == 1  # never 0: that would reload without pause
    frozen.shift(0.05)
    assert no_script_reload(client, lecture) == 10


def test_without_javascript_a_long_code_period_still_reloads_every_few_seconds(app, make, site, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "ROTATING_QR_SECONDS", 600)
    assert no_script_reload(manager_client(app, make, site), lecture) == 10


def test_without_javascript_the_screen_shows_the_new_link_at_its_next_reload(app, make, frozen, site, lecture):
    """QA: the screen kept the retired link's code until the code changed, so scans of it failed."""
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/kiosk"
    shown = client.get(url).get_data(as_text=True)
    assert f'data-token="{lecture["token"]}"' in shown
    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()
        new_token = db.session.get(Activity, lecture["id"]).public_token
    frozen.shift(no_script_reload(client, lecture))  # the meta refresh fires, inside the same code's slot
    reloaded = client.get(url).get_data(as_text=True)
    assert f'data-token="{new_token}"' in reloaded and lecture["token"] not in reloaded
    slot = re.compile(r'<main id="kiosk"[^>]* data-slot="(\d+)"')
    assert slot.search(reloaded).group(1) == slot.search(shown).group(1)  # before the code's time was up


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
    shown = f"slot={state['slot']}&token={lecture['token']}"
    assert state["token"] == lecture["token"]
    again = client.get(f"{url}?{shown}").get_json()
    assert again["svg"] is None  # the screen already shows this code
    assert again["count"] == 2
    assert again["recent"] == ["王*明", "李*"] or again["recent"] == ["李*", "王*明"]
    frozen.shift(30)
    later = client.get(f"{url}?{shown}").get_json()
    assert later["slot"] == state["slot"] + 1 and later["svg"].startswith("<svg")


def test_the_kiosk_state_sends_the_new_code_at_once_when_the_poster_links_are_rotated(app, make, site, lecture):
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/kiosk.json"
    state = client.get(url).get_json()
    shown = f"slot={state['slot']}&token={state['token']}"
    assert client.get(f"{url}?{shown}").get_json()["svg"] is None
    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()
        new_token = db.session.get(Activity, lecture["id"]).public_token
    # Same slot, but the code on the screen carries a token that no longer leads anywhere.
    rotated = client.get(f"{url}?{shown}").get_json()
    assert rotated["slot"] == state["slot"] and rotated["token"] == new_token != lecture["token"]
    assert rotated["svg"].startswith("<svg") and f"/k/{new_token}/" in rotated["url"]
    assert client.get(f"{url}?slot={rotated['slot']}&token={new_token}").get_json()["svg"] is None


def test_voided_sign_ins_do_not_count_on_the_screen(app, make, site, lecture):
    sign_in_guardian(app, lecture, "王小明", START)
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        signin.voided_at = START
        db.session.commit()
    state = manager_client(app, make, site).get(f"/admin/activities/{lecture['id']}/kiosk.json").get_json()
    assert state["count"] == 0 and state["recent"] == []


def test_the_kiosk_shows_no_code_before_sign_in_opens_or_after_it_ends(app, make, frozen, site, lecture):
    """QA: after the end the screen kept showing a fresh code; scanning it could only fail."""
    url = f"/admin/activities/{lecture['id']}/kiosk"
    frozen.move_to(local(2026, 11, 27, 13, 0))  # an hour early, setting up the projector
    client = manager_client(app, make, site)
    for moment, words in (
        (None, "not opened"),
        (local(2026, 11, 27, 15, 0), None),
        (local(2026, 11, 27, 17, 0), "closed"),
    ):
        if moment is not None:
            frozen.move_to(moment)
        state = client.get(url + ".json", headers=EN).get_json()
        page = client.get(url).get_data(as_text=True)
        assert state["scannable"] is (words is None)
        assert (words or "") in (state["notice"] or "")
        hidden = 'id="kiosk-qr-box" class="kiosk-qr-box" hidden>' in page
        assert hidden is (words is not None)


def test_a_cancelled_lecture_shows_no_code_to_scan(app, make, frozen, site, lecture):
    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/kiosk"
    assert client.get(url + ".json").get_json()["cancelled"] is False
    assert 'id="kiosk-qr-box" class="kiosk-qr-box">' in client.get(url).get_data(as_text=True)
    with app.app_context():
        db.session.get(Activity, lecture["id"]).cancelled = True
        db.session.commit()
    state = client.get(url + ".json", headers=EN).get_json()
    assert state["cancelled"] is True and "cancelled" in state["notice"] and state["scannable"] is False
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


# --- the screen pass: a lecture screen outlives its manager's log-out elsewhere -------------


def log_out_everywhere(app, user: dict) -> None:
    """The manager logs out on their phone, which ends every session of the account."""
    phone = app.test_client()
    login(phone, user)
    fields = form_fields(phone.get("/admin/").data)
    assert phone.post("/admin/logout", data={"csrf_token": fields["csrf_token"]}).status_code == 302


@pytest.fixture
def screen(app, make, site, lecture):
    """A projector that opened the lecture's screen while its manager was logged in."""
    user = make.user("amy", sites=[site])
    projector = app.test_client()
    login(projector, user)
    page = projector.get(f"/admin/activities/{lecture['id']}/kiosk")
    assert page.status_code == 200
    return {"client": projector, "user": user, "page": page, "url": f"/admin/activities/{lecture['id']}/kiosk"}


def test_opening_the_screen_leaves_a_pass_for_this_activity_only(screen, lecture):
    cookie = next(c for c in screen["page"].headers.getlist("Set-Cookie") if c.startswith("lecture_screen="))
    assert f"Path=/admin/activities/{lecture['id']}/;" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=43200" in cookie


def test_the_screen_keeps_going_after_its_manager_logs_out_elsewhere(app, screen, frozen):
    log_out_everywhere(app, screen["user"])
    projector = screen["client"]
    assert "/admin/login" in projector.get("/admin/").headers["Location"]  # the session is over
    state = projector.get(screen["url"] + ".json")
    assert state.status_code == 200 and state.get_json()["url"].startswith("http")
    page = projector.get(screen["url"])  # the reload of the page without JavaScript
    assert page.status_code == 200 and 'id="kiosk-qr"' in page.get_data(as_text=True)


def test_a_pass_opens_no_other_activitys_screen(app, make, screen, site, frozen):
    log_out_everywhere(app, screen["user"])
    other = make.activity(site, day=DAY, opens="09:00", closes="11:00", guardians=True, rotating_code=True)
    projector = screen["client"]
    # The cookie's path keeps it from other screens; sent there anyway, it names another activity.
    sent_anyway = projector.get_cookie("lecture_screen", path=screen["url"].rsplit("/", 1)[0] + "/").value
    projector.set_cookie("lecture_screen", sent_anyway)
    assert projector.get(f"/admin/activities/{other['id']}/kiosk.json").status_code == 401
    assert "/admin/login" in projector.get(f"/admin/activities/{other['id']}/kiosk").headers["Location"]


def stops(app, screen) -> bool:
    state = screen["client"].get(screen["url"] + ".json")
    return state.status_code == 401 and state.get_json() == {"error": "signed_out"}


def test_a_new_password_stops_the_screen(app, screen, frozen):
    from formsvc.accounts.models import User

    log_out_everywhere(app, screen["user"])
    assert not stops(app, screen)
    with app.app_context():
        db.session.get(User, screen["user"]["id"]).set_password("another-pass-9")
        db.session.commit()
    assert stops(app, screen)


@pytest.mark.parametrize("change", ["disabled", "moved off the home"])
def test_disabling_the_account_or_taking_its_home_away_stops_the_screen(app, screen, frozen, change):
    from formsvc.accounts.models import User

    log_out_everywhere(app, screen["user"])
    with app.app_context():
        user = db.session.get(User, screen["user"]["id"])
        if change == "disabled":
            user.enabled = False
        else:
            user.sites = []
        db.session.commit()
    assert stops(app, screen)


def test_the_pass_runs_out_after_twelve_hours(app, screen, monkeypatch):
    from itsdangerous import TimestampSigner

    log_out_everywhere(app, screen["user"])
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + 12 * 3600 - 60)
    assert not stops(app, screen)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + 12 * 3600 + 60)
    assert stops(app, screen)
