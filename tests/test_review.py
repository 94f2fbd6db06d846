"""The review queue: confirm, merge (moving attendance, voiding duplicates) or reject a new child."""

from __future__ import annotations

import re

import pytest

from formsvc.accounts.models import User
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, ChildStatus
from formsvc.attendance.review import ReviewError, confirm_child, merge_child, reject_child
from formsvc.attendance.services import sign_in_adult
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import (
    DAY,
    EN,
    NOW,
    audits,
    count,
    qr_sign_in,
    signed_in_client,
    township_viewer,
)

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    daily = make.daily(site, DAY)
    lecture = make.activity(site, day=DAY, title="周末活动", children=True, guardians=True)
    wang = make.child(site, "王小明")
    qr_sign_in(app, daily["id"], "王小明")
    # A grandmother typed the name wrong, at both activities: a new child to review.
    qr_sign_in(app, daily["id"], "王晓明")
    qr_sign_in(app, lecture["id"], "王晓明")
    with app.app_context():
        typo = db.session.execute(db.select(Child).where(Child.name == "王晓明")).scalar_one()
        assert typo.status == ChildStatus.TO_REVIEW
        typo_id = typo.id
    return {
        "site": site,
        "manager": make.user("amy", sites=[site]),
        "daily": daily,
        "lecture": lecture,
        "wang": wang,
        "typo": typo_id,
    }


def review_url(home, suffix="") -> str:
    return f"/admin/sites/{home['site']['id']}/review{suffix}"


def post_action(client, home, action, **values):
    fields = form_fields(client.get(review_url(home)).data)
    prefix = {"confirm": "c", "merge": "m", "reject": "r"}[action]
    child = home["typo"]
    data = {f"{prefix}{child}-csrf_token": fields[f"{prefix}{child}-csrf_token"]}
    data.update({f"{prefix}{child}-{key}": value for key, value in values.items()})
    return client.post(review_url(home, f"/{child}/{action}"), data=data, headers=EN)


def active_attendance(app, child_id) -> int:
    return count(app, Attendance, Attendance.child_id == child_id, Attendance.voided_at.is_(None))


def test_the_queue_lists_new_children_and_suggests_the_likely_match(app, home):
    client = signed_in_client(app, home["manager"])
    response = client.get(review_url(home), headers=EN)
    text = page_text(response.data)
    assert response.status_code == 200
    assert "王晓明" in text and "sign-ins that count: 2" in text
    assert "Similar names on the roster: 王小明" in text
    day = page_text(client.get(f"/admin/sites/{home['site']['id']}", headers=EN).data)
    assert "New children to review: 1" in day


def test_confirm_puts_the_child_on_the_roster(app, home):
    client = signed_in_client(app, home["manager"])
    response = post_action(client, home, "confirm")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Child, home["typo"]).status == ChildStatus.ACTIVE
    assert audits(app, "child.confirm") == 1
    # The same button again (a double tap): a message, no second change.
    again = client.post(review_url(home, f"/{home['typo']}/confirm"), data={}, headers=EN)
    assert again.status_code == 200  # the form failed (no CSRF): the page says so
    assert audits(app, "child.confirm") == 1


def test_merge_moves_attendance_and_voids_duplicates(app, home):
    client = signed_in_client(app, home["manager"])
    response = post_action(client, home, "merge", target=str(home["wang"]))
    assert response.status_code == 302
    with app.app_context():
        typo = db.session.get(Child, home["typo"])
        assert typo.status == ChildStatus.MERGED and typo.merged_into_id == home["wang"]
        daily_dup = db.session.execute(
            db.select(Attendance).where(Attendance.activity_id == home["daily"]["id"], Attendance.child_id == typo.id)
        ).scalar_one()
        assert daily_dup.voided_at is not None and daily_dup.void_reason == "merged duplicate"
        moved = db.session.execute(
            db.select(Attendance).where(Attendance.activity_id == home["lecture"]["id"])
        ).scalar_one()
        assert moved.child_id == home["wang"] and moved.voided_at is None
    assert active_attendance(app, home["wang"]) == 2
    assert active_attendance(app, home["typo"]) == 0
    assert audits(app, "child.merge") == 1
    flashed = page_text(client.get(review_url(home), headers=EN).data)
    assert "Sign-ins moved: 1; duplicates voided: 1." in flashed


