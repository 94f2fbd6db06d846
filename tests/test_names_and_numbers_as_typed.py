"""Names and phone numbers as phones really type them.

QA on a grandparent's phone:
- voice input writes 一三八一二三四五六七八; the sign-in was accepted and the number silently
  stored empty (so was 没有手机). Chinese digits are now read as digits, and a phone field
  that holds something but no digit at all is refused, with the text kept;
- a refused number came back rewritten (138 1234 567 as 1381234567) under "everything you
  typed is still here": it now comes back as typed;
- 热依拉·艾力, 热依拉・艾力, 热依拉•艾力 and 热依拉.艾力 made four children to review and counted
  a guardian four times: the dot between the parts of a name is not part of its key.
"""

from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from formsvc.text import name_key, normalise_phone
from tests.conftest import CONSENT, clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, NOW, count, guardian_sign_in

frozen_afternoon = clock_stopped_at(NOW)
PHONE_MESSAGE = "请填写以 1 开头的 11 位手机号，或者不填。"


@pytest.mark.parametrize("typed", ["一三八一二三四五六七八", "幺三八 一二三四 五六七八", "138一二三四五六七八"])
def test_chinese_digits_are_read_as_digits(typed):
    assert normalise_phone(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed", ["热依拉·艾力", "热依拉・艾力", "热依拉•艾力", "热依拉.艾力", "热依拉．艾力", "热依拉 艾力"]
)
def test_the_dot_of_a_minority_name_is_not_part_of_its_key(typed):
    assert name_key(typed) == name_key("热依拉艾力")


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)


def send_guardian_form(app, lecture, **values):
    phone = app.test_client()
    url = f"/a/{lecture['token']}/guardian"
    data = {**form_fields(phone.get(url).data), **CONSENT, "relation": "grandmother", **values}
    return phone.post(url, data=data)


def test_a_number_said_aloud_is_stored_as_digits(app, lecture, frozen_afternoon):
    response = send_guardian_form(app, lecture, name="陈阿婆", phone="一三八一二三四五六七八")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(AdultSignIn.phone)).scalar_one() == "13812345678"


@pytest.mark.parametrize("typed", ["没有手机", "138 1234 567", "0776-1234567"])
def test_a_refused_number_comes_back_as_typed(app, lecture, frozen_afternoon, typed):
    response = send_guardian_form(app, lecture, name="陈阿婆", phone=typed)
    assert response.status_code == 200
    assert PHONE_MESSAGE in page_text(response.data)
    assert form_fields(response.data)["phone"] == typed
    assert count(app, AdultSignIn) == 0


def test_one_child_and_one_guardian_whatever_dot_is_typed(app, lecture, frozen_afternoon):
    for dot in ("·", "・", "•", "."):
        phone = app.test_client()
        url = f"/a/{lecture['token']}/child"
        fields = form_fields(phone.get(url).data)
        assert phone.post(url, data={**fields, **CONSENT, "child_name": f"热依拉{dot}艾力"}).status_code == 302
        assert send_guardian_form(app, lecture, name=f"阿依古丽{dot}买买提").status_code == 302
    assert count(app, Child) == 1 and count(app, Attendance) == 1
    assert count(app, AdultSignIn) == 1


def test_the_migration_takes_the_dots_out_of_keys_stored_before(app, make, site, lecture):
    rows = {
        "active": make.child(site, "热依拉·艾力"),
        "to_review": make.child(site, "古丽・米热"),
        "taken": make.child(site, "古丽米热"),  # the key the to-review child would get: kept apart
    }
    signin = guardian_sign_in(app, lecture["id"], "阿依古丽.买买提")
    with app.app_context():
        old_keys = {rows["active"]: "热依拉·艾力", rows["to_review"]: "古丽・米热", rows["taken"]: "古丽米热"}
        for child_id, key in old_keys.items():
            db.session.execute(text("UPDATE children SET name_key = :key WHERE id = :id"), {"key": key, "id": child_id})
        for child_id in (rows["to_review"], rows["taken"]):
            db.session.execute(text("UPDATE children SET status = 'to_review' WHERE id = :id"), {"id": child_id})
        db.session.execute(text("UPDATE adult_signins SET name_key = '阿依古丽.买买提' WHERE id = :id"), {"id": signin})
        db.session.commit()
        downgrade(revision="1000")
        upgrade()
        keys = dict(db.session.execute(select(Child.id, Child.name_key)).all())
        signin_key = db.session.get(AdultSignIn, signin).name_key
    assert keys == {rows["active"]: "热依拉艾力", rows["to_review"]: "古丽・米热", rows["taken"]: "古丽米热"}
    assert signin_key == "阿依古丽买买提"


