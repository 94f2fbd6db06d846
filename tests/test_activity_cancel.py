"""Cancelling an activity: refused while sign-ins count (they would still count as held), confirmed otherwise."""

from __future__ import annotations

import re
from html import unescape

import pytest

from formsvc.activities.cancelling import cancel_activity
from formsvc.activities.models import Activity
from formsvc.errors import DomainError
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, EN, NOW, audits, guardian_sign_in, qr_sign_in, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def lecture_with_two_sign_ins(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    make.child(site, "王小明")
    return {
        "site": site,
        "lecture": lecture,
        "manager": make.user("amy", sites=[site]),
        "attendance": qr_sign_in(app, lecture["id"], "王小明"),
        "signin": guardian_sign_in(app, lecture["id"]),
    }


def cancel(client, activity_id):
    fields = form_fields(client.get(f"/admin/activities/{activity_id}/edit").data)
    return client.post(f"/admin/activities/{activity_id}/cancel", data={"csrf_token": fields["csrf_token"]}, headers=EN)


def is_cancelled(app, activity_id) -> bool:
    with app.app_context():
        return db.session.get(Activity, activity_id).cancelled


def void(client, url):
    fields = form_fields(client.get(url).data)
    assert client.post(url, data={**fields, "reason": "签错了"}).status_code == 302


def test_an_activity_with_sign_ins_is_not_cancelled_and_the_manager_is_told_why(app, lecture_with_two_sign_ins):
    home = lecture_with_two_sign_ins
    lecture_id = home["lecture"]["id"]
    client = signed_in_client(app, home["manager"])

    response = cancel(client, lecture_id)

    assert response.status_code == 302 and response.location.endswith(f"/admin/activities/{lecture_id}/edit")
    assert not is_cancelled(app, lecture_id)
    assert audits(app, "activity.cancel") == 0
    page = client.get(response.location, headers=EN).data.decode()
    notice = re.search(r'<p class="notice notice-warn" role="alert">(.*?)</p>', page, flags=re.S).group(1)
    assert page_text(notice) == (
        "This activity cannot be cancelled: 2 signed in to it. "
        "Void those sign-ins on the day page first, then cancel it. Open the day page"
    )
    day_link = f"/admin/sites/{home['site']['id']}?day=2026-11-27#activity-{lecture_id}"
    assert f'href="{day_link}"' in unescape(notice)
    # the day page still counts the sign-ins, as they are
    day = page_text(client.get(f"/admin/sites/{home['site']['id']}?day=2026-11-27", headers=EN).data)
    assert "Child visits 1" in day and "Guardians 1" in day and "cancelled" not in day


def test_once_the_sign_ins_are_voided_the_activity_is_cancelled_with_a_confirmation(app, lecture_with_two_sign_ins):
    home = lecture_with_two_sign_ins
    lecture_id = home["lecture"]["id"]
    client = signed_in_client(app, home["manager"])
    void(client, f"/admin/attendances/{home['attendance']}/void")
    assert cancel(client, lecture_id).location.endswith(f"/admin/activities/{lecture_id}/edit")  # one still counts
    void(client, f"/admin/adult-signins/{home['signin']}/void")

    response = cancel(client, lecture_id)

    assert response.status_code == 302 and "day=2026-11-27" in response.location
    assert is_cancelled(app, lecture_id)
    assert audits(app, "activity.cancel") == 1
    day = page_text(client.get(response.location, headers=EN).data)
    assert "Cancelled." in day and "家长课堂" in day and "cancelled" in day


def test_cancelling_asks_first_and_restoring_still_works(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂")
    client = signed_in_client(app, make.user("amy", sites=[site]))
    edit_page = client.get(f"/admin/activities/{lecture['id']}/edit", headers=EN).data.decode()
    assert '<details class="confirm">' in edit_page and "Yes, cancel it" in edit_page

    assert cancel(client, lecture["id"]).status_code == 302 and is_cancelled(app, lecture["id"])

    fields = form_fields(client.get(f"/admin/activities/{lecture['id']}/edit").data)
    client.post(f"/admin/activities/{lecture['id']}/restore", data={"csrf_token": fields["csrf_token"]})
    assert not is_cancelled(app, lecture["id"])
    assert audits(app, "activity.restore") == 1


def test_the_service_refuses_whoever_calls_it(app, ctx, lecture_with_two_sign_ins):
    activity = db.session.get(Activity, lecture_with_two_sign_ins["lecture"]["id"])
    with pytest.raises(DomainError) as refused:
        cancel_activity(activity)
    assert refused.value.code == "cancelled_after_signin" and refused.value.details == {"count": 2}
    assert not activity.cancelled
