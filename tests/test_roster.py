"""The roster: list and search (pinyin initials too), add and edit a child with categories."""

from __future__ import annotations

import re
from datetime import date

import pytest

from formsvc.attendance.models import Child, ChildCategory, ChildCategoryPeriod, ChildStatus
from formsvc.attendance.namesearch import name_matches
from formsvc.attendance.roster import CategoryPeriodData, ChildData, RosterError, roster, update_child
from formsvc.extensions import db
from formsvc.sites.models import Site
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import EN, NOW, audits, count, signed_in_client, township_viewer

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    return {"site": site, "manager": make.user("amy", sites=[site])}


def roster_url(home, suffix="") -> str:
    return f"/admin/sites/{home['site']['id']}/children{suffix}"


def set_status(app, child_id, status):
    with app.app_context():
        db.session.get(Child, child_id).status = status
        db.session.commit()


def new_child_data(client, home, **values) -> dict:
    fields = form_fields(client.get(roster_url(home, "/new")).data)
    return {**fields, "name": "王小明", "gender": "m", **values}


@pytest.mark.parametrize(
    ("query", "found"),
    [("wxm", True), ("WXM", True), ("xm", True), ("wangxiaoming", True), ("小明", True), ("lsq", False), ("", True)],
)
def test_name_search_by_pinyin_initials(query, found):
    assert name_matches("王小明", query) is found


def test_surnames_with_two_readings_are_found_by_either(ctx):
    assert name_matches("曾小贤", "zxx") and name_matches("曾小贤", "cxx")


def test_the_list_shows_active_and_new_children_and_finds_wxm(app, make, home):
    site = home["site"]
    wang = make.child(site, "王小明")
    make.child(site, "李思琪")
    merged = make.child(site, "王晓明")
    set_status(app, merged, ChildStatus.MERGED)
    rejected = make.child(site, "测试")
    set_status(app, rejected, ChildStatus.REJECTED)
    new = make.child(site, "黄子轩")
    set_status(app, new, ChildStatus.TO_REVIEW)
    client = signed_in_client(app, home["manager"])
    text = page_text(client.get(roster_url(home), headers=EN).data)
    assert "王小明" in text and "李思琪" in text and "黄子轩" in text
    assert "王晓明" not in text and "测试" not in text
    assert "New — to review" in text
    found = client.get(roster_url(home, "?q=wxm"), headers=EN)
    assert f'id="child-{wang}"' in found.data.decode()
    assert "李思琪" not in page_text(found.data) and "黄子轩" not in page_text(found.data)
    with app.app_context():
        assert [child.name for child in roster(db.session.get(Site, site["id"]), "wxm")] == ["王小明"]


def test_adding_a_child_with_categories_and_a_guardian(app, home):
    client = signed_in_client(app, home["manager"])
    data = new_child_data(
        client,
        home,
        birth_year="2016",
        grade="四年级",
        left_behind="y",
        left_behind_since="2024-09-01",
        disabled="y",
        guardian_name="王奶奶",
        guardian_relation="grandmother",
        guardian_phone="138 1234 5678",
    )
    response = client.post(roster_url(home, "/new"), data=data)
    assert response.status_code == 302
    again = client.post(roster_url(home, "/new"), data=data)  # a double tap: still one child
    assert again.status_code == 302
    assert count(app, Child) == 1
    with app.app_context():
        child = db.session.execute(db.select(Child)).scalar_one()
        assert child.status == ChildStatus.ACTIVE and child.name_key == "王小明"
        assert (child.gender, child.birth_year, child.grade) == ("m", 2016, "四年级")
        assert child.guardian_phone == "13812345678" and child.guardian_relation.value == "grandmother"
        periods = {(p.category, p.since, p.until) for p in child.categories}
        assert periods == {(ChildCategory.LEFT_BEHIND, date(2024, 9, 1), None), (ChildCategory.DISABLED, None, None)}
        assert response.headers["Location"].endswith(f"#child-{child.id}")
    assert audits(app, "child.create") == 1
    listed = page_text(client.get(roster_url(home), headers=EN).data)
    assert "Left-behind" in listed and "With a disability" in listed and "13812345678" in listed


