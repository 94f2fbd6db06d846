"""Lecture mode: the changing QR code, the scan pass, input kept across a re-scan, late arrivals.

Every test runs on a frozen clock. The lecture's sign-in opens at 14:00 local time; 14:05 is
the start of a 30-second slot (the default ROTATING_QR_SECONDS), with a 15-second grace.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, login, page_text
from tests.lecture_helpers import DAY, EN, START, TYPED, count, open_form, scan, scan_path, sign_in_guardian

frozen = clock_stopped_at(START)


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)


# --- the code on the screen ------------------------------------------------------------


def test_the_code_changes_every_period(app, client, frozen, lecture):
    first = scan_path(app, lecture)
    frozen.shift(29)
    assert scan_path(app, lecture) == first
    frozen.shift(1)
    second = scan_path(app, lecture)
    assert second != first
    frozen.shift(30)
    assert scan_path(app, lecture) not in (first, second)
    # Short enough for a small QR code: /k/<12-character token>/<8-character code>.
    assert len(first) == len("/k/") + 12 + 1 + 8


def test_the_period_comes_from_the_configuration(app, client, frozen, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "ROTATING_QR_SECONDS", 10)
    first = scan_path(app, lecture)
    frozen.shift(10)
    assert scan_path(app, lecture) != first


def test_a_scan_leads_to_the_form_and_signs_in(app, client, lecture):
    form_url, fields = open_form(client, app, lecture)
    assert form_url == f"/a/{lecture['token']}/guardian"
    response = client.post(form_url, data={**fields, **TYPED})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/r/")
    assert count(app, AdultSignIn) == 1


def test_the_previous_code_and_the_grace_period_are_accepted(app, frozen, lecture):
    path = scan_path(app, lecture)  # shown from 14:05:00 to 14:05:30
    frozen.shift(59)  # the next code is on the screen
    assert scan(app.test_client(), app, lecture, path).status_code == 302
    frozen.shift(60 + 14 - 59)  # two codes later, inside the grace of a slow scan
    assert scan(app.test_client(), app, lecture, path).status_code == 302
    frozen.shift(1)  # grace over
    late = scan(app.test_client(), app, lecture, path)
    assert late.status_code == 410
    assert "already changed" in page_text(late.data)


def test_an_expired_code_gives_no_pass(app, client, frozen, lecture):
    path = scan_path(app, lecture)
    frozen.shift(120)
    response = scan(client, app, lecture, path)
    assert response.status_code == 410
    text = page_text(response.data)
    assert "Scan the code on the screen" in text and "Traceback" not in text
    form = client.get(f"/a/{lecture['token']}/guardian", headers=EN)
    assert "name" not in form_fields(form.data)


@pytest.mark.parametrize("code", ["AAAAAAAA", "abcdefgh", "ABCDEFG", "ABCDEFGHI", "ABCDEFG1", "%00%FF"])
def test_a_forged_code_is_a_friendly_page(app, client, lecture, code):
    response = client.get(f"/k/{lecture['token']}/{code}", headers=EN)
    assert response.status_code == 410
    text = page_text(response.data)
    assert "already changed" in text and "Scan the code on the screen" in text
    assert b"Traceback" not in response.data


def test_the_code_of_another_activity_does_not_work(app, client, make, site, lecture):
    other = make.activity(site, day=DAY, opens="14:00", closes="16:45", title="另一场", rotating_code=True)
    code = scan_path(app, other).rsplit("/", 1)[1]
    assert client.get(f"/k/{lecture['token']}/{code}").status_code == 410


def test_an_unknown_activity_is_a_404(client):
    assert client.get("/k/nosuchtoken1/AAAAAAAA").status_code == 404


def test_the_scan_page_is_a_chinese_page_by_default(app, client, lecture):
    response = client.get(f"/a/{lecture['token']}/guardian", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.data.decode()
    assert response.headers["Cache-Control"] == "no-store"


def test_a_lecture_for_children_and_guardians_offers_both_forms_after_the_scan(app, client, make, site):
    both = make.activity(site, day=DAY, opens="14:00", closes="16:45", children=True, rotating_code=True)
    response = scan(client, app, both)
    assert response.status_code == 200
    assert f'href="/a/{both["token"]}/child"' in response.data.decode()
    assert f'href="/a/{both["token"]}/guardian"' in response.data.decode()


def test_one_scan_lets_a_grandparent_sign_in_several_grandchildren(app, client, make, site):
    children = make.activity(
        site, day=DAY, opens="14:00", closes="16:45", children=True, guardians=False, rotating_code=True
    )
    assert scan(client, app, children).headers["Location"] == f"/a/{children['token']}/child"
    for name in ("王小明", "王小红", "王小刚"):
        fields = form_fields(client.get(f"/a/{children['token']}/child").data)
        assert (
            client.post(f"/a/{children['token']}/child", data={**fields, **CONSENT, "child_name": name}).status_code
            == 302
        )
    assert count(app, Attendance) == 3


# --- without a scan --------------------------------------------------------------------


def test_the_poster_and_the_form_link_say_scan_the_screen(app, client, site, lecture):
    poster = client.get(f"/s/{site['token']}", headers=EN)
    if poster.status_code == 302:  # one open activity: straight to its form
        poster = client.get(poster.headers["Location"], headers=EN)
    for response in (poster, client.get(f"/a/{lecture['token']}/guardian", headers=EN)):
        assert response.status_code == 200
        assert "scan the code on the screen" in page_text(response.data).lower()
        assert "name" not in form_fields(response.data)


def test_the_site_page_marks_a_rotating_lecture(app, client, make, site, lecture):
    make.daily(site, DAY)
    make.activity(site, day=DAY, opens="14:00", closes="16:45", title="亲子活动", children=True, guardians=False)
    page = client.get(f"/s/{site['token']}", headers=EN)
    assert page.status_code == 200
    assert "scan the code on the screen" in page_text(page.data)


def test_a_forwarded_form_cannot_be_sent_without_a_scan(app, make, site, lecture):
    holder = app.test_client()
    form_url, fields = open_form(holder, app, lecture)
    # Someone at home got the link: their own session (from another form) but no scan.
    daily = make.daily(site, DAY)
    stranger = app.test_client()
    csrf = form_fields(stranger.get(f"/a/{daily['token']}/child").data)["csrf_token"]
    response = stranger.post(form_url, data={**fields, **TYPED, "csrf_token": csrf}, headers=EN)
    assert response.status_code == 200
    assert "scan the QR code on the screen again" in page_text(response.data)
    assert count(app, AdultSignIn) == 0


def test_an_ordinary_activity_needs_no_scan(app, client, make, site):
    plain = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True)
    fields = form_fields(client.get(f"/a/{plain['token']}/guardian").data)
    assert client.post(f"/a/{plain['token']}/guardian", data={**fields, **TYPED}).status_code == 302


# --- the scan pass running out while typing --------------------------------------------


def test_the_pass_lasts_the_configured_minutes(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    frozen.shift(10 * 60 - 1)
    assert client.post(form_url, data={**fields, **TYPED}).status_code == 302
    assert count(app, AdultSignIn) == 1


def test_an_expired_pass_keeps_the_input_and_a_rescan_continues(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    typed = {**fields, **TYPED}
    frozen.shift(10 * 60 + 1)  # a long phone call in the middle of typing
    expired = client.post(form_url, data=typed, headers=EN)
    assert expired.status_code == 200
    assert "scan the QR code on the screen again" in page_text(expired.data)
    kept = form_fields(expired.data)
    assert {key: kept.get(key) for key in TYPED} == TYPED
    assert kept["nonce"] == fields["nonce"]
    assert count(app, AdultSignIn) == 0

    # WeChat's scanner opens the scanned link in a new page: it comes back filled in.
    rescan = scan(client, app, lecture)
    assert rescan.headers["Location"] == form_url
    restored = form_fields(client.get(form_url).data)
    assert {key: restored.get(key) for key in TYPED} == TYPED
    assert restored["nonce"] == fields["nonce"]

    # The page that said "scan again" is still open (iOS keeps it): sending it now works …
    sent = client.post(form_url, data=kept)
    assert sent.status_code == 302
    # … and sending the restored page too still counts once, with the same receipt.
    again = client.post(form_url, data=restored)
    assert again.headers["Location"] == sent.headers["Location"]
    assert count(app, AdultSignIn) == 1


def test_not_me_drops_the_draft_kept_for_a_rescan(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    frozen.shift(10 * 60 + 1)
    assert client.post(form_url, data={**fields, **TYPED}).status_code == 200  # the draft is kept
    client.get("/forget?next=" + form_url)  # another grandparent takes the phone
    scan(client, app, lecture)
    fresh = form_fields(client.get(form_url).data)
    assert fresh.get("name", "") == "" and fresh["nonce"] != fields["nonce"]


def test_the_draft_is_dropped_after_a_sign_in(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    frozen.shift(11 * 60)
    client.post(form_url, data={**fields, **TYPED})
    scan(client, app, lecture)
    assert client.post(form_url, data={**fields, **TYPED}).status_code == 302
    # The next person on this phone gets a fresh form, not the last one's draft and nonce.
    scan(client, app, lecture)
    fresh = form_fields(client.get(form_url).data)
    assert fresh["nonce"] != fields["nonce"]


def test_a_resend_after_the_pass_expired_gets_its_receipt(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    first = client.post(form_url, data={**fields, **TYPED})
    frozen.shift(30 * 60)  # the response was lost; the phone sends the form again much later
    again = client.post(form_url, data={**fields, **TYPED})
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, AdultSignIn) == 1


def test_the_longest_input_still_fits_in_the_cookie(app, client, frozen, lecture):
    form_url, fields = open_form(client, app, lecture)
    rare = [chr(0x20000 + step * 37) for step in range(40)]  # four-byte characters, no repeats
    longest = {
        "name": "".join(rare[:30]),
        "relation": "maternal_grandmother",
        "phone": "13812345678",
        "village": "".join(reversed(rare)),
        "child_name": "".join(rare[10:40]),
    }
    frozen.shift(11 * 60)
    response = client.post(form_url, data={**fields, **longest, "consent": "y"}, headers=EN)
    assert "scan the QR code on the screen again" in page_text(response.data)  # the draft was kept
    cookie = client.get_cookie("session")  # filterwarnings=error: no "cookie too large" warning either
    assert cookie is not None and len(cookie.value) < 3000
    scan(client, app, lecture)
    restored = form_fields(client.get(form_url).data)
    assert {key: restored.get(key) for key in longest} == longest


# --- windows and late arrivals ---------------------------------------------------------


def test_the_window_still_applies(app, client, frozen, lecture):
    with time_machine.travel(local(2026, 11, 27, 13, 50), tick=False):
        form_url = scan(client, app, lecture).headers["Location"]
        early = client.get(form_url, headers=EN)
    assert early.status_code == 200
    assert "not opened yet" in page_text(early.data) and "14:00" in page_text(early.data)
    assert "name" not in form_fields(early.data)  # nothing to type before it opens
    form_url, fields = open_form(client, app, lecture)
    with time_machine.travel(local(2026, 11, 27, 16, 50), tick=False):
        closed = client.post(form_url, data={**fields, **TYPED}, headers=EN)
    assert "has closed" in page_text(closed.data)
    assert form_fields(closed.data)["name"] == TYPED["name"]
    assert count(app, AdultSignIn) == 0


def test_late_arrivals_are_marked_after_the_configured_minutes(app, make, site, lecture):
    sign_in_guardian(app, lecture, "准时", local(2026, 11, 27, 14, 14) + timedelta(seconds=59))
    sign_in_guardian(app, lecture, "迟到", local(2026, 11, 27, 14, 15))
    with app.app_context():
        flags = dict(db.session.execute(select(AdultSignIn.name, AdultSignIn.late)).all())
    assert flags == {"准时": False, "迟到": True}


def test_the_lateness_is_configurable(app, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "LATE_AFTER_MINUTES", 5)
    sign_in_guardian(app, lecture, "迟到", local(2026, 11, 27, 14, 5))
    assert count(app, AdultSignIn, AdultSignIn.late.is_(True)) == 1


def test_children_at_a_lecture_can_be_late_but_not_at_the_daily_opening(app, frozen, make, site):
    frozen.move_to(local(2026, 11, 27, 14, 30))
    both = make.activity(site, day=DAY, opens="14:00", closes="16:45", children=True, guardians=False)
    daily = make.daily(site, DAY)
    client = app.test_client()
    for activity in (both, daily):
        url = f"/a/{activity['token']}/child"
        fields = form_fields(client.get(url).data)
        assert client.post(url, data={**fields, **CONSENT, "child_name": "王小明"}).status_code == 302
    with app.app_context():
        rows = db.session.execute(select(Attendance.activity_id, Attendance.late)).all()
    assert dict(rows) == {both["id"]: True, daily["id"]: False}


def test_the_day_view_shows_a_late_badge(app, make, site, lecture):
    sign_in_guardian(app, lecture, "准时", local(2026, 11, 27, 14, 1))
    sign_in_guardian(app, lecture, "迟到", local(2026, 11, 27, 14, 40))
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    page = client.get(f"/admin/sites/{site['id']}?day={DAY.isoformat()}", headers=EN)
    html = page.data.decode()
    assert html.count('<span class="badge">Late</span>') == 1
    assert "Show the changing QR code" in html


# --- scheduling ------------------------------------------------------------------------


def test_the_flag_is_set_when_scheduling_and_editing(app, make, site):
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    fields = form_fields(client.get("/admin/activities/new").data)
    fields.pop("for_guardians", None)
    data = {
        **fields,
        "kind": "parent_training",
        "title": "家长学校",
        "day": DAY.isoformat(),
        "opens": "14:00",
        "closes": "16:00",
        "for_guardians": "y",
        "rotating_code": "y",
        "sites": [str(site["id"])],
    }
    assert client.post("/admin/activities/new", data=data).status_code == 302
    with app.app_context():
        activity = db.session.execute(select(Activity).where(Activity.title == "家长学校")).scalar_one()
        assert activity.rotating_code is True
        activity_id = activity.id
    edit = form_fields(client.get(f"/admin/activities/{activity_id}/edit").data)
    assert edit.get("rotating_code") == "y"
    edit.pop("rotating_code")
    assert client.post(f"/admin/activities/{activity_id}/edit", data=edit).status_code == 302
    with app.app_context():
        assert db.session.get(Activity, activity_id).rotating_code is False


def test_a_repeating_lecture_passes_the_flag_to_each_day(app, make, site):
    from formsvc.activities.models import ActivityKind
    from formsvc.activities.services import ActivityPlan, activities_on, schedule
    from formsvc.sites.models import Site
    from formsvc.timeutil import parse_clock

    with app.app_context():
        home = db.session.get(Site, site["id"])
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="每周家长课",
            day=DAY,
            opens=parse_clock("14:00"),
            closes=parse_clock("16:00"),
            for_guardians=True,
            weekdays="5",
            rotating_code=True,
        )
        schedule(plan, [home])
        db.session.commit()
        made = [activity for activity in activities_on(home, DAY + timedelta(days=7)) if activity.series_id]
        assert [activity.rotating_code for activity in made] == [True]
        db.session.commit()