def test_merge_relinks_a_guardians_sign_in(app, ctx, home):
    from formsvc.activities.models import Activity

    lecture = db.session.get(Activity, home["lecture"]["id"])
    signin = sign_in_adult(
        lecture,
        role=AdultRole.GUARDIAN,
        name="王奶奶",
        relation=None,
        phone="",
        village="",
        child_name="王晓明",
        nonce=new_nonce(),
        now=NOW,
    ).submission.adult_signin
    assert signin.child_id == home["typo"]
    user = db.session.get(User, home["manager"]["id"])
    merge_child(db.session.get(Child, home["typo"]), db.session.get(Child, home["wang"]), user=user)
    db.session.commit()
    assert db.session.get(AdultSignIn, signin.id).child_id == home["wang"]


def test_merge_refuses_a_child_who_is_not_on_the_roster(app, ctx, make, home):
    user = db.session.get(User, home["manager"]["id"])
    typo = db.session.get(Child, home["typo"])
    with pytest.raises(ReviewError) as error:
        merge_child(typo, typo, user=user)
    assert error.value.code == "bad_target"
    stranger = db.session.get(Child, make.child(make.site("河西村儿童之家"), "王小明"))
    with pytest.raises(ReviewError):
        merge_child(typo, stranger, user=user)


def test_merge_needs_a_target_from_the_list(app, make, home):
    stranger = make.child(make.site("河西村儿童之家"), "王小明")
    client = signed_in_client(app, home["manager"])
    response = post_action(client, home, "merge", target=str(stranger))
    assert response.status_code == 200
    assert "Please choose one of the options." in page_text(response.data)
    with app.app_context():
        assert db.session.get(Child, home["typo"]).status == ChildStatus.TO_REVIEW


def test_reject_voids_the_sign_ins(app, home):
    client = signed_in_client(app, home["manager"])
    response = post_action(client, home, "reject", reason="不是本村的孩子")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Child, home["typo"]).status == ChildStatus.REJECTED
        reasons = db.session.execute(
            db.select(Attendance.void_reason, Attendance.voided_by_id).where(Attendance.child_id == home["typo"])
        ).all()
    assert reasons == [("不是本村的孩子", home["manager"]["id"])] * 2
    assert active_attendance(app, home["wang"]) == 1  # the real child keeps theirs
    assert audits(app, "child.reject") == 1
    day = page_text(client.get(f"/admin/sites/{home['site']['id']}", headers=EN).data)
    assert "Child visits 1" in day and "不是本村的孩子" in day


def test_reject_without_a_reason_uses_a_standard_one(app, ctx, home):
    user = db.session.get(User, home["manager"]["id"])
    assert reject_child(db.session.get(Child, home["typo"]), user=user) == 2
    reasons = set(
        db.session.execute(db.select(Attendance.void_reason).where(Attendance.voided_at.is_not(None))).scalars()
    )
    assert reasons == {"rejected at review"}


def test_a_reviewed_child_cannot_be_reviewed_again(app, ctx, home):
    user = db.session.get(User, home["manager"]["id"])
    typo = db.session.get(Child, home["typo"])
    confirm_child(typo, user=user)
    for action in (lambda: confirm_child(typo, user=user), lambda: reject_child(typo, user=user)):
        with pytest.raises(ReviewError) as error:
            action()
        assert error.value.code == "not_to_review"


def test_a_second_confirm_from_another_tab_says_it_was_done(app, home):
    client = signed_in_client(app, home["manager"])
    fields = form_fields(client.get(review_url(home)).data)
    child = home["typo"]
    data = {f"c{child}-csrf_token": fields[f"c{child}-csrf_token"]}
    client.post(review_url(home, f"/{child}/confirm"), data=data)
    again = client.post(review_url(home, f"/{child}/confirm"), data=data, headers=EN, follow_redirects=True)
    assert "has already been reviewed" in page_text(again.data)
    assert audits(app, "child.confirm") == 1


def test_a_township_viewer_reads_the_queue_but_cannot_act(app, home):
    client = signed_in_client(app, township_viewer(app, home["site"]))
    page = client.get(review_url(home))
    assert page.status_code == 200 and "王晓明" in page_text(page.data)
    assert "/confirm" not in page.data.decode()
    for action in ("confirm", "merge", "reject"):
        assert client.post(review_url(home, f"/{home['typo']}/{action}"), data={}).status_code == 403
    with app.app_context():
        assert db.session.get(Child, home["typo"]).status == ChildStatus.TO_REVIEW


def test_another_sites_manager_gets_404_everywhere(app, make, home):
    client = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    assert client.get(review_url(home)).status_code == 404
    for action in ("confirm", "merge", "reject"):
        assert client.post(review_url(home, f"/{home['typo']}/{action}"), data={}).status_code == 404
    with app.app_context():
        assert db.session.get(Child, home["typo"]).status == ChildStatus.TO_REVIEW


