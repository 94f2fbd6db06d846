"""What the workspace's pages say and offer of a cancelled activity: the day page offers no way to
enter sign-ins for it (the paper page refused them only once names were typed), its edit page
says at the top that it is cancelled, and a restore is confirmed as a cancel is."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from formsvc.activities.cancelling import cancel_activity
from formsvc.activities.models import Activity
from formsvc.attendance.models import Attendance
from formsvc.attendance.voiding import VOID_REASON_CANCELLED
from formsvc.db import utcnow
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, EN, NOW, qr_sign_in, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
CANCELLED_NOTICE = (
    "This activity is cancelled: nobody can sign in to it, and no sheet can be entered for it, until it is restored."
)


@pytest.fixture
def day(app, make):
    """A home's day with two lectures, one held and one cancelled; its manager signed in."""
    site = make.site()
    make.child(site, "王小明")
    held = make.activity(site, day=DAY, title="家长课堂", children=True, rotating_code=True)
    called_off = make.activity(site, day=DAY, title="手工课", children=True, rotating_code=True)
    with app.app_context():
        cancel_activity(db.session.get(Activity, called_off["id"]))
        db.session.commit()
    client = signed_in_client(app, make.user("amy", sites=[site]))
    return {"site": site, "held": held, "cancelled": called_off, "client": client}


def section(html: str, activity_id: int) -> str:
    return re.search(rf'<section class="activity-day" id="activity-{activity_id}">(.*?)</section>', html, re.S)[1]


def entry_links(activity_id: int) -> list[str]:
    return [
        f'href="/admin/activities/{activity_id}/paper"',
        f'href="/admin/activities/{activity_id}/sheet-upload"',
        f'href="/admin/activities/{activity_id}/roll-call"',
        f'href="/admin/activities/{activity_id}/kiosk"',
    ]


def test_the_day_page_offers_no_entry_for_a_cancelled_activity(day):
    html = day["client"].get(f"/admin/sites/{day['site']['id']}?day={DAY.isoformat()}", headers=EN).get_data(True)
    held, cancelled = section(html, day["held"]["id"]), section(html, day["cancelled"]["id"])
    assert all(link in held for link in entry_links(day["held"]["id"]))
    assert not any(link in cancelled for link in entry_links(day["cancelled"]["id"]))
    assert f'href="/admin/activities/{day["cancelled"]["id"]}/edit#restore"' in cancelled  # the way back
    assert "PDF" in cancelled  # the sheet of what it holds can still be printed


def test_reached_anyway_the_entry_pages_say_it_is_cancelled_before_names_are_typed(day):
    cancelled = day["cancelled"]["id"]
    for page in ("paper", "sheet-upload"):
        html = day["client"].get(f"/admin/activities/{cancelled}/{page}", headers=EN).get_data(True)
        assert CANCELLED_NOTICE in page_text(html)
        assert f'href="/admin/activities/{cancelled}/edit#restore"' in html
        assert "<textarea" not in html and 'type="file"' not in html
    held = day["client"].get(f"/admin/activities/{day['held']['id']}/paper", headers=EN).get_data(True)
    assert CANCELLED_NOTICE not in page_text(held) and "<textarea" in held


def test_the_edit_page_says_it_is_cancelled_at_the_top_beside_the_restore_button(day):
    html = day["client"].get(f"/admin/activities/{day['cancelled']['id']}/edit", headers=EN).get_data(True)
    notice, restore, form = (html.index(CANCELLED_NOTICE), html.index('id="restore"'), html.index('class="admin-form"'))
    assert notice < restore < form
    held = day["client"].get(f"/admin/activities/{day['held']['id']}/edit", headers=EN).get_data(True)
    assert CANCELLED_NOTICE not in held and 'id="restore"' not in held


def restore(client, activity_id: int):
    fields = form_fields(client.get(f"/admin/activities/{activity_id}/edit").data)
    url = f"/admin/activities/{activity_id}/restore"
    response = client.post(url, data={"csrf_token": fields["csrf_token"]}, headers=EN)  # flashed in English
    assert response.status_code == 302
    return page_text(client.get(response.location, headers=EN).data)


def test_a_restore_is_confirmed(app, day):
    page = restore(day["client"], day["cancelled"]["id"])
    assert "Restored." in page and "count again" not in page
    with app.app_context():
        assert not db.session.get(Activity, day["cancelled"]["id"]).cancelled


def test_a_restore_says_how_many_sign_ins_count_again(app, day):
    """The sign-ins migration 1400 voided as its activity was cancelled count again once it is restored."""
    attendance_id = qr_sign_in(app, day["held"]["id"], "王小明")
    with app.app_context():
        visit = db.session.get(Attendance, attendance_id)
        visit.activity_id, visit.voided_at, visit.void_reason = day["cancelled"]["id"], utcnow(), VOID_REASON_CANCELLED
        db.session.commit()
    page = restore(day["client"], day["cancelled"]["id"])
    assert "Restored. Sign-ins voided when it was cancelled count again: 1." in page
    with app.app_context():
        assert db.session.execute(select(Attendance.voided_at)).scalar_one() is None


def test_the_day_page_in_chinese_takes_a_chinese_colon(day):
    url = f"/admin/sites/{day['site']['id']}?day={DAY.isoformat()}"
    page = day["client"].get(url, headers={"Accept-Language": "zh-CN"})
    text = page_text(page.data)
    assert re.findall(r"[\u4e00-\u9fff]: ", text) == [] and "待核对的新增儿童：0" in text