def send_child_form(app, lecture, name):
    phone = app.test_client()
    url = f"/a/{lecture['token']}/child"
    return phone.post(url, data={**form_fields(phone.get(url).data), **CONSENT, "child_name": name})


def assert_refused_as_typed(app, lecture, typed, message, **guardian_fields):
    """The child form and the guardian form refuse the name with ``message``, keep it, store nothing."""
    response = send_child_form(app, lecture, typed)
    assert response.status_code == 200
    assert message in page_text(response.data)
    assert form_fields(response.data)["child_name"] == typed
    guardian = send_guardian_form(app, lecture, **guardian_fields)
    assert guardian.status_code == 200 and message in page_text(guardian.data)
    assert count(app, Child) == 0 and count(app, AdultSignIn) == 0


@pytest.mark.parametrize("typed", ["😀", "。", "1", "…"])
def test_a_name_needs_a_character_or_a_letter(app, lecture, frozen_afternoon, typed):
    """QA: 。, 1 or 😀 alone were accepted as a child, one more name for the manager to review."""
    assert_refused_as_typed(app, lecture, typed, "请用汉字或字母写姓名。", name="陈阿婆", child_name=typed)


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x")', "<b>小明</b>", "王＋明", "@小红"])
def test_a_name_with_signs_no_name_has_is_refused_and_kept_as_typed(app, lecture, frozen_afternoon, typed):
    """QA: the child form took =HYPERLINK("http://x") as a child for the roster and the sheets."""
    assert_refused_as_typed(app, lecture, typed, "请只写姓名，不要写", name=typed)


@pytest.mark.parametrize("typed", ["热依拉·艾力", "Mary-Ann", "王小明（大）", "小宝😀"])
def test_names_with_dots_hyphens_brackets_or_emoji_are_taken(app, lecture, frozen_afternoon, typed):
    assert send_child_form(app, lecture, typed).status_code == 302


def test_digits_beside_a_name_still_tell_two_children_apart(app, lecture, frozen_afternoon):
    phone = app.test_client()
    url = f"/a/{lecture['token']}/child"
    response = phone.post(url, data={**form_fields(phone.get(url).data), **CONSENT, "child_name": "王小明2"})
    assert response.status_code == 302


def sign_child_in(phone, lecture, name, signed_by="grandmother"):
    url = f"/a/{lecture['token']}/child"
    data = {**form_fields(phone.get(url).data), **CONSENT, "child_name": name, "signed_by": signed_by}
    assert phone.post(url, data=data).status_code == 302


def test_a_grandmother_of_two_taps_the_other_childs_name(app, lecture, frozen_afternoon):
    """QA: the phone remembered only the last child, so the other one was typed by hand every
    day, and 再签一个人 also dropped 奶奶."""
    phone = app.test_client()
    sign_child_in(phone, lecture, "韦小明")
    sign_child_in(phone, lecture, "韦小红")
    url = f"/a/{lecture['token']}/child"

    form = phone.get(url)
    assert form_fields(form.data)["child_name"] == "韦小红"
    links = re.findall(r'<a class="pill-link" href="([^"]+)">([^<]+)</a>', form.get_data(as_text=True))
    assert [name for _href, name in links] == ["韦小明"]
    assert "这部手机也签过" in page_text(form.data)

    picked = form_fields(phone.get(links[0][0].replace("&amp;", "&")).data)
    assert (picked["child_name"], picked["signed_by"]) == ("韦小明", "grandmother")

    someone_else = phone.get(f"{url}?someone_else=1")
    fields = form_fields(someone_else.data)
    assert (fields["child_name"], fields["signed_by"]) == ("", "grandmother")
    names = re.findall(r'class="pill-link"[^>]*>([^<]+)<', someone_else.get_data(as_text=True))
    assert names == ["韦小红", "韦小明"]


def test_not_me_forgets_the_children_too(app, lecture, frozen_afternoon):
    phone = app.test_client()
    sign_child_in(phone, lecture, "韦小明")
    phone.get("/forget?next=/")
    form = phone.get(f"/a/{lecture['token']}/child")
    assert "pill-link" not in form.get_data(as_text=True) and form_fields(form.data)["child_name"] == ""