def test_the_same_misspelling_after_a_merge_leads_to_the_merged_child(app, ctx, make, home):
    from formsvc.activities.models import Activity
    from formsvc.attendance.services import sign_in_child

    user = db.session.get(User, home["manager"]["id"])
    merge_child(db.session.get(Child, home["typo"]), db.session.get(Child, home["wang"]), user=user)
    db.session.commit()
    festival = make.activity(home["site"], day=DAY, title="节日活动", kind="festival", children=True)
    result = sign_in_child(
        db.session.get(Activity, festival["id"]), child_name="王 晓明", signed_by=None, nonce=new_nonce(), now=NOW
    )
    db.session.commit()
    assert result.submission.attendance.child_id == home["wang"]
    assert db.session.execute(db.select(db.func.count()).where(Child.status == ChildStatus.TO_REVIEW)).scalar() == 0


def test_a_rejected_name_typed_again_goes_back_to_review(app, ctx, home):
    from formsvc.attendance.services import match_or_add_child, match_roster

    user = db.session.get(User, home["manager"]["id"])
    reject_child(db.session.get(Child, home["typo"]), user=user, reason="")
    db.session.commit()
    site = db.session.get(Child, home["wang"]).site
    assert match_roster(site, "王晓明") is None
    again = match_or_add_child(site, "王晓明")
    assert again.status == ChildStatus.TO_REVIEW and again.id != home["typo"]


def test_a_rejected_name_signed_in_again_says_it_was_rejected_before(app, home):
    """QA: a name the manager rejected came back to the queue from the next QR sign-in with no word
    that she had rejected it, and why."""
    client = signed_in_client(app, home["manager"])
    assert post_action(client, home, "reject", reason="不是本村的孩子").status_code == 302
    qr_sign_in(app, home["lecture"]["id"], "王晓明")  # the same grandmother, the next time
    text = page_text(client.get(review_url(home), headers=EN).data)
    assert "王晓明" in text
    assert "A child of this name was rejected here on November 27, 2026. Reason: 不是本村的孩子" in text
    zh = page_text(client.get(review_url(home), headers={"Accept-Language": "zh-CN"}).data)
    assert "这个名字此前在本儿童之家被设为不通过（2026年11月27日）。原因：不是本村的孩子" in zh


def merge_list(html: bytes, child_id: int) -> list[tuple[str, str, bool]]:
    """The merge list of a child's entry: each option's value, name, and whether it is chosen."""
    select = re.search(rf'<select[^>]*name="m{child_id}-target".*?</select>', html.decode(), flags=re.S)
    assert select, "no merge list"
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(0))
    value = re.compile(r'value="([^"]*)"')
    return [(value.search(attributes)[1], name, " selected" in attributes) for attributes, name in options]


def merge_options(html: bytes, child_id: int) -> dict[str, bool]:
    return {name: chosen for _value, name, chosen in merge_list(html, child_id)}


def test_the_merge_list_offers_the_suggested_child_chosen(app, make, home):
    """QA: the page said "Similar names on the roster: 王小明" but the merge list still said "—"."""
    make.child(home["site"], "李思琪")
    client = signed_in_client(app, home["manager"])
    page = client.get(review_url(home), headers=EN)
    assert merge_options(page.data, home["typo"]) == {"—": False, "王小明": True, "李思琪": False}
    assert count(app, Child, Child.status == ChildStatus.MERGED) == 0  # offered, not done
    # The manager confirms with the button, the list as it came.
    (chosen,) = [value for value, _name, selected in merge_list(page.data, home["typo"]) if selected]
    assert post_action(client, home, "merge", target=chosen).status_code == 302
    with app.app_context():
        assert db.session.get(Child, home["typo"]).merged_into_id == home["wang"]


def test_a_merge_sent_back_keeps_what_was_chosen(app, home):
    """ "—" sent on purpose comes back as "—", with the reason, not replaced by the suggestion."""
    client = signed_in_client(app, home["manager"])
    response = post_action(client, home, "merge", target="")
    assert "Please choose the child to merge into." in page_text(response.data)
    assert merge_options(response.data, home["typo"]) == {"—": True, "王小明": False}


def test_of_several_similar_names_only_the_one_slip_is_chosen(app, ctx, make, home):
    from formsvc.attendance.review import review_queue
    from formsvc.sites.models import Site

    site = db.session.get(Site, home["site"]["id"])
    make.child(home["site"], "吴晓梅")  # the same initials (wxm) as 王晓明: similar, not a slip
    (entry,) = review_queue(site)[0]
    assert [child.name for child in entry.suggestions] == ["王小明", "吴晓梅"]
    assert entry.likely_target.id == home["wang"]
    make.child(home["site"], "汪小明")  # the same sound as 王晓明 too: which one, the manager says
    (entry,) = review_queue(site)[0]
    assert len(entry.suggestions) == 3 and entry.likely_target is None
