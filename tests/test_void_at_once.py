"""Two managers voiding the same sign-in at the same moment: exactly one void wins.

The winner's reason stays, one audit entry is written, and the other manager is told that the
record had already been voided, in her language, on the day page (not an error page). Each
test stops the first void between its write and its commit (this test's session) and runs the
second in a session of its own, which must wait for it and then see it.
"""

from __future__ import annotations

import pytest

from formsvc.accounts.models import User
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.attendance.voiding import AlreadyVoided, void_adult_signin, void_attendance
from formsvc.extensions import db
from tests.conftest import Elsewhere, clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, NOW, audits, guardian_sign_in, qr_sign_in, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)

KINDS = {
    "attendance": (Attendance, void_attendance, "attendance.void", "/admin/attendances/{id}/void"),
    "adult": (AdultSignIn, void_adult_signin, "adult_signin.void", "/admin/adult-signins/{id}/void"),
}


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    make.child(site, "王小明")
    return {
        "site": site,
        "ids": {"attendance": qr_sign_in(app, lecture["id"], "王小明"), "adult": guardian_sign_in(app, lecture["id"])},
        "amy": make.user("amy", sites=[site]),
        "bea": make.user("bea", sites=[site]),
    }


def void_as(home, kind: str, manager: str, reason: str):
    model, void, _action, _url = KINDS[kind]
    item = db.session.get(model, home["ids"][kind])
    return void(item, user=db.session.get(User, home[manager]["id"]), reason=reason)


def voided(app, home, kind: str):
    model = KINDS[kind][0]
    with app.app_context():
        item = db.session.get(model, home["ids"][kind])
        return item.void_reason, item.voided_by_id


@pytest.mark.parametrize("kind", KINDS)
def test_a_void_written_first_makes_the_second_wait_and_be_refused(app, home, kind):
    with app.app_context():
        void_as(home, kind, "amy", "重复签到")  # written, not committed yet
        other = Elsewhere(app, lambda: void_as(home, kind, "bea", "签错了"))
        assert other.waiting(), "the second void read the record without waiting for the first"
        db.session.commit()
    refused = other.outcome()
    assert isinstance(refused, AlreadyVoided) and refused.code == "already_voided"
    assert voided(app, home, kind) == ("重复签到", home["amy"]["id"])
    assert audits(app, KINDS[kind][2]) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_void_read_before_the_other_committed_is_refused(app, home, kind):
    """The second manager's session loaded the record before the first void committed, as her page did."""
    with app.app_context():
        item = db.session.get(KINDS[kind][0], home["ids"][kind])
        assert item.voided_at is None
        Elsewhere(app, lambda: void_as(home, kind, "amy", "重复签到")).outcome()
        with pytest.raises(AlreadyVoided):
            void_as(home, kind, "bea", "签错了")
        db.session.rollback()
    assert voided(app, home, kind) == ("重复签到", home["amy"]["id"])
    assert audits(app, KINDS[kind][2]) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_second_manager_is_told_in_her_language_on_the_day_page(app, home, kind):
    client = signed_in_client(app, home["bea"])
    url = KINDS[kind][3].format(id=home["ids"][kind])
    fields = {**form_fields(client.get(url).data), "reason": "签错了"}
    with app.app_context():
        void_as(home, kind, "amy", "重复签到")
        other = Elsewhere(app, lambda: client.post(url, data=fields, headers={"Accept-Language": "zh-CN"}))
        assert other.waiting()
        db.session.commit()
    response = other.outcome()
    assert response.status_code == 302 and f"/admin/sites/{home['site']['id']}" in response.headers["Location"]
    day_page = page_text(client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"}).data)
    assert "这条记录已经作废过了。" in day_page
    assert voided(app, home, kind) == ("重复签到", home["amy"]["id"])
    assert audits(app, KINDS[kind][2]) == 1