def offered(phone, lecture) -> list[str]:
    form = phone.get(f"/a/{lecture['token']}/child").get_data(as_text=True)
    return re.findall(r'class="pill-link"[^>]*>([^<]+)<', form)


def test_only_this_homes_children_are_offered_by_their_roster_names(app, make, site, lecture, frozen_afternoon):
    """QA: the list was the phone's, not the home's: at another home one tap put a child into
    its review queue; and a name the manager had corrected came back as a second child."""
    other_lecture = make.activity(make.site(name="河西村儿童之家"), day=DAY, children=True, guardians=False)
    phone = app.test_client()
    for name in ("钱小雨", "钱小雷", "王 小明", "王小明"):  # the last two are one child
        sign_child_in(phone, lecture, name)
    assert offered(phone, lecture) == ["钱小雷", "钱小雨"]  # 王小明 is filled in; once, whatever the spelling
    assert offered(phone, other_lecture) == []
    assert form_fields(phone.get(f"/a/{other_lecture['token']}/child").data)["child_name"] == ""

    with app.app_context():  # the manager corrects 钱小雨 to 钱晓雨 on the roster
        child = db.session.execute(select(Child).where(Child.name == "钱小雨")).scalar_one()
        child.name, child.name_key = "钱晓雨", name_key("钱晓雨")
        db.session.commit()
    assert offered(phone, lecture) == ["钱小雷"]


def test_a_link_names_its_child_however_the_list_has_moved_since(app, lecture, frozen_afternoon):
    phone = app.test_client()
    for name in ("周一", "周二", "周三"):
        sign_child_in(phone, lecture, name)
    page = phone.get(f"/a/{lecture['token']}/child").get_data(as_text=True)
    old_links = dict(
        (name, href) for href, name in re.findall(r'<a class="pill-link" href="([^"]+)">([^<]+)</a>', page)
    )
    sign_child_in(phone, lecture, "周一")  # the list is now 周一, 周三, 周二
    for name, href in old_links.items():  # a page brought back by Back still has the old links
        assert form_fields(phone.get(href.replace("&amp;", "&")).data)["child_name"] == name
    for junk in ("²", "0", "x" * 500):
        response = phone.get(f"/a/{lecture['token']}/child?pick={junk}")
        assert response.status_code == 200 and form_fields(response.data)["child_name"] == ""


@pytest.mark.parametrize("typed", ["王芳 138 1234 5678", "王芳13812345678", "1234567"])
def test_a_phone_number_is_not_part_of_a_name(app, lecture, frozen_afternoon, typed):
    """QA: 王芳 138 1234 5678 was stored as a child's name: on the roster, the day view, the sheets."""
    phone = app.test_client()
    url = f"/a/{lecture['token']}/child"
    response = phone.post(url, data={**form_fields(phone.get(url).data), **CONSENT, "child_name": typed})
    assert response.status_code == 200 and form_fields(response.data)["child_name"] == typed
    assert count(app, Child) == 0


@pytest.mark.parametrize("typed", ["。", "🙂🙂", "13812345678"])
def test_the_managers_forms_take_the_same_names(app, make, site, lecture, frozen_afternoon, typed):
    """QA: the roster's add-a-child form and roll-call's add took 。, 1, 😀 and phone numbers as names."""
    from tests.workspace_helpers import signed_in_client

    manager = signed_in_client(app, make.user("amy", sites=[site]))
    new_child = f"/admin/sites/{site['id']}/children/new"
    answer = manager.post(new_child, data={**form_fields(manager.get(new_child).data), "name": typed})
    assert answer.status_code == 200 and form_fields(answer.data)["name"] == typed
    daily = make.daily(site, DAY)
    roll_call = f"/admin/activities/{daily['id']}/roll-call"
    fields = form_fields(manager.get(roll_call).data)
    add = {key: value for key, value in fields.items() if key in ("csrf_token", "nonce")}
    manager.post(f"{roll_call}/add", data={**add, "name": typed})
    assert count(app, Child) == 0
    fields = form_fields(manager.get(roll_call).data)  # the same form with a name: it adds the child
    add = {key: value for key, value in fields.items() if key in ("csrf_token", "nonce")}
    assert manager.post(f"{roll_call}/add", data={**add, "name": "王小明"}).status_code == 302
    assert count(app, Child) == 1
