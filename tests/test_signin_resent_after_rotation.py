"""Back after a sign-in, and the form sent once more, after the manager gave the home new links.

Rotating a home's poster (formsvc/sites/rotation.py) gives its activities of today new links
too. A grandmother who signed in a minute before, pressed Back and the button again, posted to
the old link and read "this QR code is no longer valid" although she was counted. A form whose
nonce counted at the old link's activity now leads to its receipt there, as it does at a live
link, and nothing is written; any other form keeps the "no longer valid" page.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select, update

from formsvc.attendance.models import AdultSignIn, Attendance, Submission
from formsvc.extensions import db
from formsvc.privacy.models import Consent
from formsvc.sites.models import RetiredSiteToken
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
TYPED = {"name": "韦丽娟", "relation": "grandmother", "phone": "13812345678", "village": "新华村", "child_name": ""}

frozen = clock_stopped_at(local(2026, 11, 27, 14, 5))


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True)


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def rotate_links(app, site: dict) -> None:
    from formsvc.sites.models import Site
    from formsvc.sites.rotation import rotate_site_token

    with app.app_context():
        rotate_site_token(db.session.get(Site, site["id"]))
        db.session.commit()


@contextmanager
def writes(app):
    """The INSERT, UPDATE and DELETE statements sent to the database while the block runs."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def signed_in(client, activity: dict, audience: str = "guardian", typed: dict = TYPED) -> tuple[str, dict, str]:
    """A sign-in on the activity's form; returns the form's URL, the body sent and the receipt's URL."""
    url = f"/a/{activity['token']}/{audience}"
    sent = {**form_fields(client.get(url).data), **typed}
    response = client.post(url, data=sent)
    assert response.status_code == 302 and response.headers["Location"].startswith("/r/")
    return url, sent, response.headers["Location"]


def assert_no_longer_valid(response) -> None:
    assert response.status_code == 410
    assert "This QR code is no longer valid" in page_text(response.data)


def test_sent_again_after_the_links_were_rotated_leads_to_the_same_receipt_and_writes_nothing(
    app, client, site, lecture
):
    with writes(app) as first_time:
        url, sent, receipt = signed_in(client, lecture)
    assert first_time  # what the sign-in wrote is seen
    rotate_links(app, site)
    with writes(app) as written:
        again = client.post(url, data=sent, headers=EN)  # iOS: Back restores the page with its nonce
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert written == []
    assert "Signed in" in page_text(client.get(receipt, headers=EN).data)
    assert count(app, AdultSignIn) == count(app, Submission) == 1


def test_sent_again_after_the_rotation_from_an_expired_page_or_session_leads_to_the_receipt(app, client, site, lecture):
    url, sent, receipt = signed_in(client, lecture)
    rotate_links(app, site)
    expired_page = client.post(url, data={**sent, "csrf_token": "expired"}, headers=EN)
    ended_session = app.test_client().post(url, data=sent, headers=EN)
    assert expired_page.headers["Location"] == ended_session.headers["Location"] == receipt
    assert count(app, AdultSignIn) == 1


