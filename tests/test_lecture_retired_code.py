"""Lecture mode after the manager gave the home new links: the screen's old code, scanned.

Rotating a home's poster token (formsvc/sites/rotation.py) also gives today's lecture a new
link; a code the screen showed just before carries the old one. Scanned, it says to scan the
code on the screen again, as an expired code does — not a bare 404.

A form opened before the rotation and sent to the old link afterwards is not signed in there,
but what was typed is kept on the phone: scanning the screen's new code brings it back.
"""

from __future__ import annotations

import pytest

from formsvc.attendance.models import AdultSignIn
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.lecture_helpers import DAY, EN, START, TYPED, count, open_form, scan, scan_path
from tests.test_signin_resent_after_rotation import writes

frozen = clock_stopped_at(START)
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)


def rotate_links(app, site: dict) -> None:
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()


def test_a_code_shown_before_the_rotation_says_scan_the_screen_again(app, client, site, lecture):
    old_code = scan_path(app, lecture)  # still on a screen that has not caught up yet
    rotate_links(app, site)
    response = client.get(old_code, headers=EN)
    assert response.status_code == 410
    text = page_text(response.data)
    assert "Scan the code on the screen" in text and "This QR code has already changed" in text
    assert site["name"] in text and "Traceback" not in text
    # The rotation kept whose link it was: the lecture is named, as after an expired code.
    assert "家庭教育讲座" in text and DAY.strftime("%B") in text
    chinese = page_text(client.get(old_code, headers=ZH).data)
    assert "请扫描屏幕上的二维码" in chinese and "这个二维码已经更换了" in chinese


def test_the_old_code_gives_no_pass_and_the_screens_new_code_signs_in(app, client, site, lecture):
    old_code = scan_path(app, lecture)
    rotate_links(app, site)
    assert client.get(old_code).status_code == 410
    new_code = scan_path(app, lecture)
    assert new_code != old_code
    form_url = f"/a/{new_code.split('/')[2]}/guardian"
    assert "name" not in form_fields(client.get(form_url, headers=EN).data)  # no pass from the old code
    scanned = scan(client, app, lecture)
    assert scanned.status_code == 302 and scanned.headers["Location"] == form_url
    fields = form_fields(client.get(form_url).data)
    assert client.post(form_url, data={**fields, **TYPED}).status_code == 302
    assert count(app, AdultSignIn) == 1


def test_an_old_code_that_has_also_expired_says_the_same(app, client, frozen, site, lecture):
    old_code = scan_path(app, lecture)
    rotate_links(app, site)
    frozen.shift(600)
    response = client.get(old_code, headers=EN)
    assert response.status_code == 410 and "scan the code on the screen again" in page_text(response.data)


def test_an_unknown_link_or_a_closed_home_stays_not_found(app, client, site, lecture):
    from formsvc.sites.models import Site

    old_code = scan_path(app, lecture)
    assert client.get("/k/AbCdEfGhIjKlMnOp/AAAAAAAA").status_code == 404
    rotate_links(app, site)
    with app.app_context():
        db.session.get(Site, site["id"]).active = False
        db.session.commit()
    assert client.get(old_code).status_code == 404


# --- a form opened before the rotation, sent after it ----------------------------------

NOT_YET = "so you are not signed in yet"
KEPT = "What you typed is kept on this phone and comes back after you scan."


def test_a_form_sent_to_the_old_link_is_kept_and_the_screens_new_code_brings_it_back(app, client, site, lecture):
    """QA: the manager gave the home new links while a grandmother typed; her "Sign in" read "this
    QR code is no longer valid", and the new code gave her an empty form."""
    old_url, fields = open_form(client, app, lecture)
    typed = {**fields, **TYPED}
    rotate_links(app, site)
    with writes(app) as written:
        refused = client.post(old_url, data=typed, headers=EN)
    assert written == [] and count(app, AdultSignIn) == 0  # the old link signs nobody in
    assert refused.status_code == 410
    text = page_text(refused.data)
    assert "Scan the code on the screen" in text and NOT_YET in text and KEPT in text
    assert "家庭教育讲座" in text and DAY.strftime("%B") in text  # the lecture is named
    assert "no longer valid" not in text and 'name="name"' not in refused.get_data(as_text=True)

    scanned = scan(client, app, lecture)  # the screen shows the new link's code by now
    new_url = scanned.headers["Location"]
    assert scanned.status_code == 302 and new_url != old_url
    restored = form_fields(client.get(new_url).data)
    assert {key: restored.get(key) for key in TYPED} == TYPED
    assert restored["nonce"] == fields["nonce"]
    signed = client.post(new_url, data=restored)
    assert signed.status_code == 302 and signed.headers["Location"].startswith("/r/")
    assert count(app, AdultSignIn) == 1
    # Pressed once more on the old page (iOS keeps it): the same receipt, nothing written.
    again = client.post(old_url, data=typed)
    assert again.status_code == 302 and again.headers["Location"] == signed.headers["Location"]
    assert count(app, AdultSignIn) == 1