def test_a_wrong_phone_keeps_everything_typed(app, home):
    client = signed_in_client(app, home["manager"])
    data = new_child_data(client, home, guardian_phone="12345", grade="三年级", left_behind="y")
    response = client.post(roster_url(home, "/new"), data=data, headers=EN)
    html = response.data.decode()
    assert response.status_code == 200
    assert "11-digit mobile number" in page_text(html)
    assert 'value="王小明"' in html and 'value="三年级"' in html and 'value="12345"' in html
    assert form_fields(html).get("left_behind") == "y"
    assert count(app, Child) == 0


def test_a_second_child_of_the_same_name_is_added_only_on_purpose(app, make, home):
    make.child(home["site"], "王小明")
    client = signed_in_client(app, home["manager"])
    data = new_child_data(client, home, name=" 王小明 ", grade="三年级")
    first = client.post(roster_url(home, "/new"), data=data, headers=EN)
    assert first.status_code == 200 and count(app, Child) == 1
    text = page_text(first.data)
    assert "王小明 is already on the roster. If this is another child with the same name" in text
    kept = form_fields(first.data)
    assert (kept["name"], kept["grade"]) == ("王小明", "三年级")  # what was typed is still there
    assert "another_with_same_name" in first.get_data(as_text=True)
    on_purpose = client.post(roster_url(home, "/new"), data={**kept, "another_with_same_name": "y"}, headers=EN)
    assert on_purpose.status_code == 302 and count(app, Child) == 2
    roster = page_text(client.get(on_purpose.headers["Location"], headers=EN).data)
    assert "王小明 was added to the roster." in roster
    assert "also called" not in roster  # the manager has just said so
    again = client.post(roster_url(home, "/new"), data={**kept, "another_with_same_name": "y"})
    assert again.status_code == 302 and count(app, Child) == 2  # a resend adds nothing


def test_the_same_name_is_explained_on_the_name_whatever_else_is_wrong(app, make, home):
    """QA: with a bad phone too, only the box "Yes, this is another child …" showed, unexplained."""
    make.child(home["site"], "黄子轩")
    client = signed_in_client(app, home["manager"])
    data = new_child_data(client, home, name="黄子轩", guardian_phone="12345", grade="三年级")
    first = client.post(roster_url(home, "/new"), data=data, headers=EN)
    html = first.data.decode()
    said = "黄子轩 is already on the roster. If this is another child with the same name, tick the box"
    assert first.status_code == 200 and count(app, Child) == 1
    error = f'<p class="error" id="name-error">{said}'
    name_input = '<input aria-describedby="name-error" aria-invalid="true" autocomplete="off" class="input" id="name"'
    box = '<input aria-describedby="name-error" id="another_with_same_name"'
    assert html.index(error) < html.index(name_input) < html.index(box)  # the name marked, the box tied to why
    assert "another_with_same_name" in html and "11-digit mobile number" in page_text(html)
    kept = form_fields(html)
    assert (kept["name"], kept["grade"], kept["guardian_phone"]) == ("黄子轩", "三年级", "12345")

    ticked = client.post(roster_url(home, "/new"), data={**kept, "another_with_same_name": "y"}, headers=EN)
    assert ticked.status_code == 200 and count(app, Child) == 1  # the phone is still wrong
    assert said not in page_text(ticked.data)  # the box is ticked: nothing more to explain
    assert form_fields(ticked.data).get("another_with_same_name") == "y"
    fixed = {**form_fields(ticked.data), "guardian_phone": "13812345678"}
    assert client.post(roster_url(home, "/new"), data=fixed, headers=EN).status_code == 302
    assert client.post(roster_url(home, "/new"), data=fixed, headers=EN).status_code == 302  # a resend
    assert count(app, Child, Child.name == "黄子轩") == 2


