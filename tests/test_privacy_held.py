"""A family asks to see what is held about their child: the child's "what we hold" page and
the district admin's search across every home (PIPL Art. 45)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, Relation, Source
from formsvc.audit.models import AuditEntry
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.privacy.models import Consent, ConsentText
from tests.conftest import page_text
from tests.workspace_helpers import EN, signed_in_client, township_viewer

DAY = date(2026, 11, 20)


def add_visits(app, make, site: dict, child_id: int, *, title: str, guardian: str = "", voided: bool = False) -> None:
    """A child's sign-in at a new activity of ``site`` (voided if asked), a guardian's naming the
    child, and a consent with each."""
    activity = make.activity(site, day=DAY, title=title, children=True, guardians=True)
    with app.app_context():
        text = db.session.execute(select(ConsentText).where(ConsentText.version == 1)).scalar_one_or_none()
        if text is None:
            text = ConsentText(version=1, body_zh="同意书", body_en="Consent")
            db.session.add(text)
        visit = Attendance(activity_id=activity["id"], child_id=child_id, source=Source.QR, signed_in_at=utcnow())
        if voided:
            visit.voided_at, visit.void_reason = utcnow(), "扫错了"
        db.session.add(visit)
        db.session.flush()
        db.session.add(Consent(text_id=text.id, site_id=site["id"], activity_id=activity["id"], attendance_id=visit.id))
        if guardian:
            signin = AdultSignIn(
                activity_id=activity["id"], role=AdultRole.GUARDIAN, name=guardian, name_key=guardian,
                relation=Relation.GRANDMOTHER, phone="13812345678", village="新华村", child_name="王小明",
                child_id=child_id, source=Source.QR,
            )  # fmt: skip
            db.session.add(signin)
            db.session.flush()
            db.session.add(
                Consent(text_id=text.id, site_id=site["id"], activity_id=activity["id"], adult_signin_id=signin.id)
            )
        db.session.commit()


@pytest.fixture
def homes(app, make):
    """王小明 at two homes: two children who share a name."""
    xinhua = make.site(name="新华村儿童之家", township="城关镇")
    hexi = make.site(name="河西村儿童之家", township="那坡乡", village="河西村")
    here = make.child(xinhua, "王小明")
    there = make.child(hexi, "王小明")
    add_visits(app, make, xinhua, here, title="家庭教育讲座", guardian="王奶奶")
    add_visits(app, make, xinhua, here, title="周末读书会", voided=True)
    add_visits(app, make, hexi, there, title="河西手工课")
    return {"xinhua": xinhua, "hexi": hexi, "here": here, "there": there}


def held_audits(app) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "child.view_held")).scalars()
        return [(entry.user_id is not None, entry.target, entry.site_id) for entry in entries]


def test_the_page_lists_what_is_held_about_the_child_and_its_viewing_is_logged(app, make, homes):
    admin = signed_in_client(app, make.user("boss", role="admin"))
    page = admin.get(f"/admin/privacy/children/{homes['here']}", headers=EN)
    assert page.status_code == 200
    text = page_text(page.data)
    assert "What we hold about 王小明" in text and "新华村儿童之家" in text
    assert "Sign-ins: 2" in text
    assert "家庭教育讲座" in text and "周末读书会" in text and "Voided: 扫错了" in text
    assert "Guardians' sign-ins that name the child: 1" in text
    assert "王奶奶" in text and "13812345678" in text and "Grandmother" in text
    assert "Consents recorded with these sign-ins: 3" in text
    assert "河西手工课" not in text  # the other 王小明 is another child
    assert held_audits(app) == [(True, f"child:{homes['here']}", homes["xinhua"]["id"])]


def test_only_those_who_see_the_childs_home_open_the_page(app, make, homes):
    url = f"/admin/privacy/children/{homes['here']}"
    own = signed_in_client(app, make.user("amy", sites=[homes["xinhua"]]))
    assert own.get(url).status_code == 200
    other = signed_in_client(app, make.user("bob", sites=[homes["hexi"]]))
    assert other.get(url).status_code == 404
    viewer = signed_in_client(app, township_viewer(app, homes["hexi"]))  # the other township
    assert viewer.get(url).status_code == 404
    assert len(held_audits(app)) == 1  # the refused ones read nothing


def test_a_township_viewer_sees_the_phones_masked(app, make, homes):
    viewer = signed_in_client(app, township_viewer(app, homes["xinhua"]))
    text = page_text(viewer.get(f"/admin/privacy/children/{homes['here']}", headers=EN).data)
    assert "王奶奶" in text and "138****5678" in text and "13812345678" not in text


def test_the_childs_roster_page_links_to_it(app, make, homes):
    manager = signed_in_client(app, make.user("amy", sites=[homes["xinhua"]]))
    page = manager.get(f"/admin/sites/{homes['xinhua']['id']}/children/{homes['here']}", headers=EN)
    assert f'href="/admin/privacy/children/{homes["here"]}"' in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ["王小明", "wxm", "xiaoming"])
def test_the_admin_finds_the_child_at_every_home(app, make, homes, query):
    admin = signed_in_client(app, make.user("boss", role="admin"))
    page = admin.get("/admin/privacy/", query_string={"q": query}, headers=EN)
    html = page.get_data(as_text=True)
    text = page_text(html)
    assert f"Found for “{query}”: 2" in text
    assert "新华村儿童之家" in text and "河西村儿童之家" in text  # two children, each with their home
    for child_id in (homes["here"], homes["there"]):
        assert f'href="/admin/privacy/children/{child_id}"' in html
    assert held_audits(app) == []  # a list of names is not yet anyone's data


def test_the_search_says_when_no_child_matches(app, make, homes):
    admin = signed_in_client(app, make.user("boss", role="admin"))
    text = page_text(admin.get("/admin/privacy/", query_string={"q": "李思琪"}, headers=EN).data)
    assert "Found for “李思琪”: 0" in text and "No child matches." in text


def test_only_the_district_admin_searches_every_home(app, make, homes):
    manager = signed_in_client(app, make.user("amy", sites=[homes["xinhua"]]))
    assert manager.get("/admin/privacy/", query_string={"q": "wxm"}).status_code == 403


def test_an_erased_child_is_no_longer_found_and_its_page_shows_what_is_left(app, make, homes):
    from formsvc.accounts.models import User
    from formsvc.attendance.models import Child
    from formsvc.privacy.retention import erase_child

    admin_user = make.user("boss", role="admin")
    with app.app_context():
        erase_child(db.session.get(Child, homes["here"]), user=db.session.get(User, admin_user["id"]))
        db.session.commit()
    admin = signed_in_client(app, admin_user)
    found = page_text(admin.get("/admin/privacy/", query_string={"q": "wxm"}, headers=EN).data)
    assert "Found for “wxm”: 1" in found and "河西村儿童之家" in found
    text = page_text(admin.get(f"/admin/privacy/children/{homes['here']}", headers=EN).data)
    assert "What we hold about (name erased)" in text and "Name and details erased" in text
    assert "Sign-ins: 2" in text and "王小明" not in text
    assert "王奶奶" in text  # the guardian's own sign-in stays; only the child's name left it


MOMENTS = [
    ("zh-CN", "2026年11月20日", "2026年11月2日 09:30", "2026年11月20日 14:05"),
    ("en", "Nov 20, 2026", "Nov 2, 2026, 09:30", "Nov 20, 2026, 14:05"),
]


@pytest.mark.parametrize(("language", "day", "added", "accepted"), MOMENTS)
def test_the_page_writes_days_and_moments_as_the_workspace_does(app, make, homes, language, day, added, accepted):
    """A day as the workspace's tables write one, a moment as that day and the 24-hour time
    (local): not 2026/11/20 14:05 beside 2026年11月20日, nor 11/20/26, 2:05 PM beside 14:05.
    The three tables write a moment alike: the child's sign-ins had the day and the time in two
    columns, the guardians' the day alone, the consents both in one."""
    with app.app_context():
        db.session.get(Child, homes["here"]).created_at = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
        for model, column in ((Consent, "accepted_at"), (Attendance, "signed_in_at"), (AdultSignIn, "signed_in_at")):
            for row in db.session.execute(select(model)).scalars():
                setattr(row, column, datetime(2026, 11, 20, 6, 5, tzinfo=UTC))
        db.session.commit()
    admin = signed_in_client(app, make.user("boss", role="admin"))
    text = page_text(admin.get(f"/admin/privacy/children/{homes['here']}", headers={"Accept-Language": language}).data)
    # 2 child sign-ins, 1 guardian's, 3 consents
    assert added in text and text.count(accepted) == 6 and day in text
    assert "2026/" not in text and "2026-" not in text and "/26" not in text and " PM" not in text


@pytest.mark.parametrize(("language", "day", "_added", "_accepted"), MOMENTS)
def test_a_paper_sign_in_shows_its_day_without_a_made_up_time(app, make, homes, language, day, _added, _accepted):
    """Entered from paper, a sign-in's time was made up to fit the activity: the day page shows
    none, and neither does this page."""
    with app.app_context():
        for visit in db.session.execute(select(Attendance).where(Attendance.child_id == homes["here"])).scalars():
            visit.source, visit.signed_in_at = Source.PAPER, datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 21:00
        db.session.commit()
    admin = signed_in_client(app, make.user("boss", role="admin"))
    text = page_text(admin.get(f"/admin/privacy/children/{homes['here']}", headers={"Accept-Language": language}).data)
    assert "21:00" not in text and f"{day} 家庭教育讲座" in text and f"{day} 周末读书会" in text


def test_the_headings_in_chinese_take_a_chinese_colon(app, make, homes):
    admin = signed_in_client(app, make.user("boss", role="admin"))
    text = page_text(admin.get(f"/admin/privacy/children/{homes['here']}", headers={"Accept-Language": "zh-CN"}).data)
    assert re.findall(r"[\u4e00-\u9fff]: ", text) == [] and "签到记录：2" in text
