"""A child added by mistake (a slip at roll-call, saved as active) can be taken off the roster from the child's
page, with a reason, once no sign-in of theirs counts; the child is then rejected, never deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.attendance.models import Child, ChildStatus
from formsvc.attendance.review import ReviewError, take_off_roster
from formsvc.attendance.services import match_roster
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, EN, NOW, audits, fields_of, signed_in_client, township_viewer

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    daily = make.daily(site, DAY)
    make.child(site, "王小明")
    return {"site": site, "daily": daily, "manager": make.user("amy", sites=[site])}


def rollcall_url(home, suffix="") -> str:
    return f"/admin/activities/{home['daily']['id']}/roll-call{suffix}"


def child_url(home, child_id, suffix="") -> str:
    return f"/admin/sites/{home['site']['id']}/children/{child_id}{suffix}"


def added_at_roll_call(app, client, home, name="韦丽丽") -> int:
    """A name added from the roll-call screen (marked present), as the QA tester's slip."""
    fields = form_fields(client.get(rollcall_url(home)).data)
    data = {"csrf_token": fields["csrf_token"], "nonce": fields["nonce"], "name": name, "q": ""}
    assert client.post(rollcall_url(home, "/add"), data=data).status_code == 302
    with app.app_context():
        return db.session.execute(select(Child.id).where(Child.name == name)).scalar_one()


def untick(client, home, child_id):
    fields = fields_of(client.get(rollcall_url(home)).data, f"child-{child_id}")
    assert fields["state"] == "absent"
    client.post(rollcall_url(home, f"/{child_id}"), data=fields)


def take_off_fields(client, home, child_id) -> dict[str, str]:
    html = client.get(child_url(home, child_id)).data.decode()
    return form_fields(html[html.index('id="take-off-title"') :])


def status(app, child_id) -> ChildStatus:
    with app.app_context():
        return db.session.get(Child, child_id).status


def test_a_child_added_by_mistake_at_roll_call_is_taken_off_once_unticked(app, home):
    client = signed_in_client(app, home["manager"])
    child_id = added_at_roll_call(app, client, home)
    untick(client, home, child_id)
    page = page_text(client.get(child_url(home, child_id), headers=EN).data)
    assert "A child added by mistake can be taken off the roster below" in page
    assert "rejected from the review queue" not in page
    fields = take_off_fields(client, home, child_id)

    without_reason = client.post(child_url(home, child_id, "/take-off"), data={**fields, "reason": " "}, headers=EN)
    assert without_reason.status_code == 200
    assert "Please say why this child is taken off the roster." in page_text(without_reason.data)
    assert status(app, child_id) == ChildStatus.ACTIVE and audits(app, "child.take_off") == 0

    response = client.post(child_url(home, child_id, "/take-off"), data={**fields, "reason": "点名时误加"}, headers=EN)

    assert response.status_code == 302 and response.location.endswith(f"/admin/sites/{home['site']['id']}/children")
    assert "韦丽丽 was taken off the roster." in page_text(client.get(response.location, headers=EN).data)
    assert status(app, child_id) == ChildStatus.REJECTED
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "child.take_off")).scalar_one()
        assert entry.details == {"name": "韦丽丽", "reason": "点名时误加"}
        assert entry.target == f"child:{child_id}" and entry.user_id == home["manager"]["id"]
        # a name typed again is a new child to review, not the one taken off
        assert match_roster(db.session.get(Site, home["site"]["id"]), "韦丽丽") is None
    roster = page_text(client.get(f"/admin/sites/{home['site']['id']}/children", headers=EN).data)
    assert "韦丽丽" not in roster and "王小明" in roster
    assert "韦丽丽" not in page_text(client.get(rollcall_url(home)).data)
    assert client.get(child_url(home, child_id)).status_code == 404


def test_a_child_whose_sign_ins_count_stays_on_the_roster_and_the_manager_is_told_why(app, home):
    client = signed_in_client(app, home["manager"])
    child_id = added_at_roll_call(app, client, home)
    page = page_text(client.get(child_url(home, child_id), headers=EN).data)
    expected = (
        "韦丽丽 has sign-ins that count (1), so they stay on the roster. If they were added by mistake, "
        "void those sign-ins first on the day page of each activity."
    )
    assert expected in page and "Take off the roster" not in page
    fields = form_fields(client.get(child_url(home, child_id)).data)  # a page opened before the tick

    response = client.post(child_url(home, child_id, "/take-off"), data={**fields, "reason": "误加"}, headers=EN)

    assert response.status_code == 200 and expected in page_text(response.data)
    assert "The child was not taken off the roster." in page_text(response.data)
    assert status(app, child_id) == ChildStatus.ACTIVE and audits(app, "child.take_off") == 0


def test_the_service_refuses_a_child_no_longer_on_the_roster(app, ctx, make, home):
    from formsvc.accounts.models import User

    child_id, other_id = make.child(home["site"], "李思琪"), make.child(home["site"], "黄子轩")
    child = db.session.get(Child, child_id)
    user = db.session.get(User, home["manager"]["id"])
    take_off_roster(child, user=user, reason="误加")
    with pytest.raises(ReviewError) as refused:
        take_off_roster(child, user=user, reason="误加")
    assert refused.value.code == "not_on_roster"
    other = db.session.get(Child, other_id)
    with pytest.raises(ReviewError) as refused:
        take_off_roster(other, user=user, reason="  ")
    assert refused.value.code == "reason_required" and other.status == ChildStatus.ACTIVE


def test_the_taken_off_child_is_no_merge_target(app, make, home):
    client = signed_in_client(app, home["manager"])
    child_id = make.child(home["site"], "王晓明")
    fields = {**take_off_fields(client, home, child_id), "reason": "误加"}
    client.post(child_url(home, child_id, "/take-off"), data=fields, follow_redirects=True)
    assert status(app, child_id) == ChildStatus.REJECTED
    with app.app_context():
        from formsvc.attendance.services import match_or_add_child

        match_or_add_child(db.session.get(Site, home["site"]["id"]), "王小名")
        db.session.commit()
    review = client.get(f"/admin/sites/{home['site']['id']}/review").data.decode()
    assert "王小名" in review and "王晓明" not in review


def test_only_a_manager_of_the_site_can_take_a_child_off(app, make, home):
    child_id = make.child(home["site"], "李思琪")
    outsider = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    viewer = signed_in_client(app, township_viewer(app, home["site"]))
    for client in (outsider, viewer):
        fields = form_fields(client.get("/admin/").data)
        response = client.post(child_url(home, child_id, "/take-off"), data={**fields, "reason": "误加"})
        assert response.status_code in (403, 404)
    assert status(app, child_id) == ChildStatus.ACTIVE
