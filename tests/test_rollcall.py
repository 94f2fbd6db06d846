"""Roll-call: each tap carries the wanted state and a nonce, and is saved exactly once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from formsvc.activities.models import Activity
from formsvc.attendance.models import Attendance, Child, ChildStatus, Source, Submission
from formsvc.attendance.rollcall_services import RollCallClosed, add_and_mark, check_roll_call_open, mark
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.workspace_helpers import (
    DAY,
    EN,
    NOW,
    audits,
    count,
    fields_of,
    qr_sign_in,
    race,
    signed_in_client,
    township_viewer,
)

JSON = {"Accept": "application/json"}


frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    daily = make.daily(site, DAY)
    children = {name: make.child(site, name) for name in ("王小明", "李思琪", "黄子轩")}
    return {"site": site, "manager": manager, "daily": daily, "children": children}


def page_url(home, **query) -> str:
    url = f"/admin/activities/{home['daily']['id']}/roll-call"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def toggle_url(home, child_id) -> str:
    return f"/admin/activities/{home['daily']['id']}/roll-call/{child_id}"


def toggle_fields(client, home, child_id, **query) -> dict[str, str]:
    return fields_of(client.get(page_url(home, **query)).data, f"child-{child_id}")


def active(app, child_id) -> int:
    return count(app, Attendance, Attendance.child_id == child_id, Attendance.voided_at.is_(None))


def test_the_page_lists_the_roster_as_toggles_with_present_children_ticked(app, home):
    qr_sign_in(app, home["daily"]["id"], "李思琪")
    client = signed_in_client(app, home["manager"])
    response = client.get(page_url(home), headers=EN)
    html = response.data.decode()
    assert response.status_code == 200
    assert "王小明" in html and "黄子轩" in html
    ticked = fields_of(html, f"child-{home['children']['李思琪']}")
    assert ticked["state"] == "absent"  # present already: the next tap unticks
    assert 'aria-pressed="true"' in html
    assert toggle_fields(client, home, home["children"]["王小明"])["state"] == "present"
    assert "Present: 1" in page_text(html)
    chinese = client.get(page_url(home), headers={"Accept-Language": "zh-CN"}).data.decode()
    assert re.search(r"已到：<strong[^>]*>1</strong>", chinese)  # a Chinese colon, and no space after it
    # The script is an external file: the Content-Security-Policy allows no inline script.
    assert "/static/rollcall.js" in html and "<script>" not in html


def test_two_children_of_the_same_name_can_be_told_apart(app, make, home):
    twin = make.child(home["site"], "王小明")
    with app.app_context():
        db.session.get(Child, twin).grade = "三年级"
        db.session.get(Child, home["children"]["王小明"]).birth_year = 2017
        db.session.commit()
    client = signed_in_client(app, home["manager"])
    html = client.get(page_url(home), headers=EN).get_data(as_text=True)
    first = html[html.index(f'id="child-{home["children"]["王小明"]}"') :]
    second = html[html.index(f'id="child-{twin}"') :]
    assert "(born 2017)" in first[: first.index("</li>")]
    assert "(三年级)" in second[: second.index("</li>")]
    assert "twin-hint" not in html[html.index(f'id="child-{home["children"]["李思琪"]}"') :].split("</li>")[0]


def test_present_sent_twice_with_the_same_nonce_counts_once(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, child_id)
    assert fields["state"] == "present"
    first = client.post(toggle_url(home, child_id), data=fields)
    again = client.post(toggle_url(home, child_id), data=fields)
    assert first.status_code == again.status_code == 302
    assert active(app, child_id) == 1
    assert count(app, Submission, Submission.nonce == fields["nonce"]) == 1
    with app.app_context():
        attendance = db.session.execute(db.select(Attendance)).scalar_one()
        assert attendance.source == Source.ROLL_CALL
        assert attendance.recorded_by_id == home["manager"]["id"]
    assert audits(app, "rollcall.present") == 1


def test_present_sent_from_two_phones_with_different_nonces_counts_once(app, home):
    child_id = home["children"]["王小明"]
    phone_a = signed_in_client(app, home["manager"])
    phone_b = signed_in_client(app, home["manager"])
    fields_a = toggle_fields(phone_a, home, child_id)
    fields_b = toggle_fields(phone_b, home, child_id)
    assert fields_a["nonce"] != fields_b["nonce"]
    assert phone_a.post(toggle_url(home, child_id), data=fields_a).status_code == 302
    answer = phone_b.post(toggle_url(home, child_id), data=fields_b, headers=JSON).get_json()
    assert answer["present"] is True and answer["changed"] is False
    assert active(app, child_id) == 1
    assert count(app, Attendance) == 1
    assert audits(app, "rollcall.present") == 1


def test_untick_then_tick_again(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    client.post(toggle_url(home, child_id), data=toggle_fields(client, home, child_id))
    untick = toggle_fields(client, home, child_id)
    assert untick["state"] == "absent"
    client.post(toggle_url(home, child_id), data=untick)
    assert active(app, child_id) == 0
    with app.app_context():
        voided = db.session.execute(db.select(Attendance)).scalar_one()
        assert voided.void_reason == "roll-call: unticked"
        assert voided.voided_by_id == home["manager"]["id"] and voided.voided_at is not None
    # "Absent" again (another tab, a resend with a new nonce) changes nothing.
    answer = client.post(toggle_url(home, child_id), data={**untick, "nonce": new_nonce()}, headers=JSON)
    assert answer.get_json()["changed"] is False
    retick = toggle_fields(client, home, child_id)
    assert retick["state"] == "present"
    client.post(toggle_url(home, child_id), data=retick)
    assert active(app, child_id) == 1
    assert count(app, Attendance) == 2  # the voided one stays, with its reason
    assert audits(app, "rollcall.present") == 2 and audits(app, "rollcall.absent") == 1


def test_a_late_resend_of_an_old_tap_changes_nothing(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    tick = toggle_fields(client, home, child_id)
    client.post(toggle_url(home, child_id), data=tick)
    client.post(toggle_url(home, child_id), data=toggle_fields(client, home, child_id))  # untick
    client.post(toggle_url(home, child_id), data=tick)  # the first tap arrives again
    assert active(app, child_id) == 0


def test_json_answer_carries_the_next_nonce_and_state(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, child_id)
    response = client.post(toggle_url(home, child_id), data=fields, headers={**JSON, **EN})
    answer = response.get_json()
    assert response.status_code == 200
    assert answer["present"] is True and answer["changed"] is True and answer["repeated"] is False
    assert answer["state"] == "absent" and answer["nonce"] != fields["nonce"]
    assert answer["count"] == 1 and answer["label"] == "Present"
    # The script retries with the same nonce after a dropped connection: nothing more happens.
    resent = client.post(toggle_url(home, child_id), data=fields, headers=JSON).get_json()
    assert resent["repeated"] is True and resent["present"] is True and resent["count"] == 1
    # The answer's nonce and state make the next tap.
    client.post(
        toggle_url(home, child_id), data={**fields, "nonce": answer["nonce"], "state": answer["state"]}, headers=JSON
    )
    assert active(app, child_id) == 0


def test_without_javascript_the_tap_comes_back_to_the_same_place(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, child_id, q="wxm")
    assert fields["q"] == "wxm"
    response = client.post(toggle_url(home, child_id), data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/roll-call?q=wxm#child-{child_id}")


def test_search_by_pinyin_initials(app, home):
    client = signed_in_client(app, home["manager"])
    text = page_text(client.get(page_url(home, q="wxm")).data)
    assert "王小明" in text and "李思琪" not in text
    assert "李思琪" in page_text(client.get(page_url(home, q="lsq")).data)
    assert "黄子轩" in page_text(client.get(page_url(home, q="子轩")).data)


def test_unticking_voids_a_qr_sign_in_too(app, home):
    attendance_id = qr_sign_in(app, home["daily"]["id"], "王小明")
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, child_id)
    assert fields["state"] == "absent"
    client.post(toggle_url(home, child_id), data=fields)
    with app.app_context():
        attendance = db.session.get(Attendance, attendance_id)
        assert attendance.voided_at is not None and attendance.void_reason == "roll-call: unticked"


def test_adding_a_child_inline_marks_them_present_once(app, home):
    client = signed_in_client(app, home["manager"])
    fields = form_fields(client.get(page_url(home)).data)
    data = {"csrf_token": fields["csrf_token"], "nonce": fields["nonce"], "name": "韦丽丽", "q": ""}
    url = f"/admin/activities/{home['daily']['id']}/roll-call/add"
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    with app.app_context():
        child = db.session.execute(db.select(Child).where(Child.name == "韦丽丽")).scalar_one()
        assert child.status == ChildStatus.ACTIVE
        assert first.headers["Location"].endswith(f"#child-{child.id}")
    assert count(app, Child, Child.name == "韦丽丽") == 1
    assert count(app, Attendance, Attendance.source == Source.ROLL_CALL) == 1
    assert audits(app, "child.create") == 1 and audits(app, "rollcall.present") == 1
    # A name already on the roster ticks that child instead of adding a twin.
    fresh = form_fields(client.get(page_url(home)).data)
    client.post(url, data={**data, "nonce": fresh["nonce"], "name": "王 小明"})
    assert count(app, Child, Child.name_key == "王小明") == 1
    assert active(app, home["children"]["王小明"]) == 1


def test_adding_without_a_name_keeps_the_page_and_says_why(app, home):
    client = signed_in_client(app, home["manager"])
    fields = form_fields(client.get(page_url(home)).data)
    data = {"csrf_token": fields["csrf_token"], "nonce": fields["nonce"], "name": "  "}
    response = client.post(f"/admin/activities/{home['daily']['id']}/roll-call/add", data=data, headers=EN)
    assert response.status_code == 200
    assert "Please write the child's name." in page_text(response.data)
    assert count(app, Child) == 3


def test_roll_call_is_open_for_a_week_after_the_activity(app, ctx, make):
    site = make.site()
    activity = db.session.get(Activity, make.daily(site, DAY)["id"])
    check_roll_call_open(activity, NOW + timedelta(days=7))
    for moment, code in ((NOW + timedelta(days=8), "too_late"), (local(2026, 11, 26, 18), "not_yet")):
        with pytest.raises(RollCallClosed) as error:
            check_roll_call_open(activity, moment)
        assert error.value.code == code
    activity.cancelled = True
    with pytest.raises(RollCallClosed) as error:
        check_roll_call_open(activity, NOW)
    assert error.value.code == "cancelled"


def test_the_service_refuses_a_late_tap_but_answers_a_resend(app, ctx, make):
    from formsvc.accounts.models import User

    site = make.site()
    user = db.session.get(User, make.user("amy", sites=[site])["id"])
    activity = db.session.get(Activity, make.daily(site, DAY)["id"])
    child = db.session.get(Child, make.child(site, "王小明"))
    nonce = new_nonce()
    assert mark(activity, child, present=True, nonce=nonce, user=user, now=NOW).changed
    db.session.commit()
    late = NOW + timedelta(days=30)
    again = mark(activity, child, present=True, nonce=nonce, user=user, now=late)
    assert again.repeated and again.present
    with pytest.raises(RollCallClosed):
        mark(activity, child, present=False, nonce=new_nonce(), user=user, now=late)


def test_a_tap_on_an_old_activity_is_refused_with_a_message(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    old = make.daily(site, DAY - timedelta(days=10))
    child_id = make.child(site, "王小明")
    client = signed_in_client(app, manager)
    page = client.get(f"/admin/activities/{old['id']}/roll-call", headers=EN)
    assert "Roll-call is possible up to 7 days after an activity" in page_text(page.data)
    data = {"csrf_token": form_fields(page.data)["csrf_token"], "nonce": new_nonce(), "state": "present", "q": ""}
    url = f"/admin/activities/{old['id']}/roll-call/{child_id}"
    assert client.post(url, data=data, headers=JSON).status_code == 409
    assert client.post(url, data={**data, "nonce": new_nonce()}).status_code == 302
    assert count(app, Attendance) == 0


def test_an_expired_page_asks_for_one_more_tap(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = {**toggle_fields(client, home, child_id), "csrf_token": "expired"}
    answer = client.post(toggle_url(home, child_id), data=fields, headers={**JSON, **EN})
    assert answer.status_code == 400 and "one more tap" in answer.get_json()["error"]
    redirected = client.post(toggle_url(home, child_id), data=fields, follow_redirects=True, headers=EN)
    assert "one more tap" in page_text(redirected.data)
    assert count(app, Attendance) == 0


def test_a_child_of_another_site_cannot_be_ticked(app, home, make):
    elsewhere = make.site("河西村儿童之家")
    stranger = make.child(elsewhere, "陈一一")
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, home["children"]["王小明"])
    assert client.post(toggle_url(home, stranger), data=fields).status_code == 404
    assert count(app, Attendance) == 0


def test_another_sites_manager_gets_404_everywhere(app, home, make):
    other = make.user("bob", sites=[make.site("河西村儿童之家")])
    client = signed_in_client(app, other)
    child_id = home["children"]["王小明"]
    token = form_fields(client.get("/admin/").data).get("csrf_token", "")
    data = {"csrf_token": token, "nonce": new_nonce(), "state": "present", "name": "某某"}
    assert client.get(page_url(home)).status_code == 404
    assert client.post(toggle_url(home, child_id), data=data).status_code == 404
    assert client.post(f"/admin/activities/{home['daily']['id']}/roll-call/add", data=data).status_code == 404
    assert client.get("/admin/activities/999999/roll-call").status_code == 404
    assert count(app, Attendance) == 0


def test_a_township_viewer_sees_the_roll_call_but_cannot_tick(app, home):
    viewer = township_viewer(app, home["site"])
    client = signed_in_client(app, viewer)
    page = client.get(page_url(home))
    assert page.status_code == 200 and "王小明" in page_text(page.data)
    assert 'action="' + toggle_url(home, home["children"]["王小明"]) not in page.data.decode()
    data = {"nonce": new_nonce(), "state": "present", "name": "某某"}
    assert client.post(toggle_url(home, home["children"]["王小明"]), data=data).status_code == 403
    assert client.post(f"/admin/activities/{home['daily']['id']}/roll-call/add", data=data).status_code == 403
    assert count(app, Attendance) == 0


def _service_objects(home):
    from formsvc.accounts.models import User

    activity = db.session.get(Activity, home["daily"]["id"])
    return activity, db.session.get(User, home["manager"]["id"])


def test_simultaneous_taps_with_one_nonce_write_once(app, home):
    child_id = home["children"]["王小明"]
    nonce = new_nonce()

    def tap(_index):
        activity, user = _service_objects(home)
        mark(activity, db.session.get(Child, child_id), present=True, nonce=nonce, user=user, now=NOW)

    assert race(app, 6, tap) == []
    assert count(app, Attendance) == 1 and count(app, Submission) == 1
    assert audits(app, "rollcall.present") == 1


def test_simultaneous_taps_from_several_phones_count_once(app, home):
    child_id = home["children"]["王小明"]

    def tap(_index):
        activity, user = _service_objects(home)
        mark(activity, db.session.get(Child, child_id), present=True, nonce=new_nonce(), user=user, now=NOW)

    assert race(app, 6, tap) == []
    assert count(app, Attendance) == 1 and count(app, Submission) == 6
    assert audits(app, "rollcall.present") == 1


def test_simultaneous_adds_of_one_form_add_one_child(app, home):
    nonce = new_nonce()

    def add(_index):
        activity, user = _service_objects(home)
        add_and_mark(activity, name="韦丽丽", nonce=nonce, user=user, now=NOW)

    assert race(app, 6, add) == []
    assert count(app, Child, Child.name == "韦丽丽") == 1
    assert count(app, Attendance) == 1 and audits(app, "child.create") == 1


def test_a_toggle_url_opened_after_signing_in_again_shows_the_list(app, home):
    child_id = home["children"]["王小明"]
    client = app.test_client()
    response = client.post(toggle_url(home, child_id), data={"state": "present"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    client = signed_in_client(app, home["manager"])
    back = client.get(toggle_url(home, child_id))
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/roll-call#child-{child_id}")
    assert count(app, Attendance) == 0


def test_a_search_longer_than_the_box_is_cut_in_the_address_it_goes_back_to(app, home):
    child_id = home["children"]["王小明"]
    client = signed_in_client(app, home["manager"])
    fields = toggle_fields(client, home, child_id)
    response = client.post(toggle_url(home, child_id), data={**fields, "q": "王" * 20_000})
    assert response.status_code in (302, 400)
    assert len(response.headers["Location"]) < 1_000  # 20,000 characters made a header the server refused