def test_the_body_of_an_earlier_press_with_a_mistake_leads_to_the_receipt_after_the_rotation(
    app, client, site, lecture
):
    url = f"/a/{lecture['token']}/guardian"
    mistaken = {**form_fields(client.get(url).data), **TYPED, "name": ""}
    told = client.post(url, data=mistaken, headers=EN)
    receipt = client.post(url, data={**form_fields(told.data), "name": "韦丽娟"}).headers["Location"]
    rotate_links(app, site)
    again = client.post(url, data=mistaken, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt


def test_a_child_sent_again_after_the_rotation_gets_the_receipt_and_no_second_record_or_consent(
    app, client, make, site
):
    make.child(site, "王小明")
    daily = make.daily(site, DAY)
    url, sent, receipt = signed_in(client, daily, "child", {**CONSENT, "child_name": "王小明"})
    rotate_links(app, site)
    with writes(app) as written:
        again = app.test_client().post(url, data=sent, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert written == []
    assert count(app, Attendance) == count(app, Consent) == 1


def test_a_form_never_sent_before_the_rotation_still_says_no_longer_valid(app, client, site, lecture):
    url = f"/a/{lecture['token']}/guardian"
    fields = {**form_fields(client.get(url).data), **TYPED}  # opened from a link forwarded in WeChat
    rotate_links(app, site)
    with writes(app) as written:
        assert_no_longer_valid(client.post(url, data=fields, headers=EN))
        assert_no_longer_valid(client.post(url, data={**fields, "nonce": "made-up"}, headers=EN))
        assert_no_longer_valid(client.post(url, data={"name": "韦丽娟"}, headers=EN))  # no nonce at all
    assert written == []
    assert count(app, AdultSignIn) == 0


def test_a_nonce_counted_at_another_activity_of_the_home_leads_to_nothing_here(app, client, make, site, lecture):
    volunteers = make.activity(
        site, day=DAY, opens="14:00", closes="16:45", title="义务清扫", guardians=False, volunteers=True
    )
    _url, sent, _receipt = signed_in(client, lecture)
    rotate_links(app, site)
    other_old_link = f"/a/{volunteers['token']}/volunteer"
    assert_no_longer_valid(client.post(other_old_link, data={**sent, "csrf_token": "expired"}, headers=EN))


def test_the_old_link_opened_again_still_says_no_longer_valid(app, client, site, lecture):
    url, _sent, _receipt = signed_in(client, lecture)
    rotate_links(app, site)
    assert_no_longer_valid(client.get(url, headers=EN))  # Android: Back loads the page again


def test_a_link_retired_before_its_activity_was_kept_says_no_longer_valid_as_before(app, client, site, lecture):
    url, sent, _receipt = signed_in(client, lecture)
    rotate_links(app, site)
    with app.app_context():  # retired before revision 1600: the row names the home only
        db.session.execute(update(RetiredSiteToken).values(activity_id=None))
        db.session.commit()
    assert_no_longer_valid(client.post(url, data=sent, headers=EN))


def test_a_lecture_form_sent_again_after_the_rotation_gets_the_receipt_and_the_venue_mark(app, make, site):
    """Lecture mode: scanned off the screen, signed in, the links rotated, then Back and the button."""
    from tests.lecture_helpers import TYPED as LECTURE_TYPED
    from tests.lecture_helpers import open_form

    lecture = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)
    phone = app.test_client()
    url, fields = open_form(phone, app, lecture)
    sent = {**fields, **LECTURE_TYPED}
    receipt = phone.post(url, data=sent).headers["Location"]
    rotate_links(app, site)
    later = app.test_client()
    again = later.post(url, data=sent, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == receipt
    assert later.get_cookie("fs_at") is not None  # the lecture's survey answers on this phone
    assert count(app, AdultSignIn) == 1


def test_the_rotation_keeps_the_activity_of_each_link_it_retires(app, make, site, lecture):
    rotate_links(app, site)
    with app.app_context():
        kept = {
            row.token: row.activity_id
            for row in db.session.execute(select(RetiredSiteToken).order_by(RetiredSiteToken.id)).scalars()
        }
    assert kept == {site["token"]: None, lecture["token"]: lecture["id"]}


def test_the_migration_adds_the_activity_and_its_downgrade_keeps_the_retired_links(app, client, site, lecture):
    from flask_migrate import downgrade, upgrade

    url, sent, _receipt = signed_in(client, lecture)
    rotate_links(app, site)
    with app.app_context():
        downgrade(revision="1500")
        upgrade()
        assert db.session.execute(select(RetiredSiteToken.activity_id)).scalars().all() == [None, None]
        db.session.rollback()
    assert_no_longer_valid(client.post(url, data=sent, headers=EN))  # as before the revision