def test_renaming_a_child_to_a_name_on_the_roster_says_so(app, make, home):
    make.child(home["site"], "王小明")
    child_id = make.child(home["site"], "李思琪")
    client = signed_in_client(app, home["manager"])
    url = roster_url(home, f"/{child_id}")
    saved = client.post(url, data={**form_fields(client.get(url).data), "name": "王小明"}, headers=EN)
    roster = page_text(client.get(saved.headers["Location"], headers=EN).data)
    assert "Note: another child on the roster is also called 王小明." in roster


def test_dates_of_a_category_must_make_sense(app, home):
    client = signed_in_client(app, home["manager"])
    data = new_child_data(client, home, difficult="y", difficult_since="2025-03-01", difficult_until="2025-01-01")
    response = client.post(roster_url(home, "/new"), data=data, headers=EN)
    assert "The end date is before the start date." in page_text(response.data)
    untitled = new_child_data(client, home, military_family_since="2025-03-01")
    response = client.post(roster_url(home, "/new"), data=untitled, headers=EN)
    assert "Tick “Military or martyr family” too" in page_text(response.data)
    assert count(app, Child) == 0


def test_editing_a_child_keeps_category_history(app, make, home):
    child_id = make.child(home["site"], "王小明")
    client = signed_in_client(app, home["manager"])
    url = roster_url(home, f"/{child_id}")
    fields = form_fields(client.get(url).data)
    assert fields["name"] == "王小明"
    client.post(url, data={**fields, "left_behind": "y", "left_behind_since": "2023-09-01", "other": "y"})
    fields = form_fields(client.get(url).data)
    assert fields["left_behind_since"] == "2023-09-01" and fields.get("other") == "y"
    fields.pop("other")  # a mistake: untick it
    response = client.post(url, data={**fields, "left_behind_until": "2026-06-30", "name": "王小明明"})
    assert response.status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert child.name == "王小明明" and child.name_key == "王小明明"
        assert [(p.category, p.since, p.until) for p in child.categories] == [
            (ChildCategory.LEFT_BEHIND, date(2023, 9, 1), date(2026, 6, 30))
        ]
    assert audits(app, "child.update") == 2
    # The list writes the period's days as the workspace's tables write a day, not 2023-09-01.
    assert "Sep 1, 2023–Jun 30, 2026" in page_text(client.get(roster_url(home), headers=EN).data)
    chinese = page_text(client.get(roster_url(home), headers={"Accept-Language": "zh-CN"}).data)
    assert "2023年9月1日–2026年6月30日" in chinese


def test_an_ended_period_stays_as_history_when_the_category_comes_back(app, ctx, make, home):
    from formsvc.accounts.models import User

    user = db.session.get(User, home["manager"]["id"])
    child = db.session.get(Child, make.child(home["site"], "王小明"))
    child.categories.append(
        ChildCategoryPeriod(category=ChildCategory.LEFT_BEHIND, since=date(2020, 1, 1), until=date(2021, 1, 1))
    )
    child.categories.append(ChildCategoryPeriod(category=ChildCategory.LEFT_BEHIND, since=date(2025, 1, 1)))
    db.session.flush()
    update_child(
        child,
        ChildData(name="王小明", categories=(CategoryPeriodData(ChildCategory.LEFT_BEHIND, date(2025, 2, 1)),)),
        user=user,
    )
    assert [(p.since, p.until) for p in child.categories] == [
        (date(2020, 1, 1), date(2021, 1, 1)),
        (date(2025, 2, 1), None),
    ]


def test_a_new_start_after_the_end_begins_a_new_period_and_keeps_the_old(app, make, home):
    """The QA case: end 留守 on 10-15, later start it again on 11-10: October's tally must not change."""
    child_id = make.child(home["site"], "王小明")
    client = signed_in_client(app, home["manager"])
    url = roster_url(home, f"/{child_id}")
    fields = form_fields(client.get(url).data)
    ended = {**fields, "left_behind": "y", "left_behind_since": "", "left_behind_until": "2026-10-15"}
    assert client.post(url, data=ended).status_code == 302
    fields = form_fields(client.get(url).data)
    again = {**fields, "left_behind": "y", "left_behind_since": "2026-11-10", "left_behind_until": ""}
    assert client.post(url, data=again).status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert [(p.since, p.until) for p in child.categories] == [
            (None, date(2026, 10, 15)),
            (date(2026, 11, 10), None),
        ]
    fields = form_fields(client.get(url).data)  # the form shows the current period
    assert (fields["left_behind_since"], fields["left_behind_until"]) == ("2026-11-10", "")
    # a start inside the latest period corrects it instead
    fix = {**fields, "left_behind": "y", "left_behind_since": "2026-11-12", "left_behind_until": ""}
    assert client.post(url, data=fix).status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert [(p.since, p.until) for p in child.categories] == [
            (None, date(2026, 10, 15)),
            (date(2026, 11, 12), None),
        ]


