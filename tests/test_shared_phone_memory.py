"""What a shared phone remembers (formsvc/attendance/device.py) belongs to the last adult who signed in.

QA: the phone kept the previous value of every field left empty. 孙奶奶 signed in with her
number and her grandchild; 周阿姨, on the same phone, changed the name, chose "other", emptied
the number and the child, and signed in. The next form showed 周阿姨 with 孙奶奶's number and
grandchild — shown to whoever holds the phone, and one more tap would have recorded them under
the neighbour. Now the phone remembers what was sent: another adult's name starts afresh (her
children too), and the same adult's emptied field is forgotten while the children this phone
signed in for her stay one tap away.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
GRANDMOTHER = {
    "name": "孙奶奶",
    "relation": "grandmother",
    "phone": "13912345678",
    "village": "新华村",
    "child_name": "孙小雨",
}
REMEMBERED = ("name", "relation", "phone", "village", "child_name")

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def home(make):
    site = make.site()
    for name in ("孙小雨", "孙小雷"):
        make.child(site, name)
    return {
        "daily": make.daily(site, DAY),
        "lecture": make.activity(site, day=DAY, title="家长课堂", volunteers=True),
        "talk": make.activity(site, day=DAY, title="安全讲座", volunteers=True),
    }


def guardian_form(device, activity: dict) -> dict[str, str]:
    return form_fields(device.get(f"/a/{activity['token']}/guardian").data)


def send_guardian_form(device, activity: dict, **changed) -> None:
    """The guardian form as the phone shows it (the last entries filled in), with ``changed`` typed over them."""
    fields = {**guardian_form(device, activity), **changed, **CONSENT}
    assert device.post(f"/a/{activity['token']}/guardian", data=fields).status_code == 302


def send_child_form(phone, activity: dict, child_name: str, signed_by: str = "grandmother") -> None:
    url = f"/a/{activity['token']}/child"
    fields = {**form_fields(phone.get(url).data), **CONSENT, "child_name": child_name, "signed_by": signed_by}
    assert phone.post(url, data=fields).status_code == 302


def shown(fields: dict[str, str]) -> dict[str, str]:
    return {key: fields.get(key, "") for key in REMEMBERED}


def offered_children(phone, daily: dict) -> tuple[str, list[str]]:
    """The child form as it opens: the name filled in, and the other children offered as links."""
    page = phone.get(f"/a/{daily['token']}/child")
    links = re.findall(r'class="pill-link"[^>]*>([^<]+)<', page.get_data(as_text=True))
    return form_fields(page.data)["child_name"], links


def test_the_neighbour_gets_what_she_sent_not_the_grandmothers_number_and_grandchild(app, client, home):
    lecture, talk = home["lecture"], home["talk"]
    send_guardian_form(client, lecture, **GRANDMOTHER)
    assert shown(guardian_form(client, talk)) == GRANDMOTHER  # the phone's last entries

    send_guardian_form(client, talk, name="周阿姨", relation="other", phone="", child_name="")

    after = shown(guardian_form(client, lecture))
    assert after == {"name": "周阿姨", "relation": "other", "phone": "", "village": "新华村", "child_name": ""}
    # Nor is the grandmother's grandchild offered on the child form under the neighbour.
    assert offered_children(client, home["daily"]) == ("", [])


def test_the_same_adult_is_remembered_as_sent_and_keeps_her_children(app, client, home):
    lecture, talk, daily = home["lecture"], home["talk"], home["daily"]
    send_child_form(client, daily, "孙小雨")
    send_child_form(client, daily, "孙小雷")  # the phone knew no adult yet: these are the first one's
    send_guardian_form(client, lecture, **GRANDMOTHER)
    assert offered_children(client, daily) == ("孙小雨", ["孙小雷"])

    # The same grandmother, her name spaced another way, leaves out her number and the child.
    send_guardian_form(client, talk, name="孙 奶奶", phone="", child_name="")

    after = shown(guardian_form(client, lecture))
    assert after == {"name": "孙 奶奶", "relation": "grandmother", "phone": "", "village": "新华村", "child_name": ""}
    assert offered_children(client, daily) == ("孙小雨", ["孙小雷"])
    child_form = form_fields(client.get(f"/a/{daily['token']}/child").data)
    assert child_form["signed_by"] == "grandmother"  # not on the guardian form: kept as it was


def test_a_volunteer_on_the_grandmothers_phone_takes_nothing_of_hers_that_she_did_not_send(app, client, home):
    lecture, talk = home["lecture"], home["talk"]
    send_child_form(client, home["daily"], "孙小雷")
    send_guardian_form(client, lecture, **GRANDMOTHER)
    volunteer_url = f"/a/{talk['token']}/volunteer"
    volunteer = form_fields(client.get(volunteer_url).data)
    assert (volunteer["name"], volunteer["phone"]) == ("孙奶奶", "13912345678")  # filled in from the phone
    sent = {**volunteer, "name": "周阿姨", "phone": "", "village": "和平村"}
    assert client.post(volunteer_url, data=sent).status_code == 302

    # The volunteer form has no relation and no child: the grandmother's are not the neighbour's.
    assert shown(guardian_form(client, lecture)) == {
        "name": "周阿姨",
        "relation": "",
        "phone": "",
        "village": "和平村",
        "child_name": "",
    }
    assert offered_children(client, home["daily"]) == ("", [])
    assert "signed_by" not in form_fields(client.get(f"/a/{home['daily']['token']}/child").data)


def test_not_me_says_on_the_page_it_returns_to_that_the_phone_forgot(client, home):
    """QA: "不是我" cleared the phone but the form came back without a word, as if nothing had happened."""
    send_child_form(client, home["daily"], "孙小雨")
    url = f"/a/{home['daily']['token']}/child"
    page = client.get(f"/forget?next={url}", headers=EN, follow_redirects=True)
    assert client.get_cookie("fs_me") is None
    assert '<p class="notice" role="status">What this phone remembered has been cleared.</p>' in page.get_data(
        as_text=True
    )
    assert form_fields(page.data).get("child_name", "") == ""
    assert "has been cleared" not in page_text(client.get(url, headers=EN).data)  # said once


def test_who_signed_a_child_in_is_her_relation_on_the_guardian_form(client, home):
    """QA: a grandmother who chose 外婆 on the child form found the child's name on a lecture's
    guardian form but had to choose 外婆 again."""
    send_child_form(client, home["daily"], "孙小雨", signed_by="maternal_grandmother")
    opened = guardian_form(client, home["lecture"])
    assert (opened["child_name"], opened["relation"], opened.get("name", "")) == ("孙小雨", "maternal_grandmother", "")
    # "Sign in someone else" on a receipt opens the form for another adult: nothing of hers.
    other = form_fields(client.get(f"/a/{home['lecture']['token']}/guardian?someone_else=1").data)
    assert other.get("relation", "") == ""

    send_guardian_form(client, home["lecture"], name="孙秀英", child_name="孙小雨")
    assert guardian_form(client, home["talk"])["relation"] == "maternal_grandmother"  # as she sent it


def test_a_child_who_signed_themself_in_gives_the_guardian_form_no_relation(client, home):
    send_child_form(client, home["daily"], "孙小雨")  # the grandmother agreed on this phone
    send_child_form(client, home["daily"], "孙小雷", signed_by="self")
    opened = guardian_form(client, home["lecture"])
    assert (opened["child_name"], opened.get("relation", "")) == ("孙小雷", "")


def test_a_relation_sent_with_a_name_comes_before_who_last_signed_a_child_in(client, home):
    send_guardian_form(client, home["lecture"], **GRANDMOTHER)
    send_child_form(client, home["daily"], "孙小雨", signed_by="mother")  # who held the phone is not known
    assert guardian_form(client, home["talk"])["relation"] == "grandmother"
