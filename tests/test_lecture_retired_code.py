"""Lecture mode after the manager gave the home new links: the screen's old code, scanned.

Rotating a home's poster token (formsvc/sites/rotation.py) also gives today's lecture a new
link; a code the screen showed just before carries the old one. Scanned, it says to scan the
code on the screen again, as an expired code does — not a bare 404.
"""

from __future__ import annotations

import pytest

from formsvc.attendance.models import AdultSignIn
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.lecture_helpers import DAY, EN, START, TYPED, count, scan, scan_path

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