def test_a_merged_child_cannot_be_edited(app, ctx, make, home):
    from formsvc.accounts.models import User

    child = db.session.get(Child, make.child(home["site"], "王小明"))
    child.status = ChildStatus.MERGED
    with pytest.raises(RosterError) as error:
        update_child(child, ChildData(name="王小明"), user=db.session.get(User, home["manager"]["id"]))
    assert error.value.code == "not_editable"


def test_a_township_viewer_reads_the_roster_but_cannot_change_it(app, make, home):
    child_id = make.child(home["site"], "王小明")
    viewer = township_viewer(app, home["site"])
    client = signed_in_client(app, viewer)
    page = client.get(roster_url(home))
    assert page.status_code == 200 and "王小明" in page_text(page.data)
    assert client.get(roster_url(home, "/new")).status_code == 403
    assert client.post(roster_url(home, "/new"), data={"name": "李思琪"}).status_code == 403
    assert client.get(roster_url(home, f"/{child_id}")).status_code == 403
    assert client.post(roster_url(home, f"/{child_id}"), data={"name": "李思琪"}).status_code == 403
    assert count(app, Child) == 1


def test_another_sites_manager_gets_404_everywhere(app, make, home):
    child_id = make.child(home["site"], "王小明")
    client = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    for url in (roster_url(home), roster_url(home, "/new"), roster_url(home, f"/{child_id}")):
        assert client.get(url).status_code == 404, url
    for url in (roster_url(home, "/new"), roster_url(home, f"/{child_id}")):
        assert client.post(url, data={"name": "李思琪"}).status_code == 404, url
    with app.app_context():
        assert db.session.get(Child, child_id).name == "王小明"


def test_a_child_of_another_site_is_not_found_under_mine(app, make, home):
    other = make.site("河西村儿童之家")
    stranger = make.child(other, "陈一一")
    client = signed_in_client(app, home["manager"])
    assert client.get(roster_url(home, f"/{stranger}")).status_code == 404


def _erase_fields(client, url) -> dict:
    html = client.get(url).data.decode()
    erase_form = html[html.index('id="erase-title"') :]
    return form_fields(erase_form)