def test_the_kept_form_is_said_in_chinese(app, client, site, lecture):
    old_url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    text = page_text(client.post(old_url, data={**fields, **TYPED}, headers=ZH).data)
    assert "请扫描屏幕上的二维码" in text and "家庭教育讲座" in text
    assert "您填写的内容保存在这部手机上，扫码后会自动填回。" in text
    assert "这个二维码刚刚更换了，您还没有签到。请重新扫描屏幕上的二维码，再点一次“签到”。" in text


def test_the_old_link_loaded_again_says_scan_the_screen_while_the_input_is_kept(app, client, site, lecture):
    """Android WeChat reloads a page on Back: the old form link says what the POST said."""
    old_url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    client.post(old_url, data={**fields, **TYPED})
    reloaded = client.get(old_url, headers=EN)
    assert reloaded.status_code == 410 and KEPT in page_text(reloaded.data)
    assert "This QR code has already changed" in page_text(reloaded.data)
    assert 'name="name"' not in reloaded.get_data(as_text=True)


def test_the_old_link_opened_during_the_lecture_leads_to_the_screen_and_afterwards_is_no_longer_valid(
    app, client, site, lecture, frozen
):
    """Opened with nothing kept (Back from a receipt, a photo of the old code, a forwarded link):
    while the lecture is on, the screen carries the new link, so that is where the page sends the
    person, not to a poster; after it, the link is simply no longer valid. Both say that a sign-in
    already made counts."""
    old_url, _fields = open_form(client, app, lecture)
    rotate_links(app, site)
    for phone in (app.test_client(), client):
        opened = phone.get(old_url, headers=EN)
        text = page_text(opened.data)
        assert opened.status_code == 410 and "Scan the code on the screen" in text and "家庭教育讲座" in text
        assert "This QR code has already changed" in text and "your sign-in still counts" in text
        assert KEPT not in text and "new poster" not in text
    frozen.move_to(local(2026, 11, 27, 16, 45))  # the lecture has closed
    text = page_text(app.test_client().get(old_url, headers=EN).data)
    assert "This QR code is no longer valid" in text and "your sign-in still counts" in text


def test_a_form_from_another_site_or_session_keeps_nothing(app, client, site, lecture):
    """The draft comes back on the phone as if typed there: a post another page made (no CSRF token
    of this phone) must not plant one."""
    old_url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    for forged in ({**fields, **TYPED, "csrf_token": "forged"}, dict(TYPED)):
        refused = client.post(old_url, data=forged, headers=EN)
        assert refused.status_code == 410 and KEPT not in page_text(refused.data)
    elsewhere = client.post(old_url, data={**fields, **TYPED}, headers={**EN, "Origin": "https://evil.example"})
    assert elsewhere.status_code == 410 and KEPT not in page_text(elsewhere.data)
    scan(client, app, lecture)
    fresh = form_fields(client.get(f"/a/{_new_token(app, lecture)}/guardian").data)
    assert fresh.get("name", "") == "" and fresh["nonce"] != fields["nonce"]
    assert count(app, AdultSignIn) == 0


def test_a_made_up_nonce_is_not_kept(app, client, site, lecture):
    old_url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    client.post(old_url, data={**fields, **TYPED, "nonce": "x"})
    scan(client, app, lecture)
    restored = form_fields(client.get(f"/a/{_new_token(app, lecture)}/guardian").data)
    assert restored["name"] == TYPED["name"]
    assert restored["nonce"] not in ("x", fields["nonce"]) and len(restored["nonce"]) >= 16


def test_a_form_that_counted_before_the_rotation_leads_to_its_receipt_and_keeps_no_draft(app, client, site, lecture):
    old_url, fields = open_form(client, app, lecture)
    receipt = client.post(old_url, data={**fields, **TYPED}).headers["Location"]
    rotate_links(app, site)
    again = client.post(old_url, data={**fields, **TYPED}, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    scan(client, app, lecture)
    fresh = form_fields(client.get(f"/a/{_new_token(app, lecture)}/guardian").data)
    assert fresh["nonce"] != fields["nonce"]  # the next person starts a new sign-in
    assert count(app, AdultSignIn) == 1


def test_a_closed_home_keeps_the_no_longer_valid_page(app, client, site, lecture):
    from formsvc.sites.models import Site

    old_url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    with app.app_context():
        db.session.get(Site, site["id"]).active = False
        db.session.commit()
    closed = client.post(old_url, data={**fields, **TYPED}, headers=EN)
    assert closed.status_code == 410 and "This QR code is no longer valid" in page_text(closed.data)


def test_the_old_link_of_a_form_the_lecture_does_not_have_stays_no_longer_valid(app, client, site, lecture):
    _url, fields = open_form(client, app, lecture)
    rotate_links(app, site)
    other = client.post(f"/a/{lecture['token']}/volunteer", data=fields, headers=EN)
    assert other.status_code == 410 and "This QR code is no longer valid" in page_text(other.data)


def _new_token(app, lecture: dict) -> str:
    from formsvc.activities.models import Activity

    with app.app_context():
        return db.session.get(Activity, lecture["id"]).public_token
