"""Voiding from the day view: a reason is required, nothing is deleted, counts drop, it stays listed."""

from __future__ import annotations

import pytest

from formsvc.accounts.models import User
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.attendance.voiding import AlreadyVoided, void_attendance
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import (
    DAY,
    EN,
    NOW,
    audits,
    count,
    guardian_sign_in,
    qr_sign_in,
    signed_in_client,
    township_viewer,
)

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):

    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    make.child(site, "王小明")
    attendance = qr_sign_in(app, lecture["id"], "王小明")
    signin = guardian_sign_in(app, lecture["id"])
    return {
        "site": site,
        "manager": make.user("amy", sites=[site]),
        "lecture": lecture,
        "attendance": attendance,
        "signin": signin,
    }


def day_url(home) -> str:
    return f"/admin/sites/{home['site']['id']}"


def void_url(home, kind="attendance") -> str:
    if kind == "attendance":
        return f"/admin/attendances/{home['attendance']}/void"
    return f"/admin/adult-signins/{home['signin']}/void"


def void(client, url, reason):
    fields = form_fields(client.get(url).data)
    return client.post(url, data={**fields, "reason": reason}, headers=EN)


def test_the_day_view_links_each_line_to_its_void_page(app, home):
    client = signed_in_client(app, home["manager"])
    html = client.get(day_url(home)).data.decode()
    assert void_url(home) in html and void_url(home, "adult") in html
    assert f"/admin/activities/{home['lecture']['id']}/roll-call" in html
    assert f"/admin/activities/{home['lecture']['id']}/paper" in html
    assert f"/admin/sites/{home['site']['id']}/children" in html


def test_voiding_a_child_attendance(app, home):
    client = signed_in_client(app, home["manager"])
    before = page_text(client.get(day_url(home), headers=EN).data)
    assert "Child visits 1" in before
    response = void(client, void_url(home), "签错了活动")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#activity-{home['lecture']['id']}")
    with app.app_context():
        attendance = db.session.get(Attendance, home["attendance"])
        assert attendance.voided_at is not None
        assert attendance.void_reason == "签错了活动" and attendance.voided_by_id == home["manager"]["id"]
    assert count(app, Attendance) == 1  # kept, never deleted
    assert audits(app, "attendance.void") == 1
    after = client.get(day_url(home), headers=EN).data.decode()
    text = page_text(after)
    assert "Child visits 0" in text
    assert "Voided: 1" in text and "签错了活动" in text and "amy" in text
    assert '<details class="voided">' in after  # collapsed until opened


def test_voiding_a_guardian_sign_in(app, home):
    client = signed_in_client(app, home["manager"])
    assert void(client, void_url(home, "adult"), "重复签到").status_code == 302
    with app.app_context():
        signin = db.session.get(AdultSignIn, home["signin"])
        assert signin.voided_at is not None and signin.void_reason == "重复签到"
    assert audits(app, "adult_signin.void") == 1
    assert "Guardians 0" in page_text(client.get(day_url(home), headers=EN).data)


def test_a_reason_is_required(app, home):
    client = signed_in_client(app, home["manager"])
    response = void(client, void_url(home), "   ")
    assert response.status_code == 200
    assert "Please say why this record is wrong." in page_text(response.data)
    assert count(app, Attendance, Attendance.voided_at.is_not(None)) == 0
    assert audits(app, "attendance.void") == 0


def test_voiding_twice_changes_nothing_more(app, home):
    client = signed_in_client(app, home["manager"])
    fields = form_fields(client.get(void_url(home)).data)
    client.post(void_url(home), data={**fields, "reason": "第一次"})
    again = client.post(void_url(home), data={**fields, "reason": "第二次"}, headers=EN, follow_redirects=True)
    assert "already been voided" in page_text(again.data)
    with app.app_context():
        assert db.session.get(Attendance, home["attendance"]).void_reason == "第一次"
    assert audits(app, "attendance.void") == 1


def test_the_service_refuses_a_second_void(app, ctx, home):
    user = db.session.get(User, home["manager"]["id"])
    attendance = db.session.get(Attendance, home["attendance"])
    void_attendance(attendance, user=user, reason="错了")
    with pytest.raises(AlreadyVoided):
        void_attendance(attendance, user=user, reason="又错了")


def test_roll_call_voids_show_their_reason_in_the_readers_language(app, home):
    client = signed_in_client(app, home["manager"])
    with app.app_context():
        attendance = db.session.get(Attendance, home["attendance"])
        attendance.voided_at, attendance.void_reason = NOW, "roll-call: unticked"
        db.session.commit()
    assert "Roll-call: unticked" in page_text(client.get(day_url(home), headers=EN).data)


def test_a_township_viewer_cannot_void(app, home):
    client = signed_in_client(app, township_viewer(app, home["site"]))
    day = client.get(day_url(home)).data.decode()
    assert "/void" not in day and "/roll-call" not in day
    for url in (void_url(home), void_url(home, "adult")):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"reason": "x"}).status_code == 403
    assert count(app, Attendance, Attendance.voided_at.is_not(None)) == 0


def test_another_sites_manager_gets_404(app, make, home):
    client = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    for url in (void_url(home), void_url(home, "adult"), "/admin/attendances/999999/void"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"reason": "x"}).status_code == 404
    assert count(app, AdultSignIn, AdultSignIn.voided_at.is_not(None)) == 0