def test_a_family_can_have_a_child_erased_and_the_visits_still_count(app, make, home):
    from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Source
    from formsvc.audit.models import AuditEntry
    from formsvc.tallies.services import compute_tally

    child_id = make.child(home["site"], "王小明")
    daily = make.daily(home["site"], date(2026, 11, 20))
    with app.app_context():
        child = db.session.get(Child, child_id)
        child.guardian_name, child.guardian_phone, child.grade = "王奶奶", "13812345678", "三年级"
        db.session.add(Attendance(activity_id=daily["id"], child_id=child_id, source=Source.QR))
        db.session.add(
            AdultSignIn(
                activity_id=daily["id"], role=AdultRole.GUARDIAN, name="王奶奶", name_key="王奶奶",
                source=Source.QR, child_name="王小明", child_id=child_id,
            )
        )  # fmt: skip
        db.session.commit()
        before = compute_tally(f"site:{home['site']['id']}", date(2026, 11, 1), date(2026, 11, 30)).total.figures
    client = signed_in_client(app, home["manager"])
    url = roster_url(home, f"/{child_id}")
    fields = _erase_fields(client, url)
    assert "Erase on request" in page_text(client.get(url, headers=EN).data)

    unticked = client.post(url + "/erase", data=fields, headers=EN)
    assert unticked.status_code == 200
    assert "Please tick the box to confirm the family asked." in page_text(unticked.data)
    ticked = client.post(url + "/erase", data={**fields, "confirmed": "y"})
    assert ticked.status_code == 302 and ticked.headers["Location"].endswith(roster_url(home))

    with app.app_context():
        child = db.session.get(Child, child_id)
        assert (child.name, child.guardian_name, child.guardian_phone, child.grade) == ("", "", "", "")
        assert child.purged_at is not None
        assert db.session.execute(db.select(AdultSignIn.child_name)).scalar_one() == ""
        entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "child.erase")).scalar_one()
        assert "王小明" not in str(entry.details) and entry.target == f"child:{child_id}"
        after = compute_tally(f"site:{home['site']['id']}", date(2026, 11, 1), date(2026, 11, 30)).total.figures
    assert after == before and after.child_participations == 1 and after.distinct_children == 1
    assert "王小明" not in page_text(client.get(roster_url(home)).data)
    assert client.get(url).status_code == 404  # nothing left to edit
    assert client.post(url + "/erase", data={**fields, "confirmed": "y"}).status_code == 404
    day = page_text(client.get(f"/admin/sites/{home['site']['id']}?day=2026-11-20", headers=EN).data)
    assert "(name erased)" in day and "王小明" not in day  # the visit, without the name


def test_only_a_manager_of_the_site_can_erase_a_child(app, make, home):
    child_id = make.child(home["site"], "王小明")
    other_site = make.site(name="河西村儿童之家")
    outsider = signed_in_client(app, make.user("bob", sites=[other_site]))
    viewer = signed_in_client(app, township_viewer(app, home["site"]))
    url = roster_url(home, f"/{child_id}/erase")
    for client in (outsider, viewer):
        fields = form_fields(client.get("/admin/").data)
        assert client.post(url, data={**fields, "confirmed": "y"}).status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Child, child_id).name == "王小明"


def test_a_double_tap_is_told_apart_from_a_save_by_a_warning(app, home):
    client = signed_in_client(app, home["manager"])
    data = new_child_data(client, home)
    saved = client.post(roster_url(home, "/new"), data=data, follow_redirects=True, headers=EN)
    assert 'class="notice" role="status"' in saved.get_data(as_text=True)
    again = client.post(roster_url(home, "/new"), data=data, follow_redirects=True, headers=EN).get_data(as_text=True)
    warning = re.search(r'<p class="notice notice-warn" role="alert">([^<]*)</p>', again)
    assert warning and "already been saved" in warning.group(1)


def test_the_demo_childrens_gender_is_shown_and_kept_when_saved(app, make):
    """QA: the demo stored "F"/"M", which the roster form did not know: no gender was shown,
    and saving the page erased it."""
    from sqlalchemy import select

    from formsvc.attendance.models import BOY
    from formsvc.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        boy = db.session.execute(select(Child).where(Child.gender == BOY).limit(1)).scalar_one()
        boy_id, site_id = boy.id, boy.site_id
    home = {"site": {"id": site_id}, "manager": make.user("amy", sites=[{"id": site_id}])}
    client = signed_in_client(app, home["manager"])
    url = roster_url(home, f"/{boy_id}")
    fields = form_fields(client.get(url).data)
    assert fields["gender"] == BOY
    assert client.post(url, data={**fields, "grade": "三年级"}).status_code == 302
    with app.app_context():
        assert db.session.get(Child, boy_id).gender == BOY


def test_the_migration_folds_the_demos_capital_genders(app, make, home):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    girl, boy = make.child(home["site"], "韦小红"), make.child(home["site"], "韦小明")
    with app.app_context():
        db.session.execute(text("UPDATE children SET gender = 'F' WHERE id = :id"), {"id": girl})
        db.session.execute(text("UPDATE children SET gender = 'M' WHERE id = :id"), {"id": boy})
        db.session.commit()
        downgrade(revision="1100")
        upgrade()
        assert (db.session.get(Child, girl).gender, db.session.get(Child, boy).gender) == ("f", "m")
