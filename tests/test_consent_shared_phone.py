"""A phone's consent covers the adults who agreed on it, not whoever uses the phone next.

A grandmother's phone passed to a neighbour, or the phone at the home's door: the acceptance
remembered on it covered the next adult too, unless they pressed "not me". The name of an adult
who has not agreed on the phone, typed on the guardian form, now shows the consent box again,
as on a new phone, keeping everything typed; an adult who has agreed on it (one of the last
few) is not asked, and a child's name never asks again by itself. An acceptance whose adult is
not known covers the child form but no adult on the guardian form. A carried-over consent
points at the consent the adult concerned ticked.
"""

from __future__ import annotations

from datetime import date

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import inspect, select
from sqlalchemy.orm import aliased

from formsvc.attendance import device
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from formsvc.privacy.acceptance import ADULTS_KEPT, COOKIE
from formsvc.privacy.models import Consent, HowGiven
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text
from tests.security.test_admin_scoping import database_fingerprint
from tests.test_consent import publish
from tests.test_consent_carried_over import statements_on_consents
from tests.workspace_helpers import EN

DAY = date(2026, 11, 27)
TICKED, CARRIED_OVER = HowGiven.TICKED.value, HowGiven.CARRIED_OVER.value
GRANDMOTHER = {"name": "韦秀英", "relation": "grandmother", "phone": "13812345678", "village": "新华村"}
NEIGHBOUR = {"name": "覃丽娟", "relation": "mother", "phone": "13987654321", "village": "和平村"}
ASKED_AGAIN = "This phone has not yet agreed under your name."
ASKED_AS_IT_OPENS = "This phone has not yet agreed under the name above."
# The consent text as an English phone shows it (version 1), which the reason to tick comes before.
TEXT = "When you sign a child in, the Children's Home keeps"

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def home(make):
    site = make.site()
    for name in ("王小明", "王小红", "覃小燕"):
        make.child(site, name)
    return {
        "site": site,
        "daily": make.daily(site, DAY),
        "lectures": [make.activity(site, day=DAY, title=f"家长课堂{n}", volunteers=True) for n in range(4)],
    }


def guardian_url(activity: dict) -> str:
    return f"/a/{activity['token']}/guardian"


def guardian_sign_in(phone, activity: dict, adult: dict, child_name: str, *, tick: bool = False):
    """The guardian form as the phone shows it, sent with ``adult``'s details and ``child_name``."""
    fields = {**form_fields(phone.get(guardian_url(activity)).data), **adult, "child_name": child_name}
    return phone.post(guardian_url(activity), data={**fields, **(CONSENT if tick else {})}, headers=EN)


def child_sign_in(phone, activity: dict, name: str, *, tick: bool = False):
    url = f"/a/{activity['token']}/child"
    fields = {**form_fields(phone.get(url).data), "child_name": name, **(CONSENT if tick else {})}
    return phone.post(url, data=fields, headers=EN)


def sign(app):
    """Signs a consent cookie's value as the app does, to set cookies of the shapes older code wrote."""
    return URLSafeSerializer(app.secret_key, salt="guardian-consent").dumps


def remember_adult(app, phone, name: str) -> None:
    """The phone's last entries hold ``name``, as after that adult's last sign-in from it."""
    with app.app_context():
        phone.set_cookie(device.COOKIE, URLSafeSerializer(app.secret_key, salt="device-memory").dumps({"name": name}))


def asks(phone, activity: dict) -> bool:
    """The guardian form, as it opens on this phone, shows the consent box."""
    return b'name="consent"' in phone.get(guardian_url(activity)).data


def consents(app) -> list[tuple[str | None, str, str | None]]:
    """(the child covered, how it was given, the adult whose sign-in it came with) of every consent."""
    with app.app_context():
        rows = db.session.execute(
            select(Child.name, Consent.how_given, AdultSignIn.name)
            .outerjoin(Child, Child.id == Consent.child_id)
            .outerjoin(AdultSignIn, AdultSignIn.id == Consent.adult_signin_id)
            .order_by(Consent.id)
        ).all()
        return [(child, how.value, adult) for child, how, adult in rows]


def test_another_adults_name_on_an_accepting_phone_asks_again_and_keeps_everything_typed(app, client, home):
    first, second = home["lectures"][:2]
    assert guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True).status_code == 302

    fields = {**form_fields(client.get(guardian_url(second)).data), **NEIGHBOUR, "child_name": "覃小燕"}
    before = database_fingerprint(app)
    refused = client.post(guardian_url(second), data=fields, headers=EN)
    assert refused.status_code == 200
    assert ASKED_AGAIN in page_text(refused.data) and 'name="consent"' in refused.get_data(as_text=True)
    # It says why and what to do above the text it asks her to read, which comes after it.
    text = page_text(refused.data)
    assert "please read the text below" in text and text.index(ASKED_AGAIN) < text.index(TEXT)
    again = form_fields(refused.data)
    typed = ("name", "relation", "phone", "village", "child_name", "nonce")
    assert [again[key] for key in typed] == [fields[key] for key in typed]
    assert again["consent_version"] == "1"
    assert database_fingerprint(app) == before

    assert client.post(guardian_url(second), data={**again, **CONSENT}).status_code == 302
    assert consents(app) == [("王小明", TICKED, "韦秀英"), ("覃小燕", TICKED, "覃丽娟")]


def test_the_same_adult_signing_in_again_is_not_asked_however_the_name_is_spaced(app, client, home):
    first, second = home["lectures"][:2]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    assert not asks(client, second)  # the phone's last entries fill in her name
    assert guardian_sign_in(client, second, {**GRANDMOTHER, "name": "韦 秀英"}, "王小红").status_code == 302
    assert consents(app) == [("王小明", TICKED, "韦秀英"), ("王小红", CARRIED_OVER, "韦秀英")]


def test_once_the_neighbour_accepted_too_neither_of_them_is_asked_again(app, client, home):
    first, second, third = home["lectures"][:3]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    guardian_sign_in(client, second, NEIGHBOUR, "覃小燕", tick=True)
    assert guardian_sign_in(client, third, GRANDMOTHER, "王小红").status_code == 302
    assert guardian_sign_in(client, third, NEIGHBOUR, "覃小燕").status_code == 302
    assert consents(app) == [
        ("王小明", TICKED, "韦秀英"),
        ("覃小燕", TICKED, "覃丽娟"),
        ("王小红", CARRIED_OVER, "韦秀英"),
    ]


ADULT_NAMES = ["韦秀英", "覃丽娟", "黄美玲", "陆春花", "蒙桂兰", "农玉梅"]
CHILD_NAMES = ["王小明", "覃小燕", "黄子轩", "陆思雨", "蒙佳怡", "农浩然"]


def test_the_phone_keeps_the_last_five_adults_who_agreed_and_asks_one_who_dropped_off(app, client, home):
    first, second = home["lectures"][:2]
    assert len(ADULT_NAMES) == ADULTS_KEPT + 1 == 6
    adults = [{**NEIGHBOUR, "name": name} for name in ADULT_NAMES]
    for adult, child in zip(adults, CHILD_NAMES, strict=True):
        assert guardian_sign_in(client, first, adult, child, tick=True).status_code == 302
    cookie = client.get_cookie(COOKIE)
    assert cookie.http_only and len(cookie.value) < 300  # small, and out of the page's scripts' reach
    for adult, child in zip(adults[1:], CHILD_NAMES[1:], strict=True):
        assert guardian_sign_in(client, second, adult, child).status_code == 302
    refused = guardian_sign_in(client, second, adults[0], CHILD_NAMES[0])
    assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)


def test_an_adult_the_phone_remembers_without_an_acceptance_sees_the_box_as_the_form_opens(app, client, home):
    """A volunteer signed in from the grandmother's phone (no consent asked): her name is what the
    phone remembers now, but the acceptance was the grandmother's."""
    first, second = home["lectures"][:2]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    volunteer_url = f"/a/{second['token']}/volunteer"
    fields = {**form_fields(client.get(volunteer_url).data), "name": NEIGHBOUR["name"]}
    assert client.post(volunteer_url, data=fields).status_code == 302
    page = client.get(guardian_url(second), headers=EN)
    assert form_fields(page.data)["name"] == NEIGHBOUR["name"]
    assert b'name="consent"' in page.data
    text = page_text(page.data)
    assert "Only if you want it on the record. Then please read and agree below." in text
    # Why the box is there, with the name filled in above it: said before the text, tied to the tick.
    assert ASKED_AS_IT_OPENS in text and text.index(ASKED_AS_IT_OPENS) < text.index(TEXT)
    assert 'aria-describedby="consent-reason"' in page.get_data(as_text=True)
    refused = guardian_sign_in(client, second, NEIGHBOUR, "覃小燕")
    assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)


def test_naming_no_child_another_adult_signs_in_without_the_tick(app, client, home):
    first, second = home["lectures"][:2]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    assert guardian_sign_in(client, second, NEIGHBOUR, "").status_code == 302
    assert consents(app) == [("王小明", TICKED, "韦秀英")]


def test_a_child_form_is_not_asked_again_for_a_childs_name(app, client, home):
    guardian_sign_in(client, home["lectures"][0], GRANDMOTHER, "王小明", tick=True)
    assert b'name="consent"' not in client.get(f"/a/{home['daily']['token']}/child").data
    assert child_sign_in(client, home["daily"], "王小红").status_code == 302
    assert consents(app) == [("王小明", TICKED, "韦秀英"), ("王小红", CARRIED_OVER, None)]


def test_an_acceptance_on_the_child_form_of_a_phone_that_remembered_no_adult_asks_each_guardian_once(app, client, home):
    """Whose tick it was is not known. It covers the child form, but each adult who names a child on
    the guardian form reads and ticks for herself, once; nobody's child gets a row carried over from
    another family's tick."""
    first, second = home["lectures"][:2]
    assert child_sign_in(client, home["daily"], "王小明", tick=True).status_code == 302
    assert asks(client, first)  # the blank guardian form shows the box as it opens, not after "Sign in"
    for adult, child in ((GRANDMOTHER, "王小红"), (NEIGHBOUR, "覃小燕")):
        refused = guardian_sign_in(client, first, adult, child)
        assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)
    assert consents(app) == [("王小明", TICKED, None)]

    assert guardian_sign_in(client, first, NEIGHBOUR, "覃小燕", tick=True).status_code == 302
    assert guardian_sign_in(client, second, NEIGHBOUR, "覃小燕").status_code == 302  # once is enough
    refused = guardian_sign_in(client, second, GRANDMOTHER, "王小红")
    assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)
    assert b'name="consent"' not in client.get(f"/a/{home['daily']['token']}/child").data
    assert consents(app) == [("王小明", TICKED, None), ("覃小燕", TICKED, "覃丽娟")]


def test_an_acceptance_on_the_child_form_is_under_the_adult_the_phone_remembers(app, client, home):
    first, second = home["lectures"][:2]
    assert guardian_sign_in(client, first, GRANDMOTHER, "").status_code == 302  # no child named: no consent
    assert child_sign_in(client, home["daily"], "王小明", tick=True).status_code == 302
    assert not asks(client, second)
    assert guardian_sign_in(client, second, NEIGHBOUR, "覃小燕").status_code == 200
    assert guardian_sign_in(client, second, GRANDMOTHER, "王小红").status_code == 302


def test_a_cookie_that_kept_only_the_version_covers_the_child_form_and_asks_each_guardian(app, client, home):
    first = home["lectures"][0]
    client.set_cookie(COOKIE, sign(app)(1))
    assert b'name="consent"' not in client.get(f"/a/{home['daily']['token']}/child").data
    refused = guardian_sign_in(client, first, GRANDMOTHER, "王小明")
    assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)
    assert child_sign_in(client, home["daily"], "王小红").status_code == 302
    assert consents(app) == [("王小红", CARRIED_OVER, None)]
    assert carried_from(app) == [(None, None, None)]  # the cookie named no tick


def test_an_unreadable_list_in_the_cookie_still_says_the_version_was_accepted(app, client, home):
    client.set_cookie(COOKIE, sign(app)({"v": 1, "g": [["a", 1, 2], [7, 3], "b"]}))
    assert b'name="consent"' not in client.get(f"/a/{home['daily']['token']}/child").data
    refused = guardian_sign_in(client, home["lectures"][0], GRANDMOTHER, "王小明")
    assert refused.status_code == 200 and ASKED_AGAIN in page_text(refused.data)


def test_a_new_version_asks_everyone_and_is_then_the_adults_who_ticked_it(app, make, client, home):
    first, second, third = home["lectures"][:3]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    guardian_sign_in(client, first, NEIGHBOUR, "覃小燕", tick=True)  # both agreed to version 1
    _admin, published = publish(app, make, "新的同意书文字。", "New consent text.")
    assert published.status_code == 302
    assert asks(client, second)
    assert guardian_sign_in(client, second, GRANDMOTHER, "王小红", tick=True).status_code == 302
    assert not asks(client, third)
    assert guardian_sign_in(client, third, NEIGHBOUR, "覃小燕").status_code == 200


def test_the_neighbours_tick_sent_twice_records_one_sign_in_and_one_consent(app, client, home):
    first, second = home["lectures"][:2]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    fields = {**form_fields(client.get(guardian_url(second)).data), **NEIGHBOUR, "child_name": "覃小燕", **CONSENT}
    cookie = client.get_cookie(COOKIE).value
    sent = client.post(guardian_url(second), data=fields)
    client.set_cookie(COOKIE, cookie)  # the answer was lost: the phone still holds the grandmother's acceptance
    again = client.post(guardian_url(second), data=fields)
    assert sent.status_code == again.status_code == 302
    assert sent.headers["Location"] == again.headers["Location"]
    assert consents(app) == [("王小明", TICKED, "韦秀英"), ("覃小燕", TICKED, "覃丽娟")]
    # The resend's answer still puts the acceptance under the neighbour, with her tick.
    assert not asks(client, home["lectures"][2])
    assert guardian_sign_in(client, home["lectures"][2], NEIGHBOUR, "王小红").status_code == 302
    _grandmothers, neighbours = ticked_ids(app)
    assert carried_from(app) == [(neighbours, None, signin_of(app, NEIGHBOUR, second))]


def test_a_resent_tick_for_a_child_two_phones_ticked_for_names_neither_tick(app, client, home):
    """The child was already signed in from another phone, which ticked too: which tick the lost
    answer was for is not known, so the rows carried over from it point at none."""
    other_phone = app.test_client()
    child_sign_in(other_phone, home["daily"], "王小明", tick=True)
    url = f"/a/{home['daily']['token']}/child"
    fields = {**form_fields(client.get(url).data), "child_name": "王小明", **CONSENT}
    assert client.post(url, data=fields).status_code == 302
    client.delete_cookie(COOKIE)  # the answer was lost
    assert client.post(url, data=fields).status_code == 302
    assert len(ticked_ids(app)) == 2
    assert child_sign_in(client, home["daily"], "王小红").status_code == 302
    assert carried_from(app) == [(None, None, None)]


# --- the carried-over row points at the acceptance ---------------------------------------


def carried_from(app) -> list[tuple[int | None, int | None, int | None]]:
    """(carried_from_id, its sign-in: attendance id, adult sign-in id) of every carried-over row."""
    with app.app_context():
        ticked = aliased(Consent)
        rows = db.session.execute(
            select(Consent.carried_from_id, ticked.attendance_id, ticked.adult_signin_id)
            .outerjoin(ticked, ticked.id == Consent.carried_from_id)
            .where(Consent.how_given == HowGiven.CARRIED_OVER)
            .order_by(Consent.id)
        ).all()
        return [tuple(row) for row in rows]


def ticked_ids(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Consent.id).where(Consent.how_given == HowGiven.TICKED).order_by(Consent.id)
            ).scalars()
        )


def signin_of(app, adult: dict, activity: dict) -> int:
    with app.app_context():
        return db.session.execute(
            select(AdultSignIn.id).where(AdultSignIn.name == adult["name"], AdultSignIn.activity_id == activity["id"])
        ).scalar_one()


def test_a_carried_over_row_points_at_the_consent_ticked_on_the_child_form(app, client, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    child_sign_in(client, home["daily"], "王小红")
    child_sign_in(client, home["daily"], "覃小燕")
    (ticked,) = ticked_ids(app)
    with app.app_context():
        visit = db.session.execute(select(Attendance.id).order_by(Attendance.id).limit(1)).scalar_one()
    assert carried_from(app) == [(ticked, visit, None), (ticked, visit, None)]


def test_a_carried_over_row_points_at_the_consent_ticked_on_the_guardian_form(app, client, home):
    guardian_sign_in(client, home["lectures"][0], GRANDMOTHER, "王小明", tick=True)
    with statements_on_consents(app) as carried:
        child_sign_in(client, home["daily"], "王小红")
    assert carried == ["SELECT", "INSERT"]  # the link is part of the insert
    (ticked,) = ticked_ids(app)
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn.id)).scalar_one()
    assert carried_from(app) == [(ticked, None, signin)]


def test_on_the_guardian_form_a_carried_over_row_points_at_the_typed_adults_own_tick(app, make, client, home):
    first, second, third = home["lectures"][:3]
    make.child(home["site"], "覃小龙")
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    guardian_sign_in(client, second, NEIGHBOUR, "覃小燕", tick=True)
    grandmothers, neighbours = ticked_ids(app)
    assert guardian_sign_in(client, third, GRANDMOTHER, "王小红").status_code == 302
    assert guardian_sign_in(client, third, NEIGHBOUR, "覃小龙").status_code == 302
    assert carried_from(app) == [
        (grandmothers, None, signin_of(app, GRANDMOTHER, first)),
        (neighbours, None, signin_of(app, NEIGHBOUR, second)),
    ]


def test_on_the_child_form_a_carried_over_row_points_at_the_tick_of_the_adult_the_phone_remembers(app, client, home):
    first, second, third = home["lectures"][:3]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    guardian_sign_in(client, second, NEIGHBOUR, "覃小燕", tick=True)
    assert guardian_sign_in(client, third, GRANDMOTHER, "").status_code == 302  # the phone remembers her again
    grandmothers, _neighbours = ticked_ids(app)
    assert child_sign_in(client, home["daily"], "王小红").status_code == 302
    assert carried_from(app) == [(grandmothers, None, signin_of(app, GRANDMOTHER, first))]


def test_on_the_child_form_of_a_phone_remembering_nobody_who_agreed_the_row_points_at_the_most_recent_tick(
    app, client, home
):
    first, second = home["lectures"][:2]
    guardian_sign_in(client, first, GRANDMOTHER, "王小明", tick=True)
    guardian_sign_in(client, second, NEIGHBOUR, "覃小燕", tick=True)
    volunteer_url = f"/a/{second['token']}/volunteer"
    fields = {**form_fields(client.get(volunteer_url).data), "name": "黄志强"}
    assert client.post(volunteer_url, data=fields).status_code == 302  # his name is the one remembered now
    _grandmothers, neighbours = ticked_ids(app)
    assert child_sign_in(client, home["daily"], "王小红").status_code == 302
    assert carried_from(app) == [(neighbours, None, signin_of(app, NEIGHBOUR, second))]


def test_a_cookie_naming_no_ticked_consent_of_this_version_links_nothing(app, make, client, home):
    """After a restore of an older backup, the consent a cookie names may be missing or another row."""
    make.child(home["site"], "农浩然")
    child_sign_in(client, home["daily"], "王小明", tick=True)
    child_sign_in(client, home["daily"], "王小红")  # carried over from the tick
    (ticked,) = ticked_ids(app)
    with app.app_context():
        carried = db.session.execute(select(Consent.id).where(Consent.how_given == HowGiven.CARRIED_OVER)).scalar()
    sign = URLSafeSerializer(app.secret_key, salt="guardian-consent").dumps
    for named, child in ((carried, "覃小燕"), (999_999, "农浩然")):  # not a ticked row; no row at all
        client.set_cookie(COOKIE, sign({"v": 1, "g": [[None, named]]}))
        assert child_sign_in(client, home["daily"], child).status_code == 302
    assert [row[0] for row in carried_from(app)] == [ticked, None, None]


def test_the_migration_adds_the_link_and_its_downgrade_drops_it(app, client, home):
    from flask_migrate import downgrade, upgrade

    child_sign_in(client, home["daily"], "王小明", tick=True)
    child_sign_in(client, home["daily"], "王小红")
    with app.app_context():
        db.session.remove()  # on PostgreSQL an open read would hold the lock the downgrade waits for
        downgrade(revision="1600")
        assert "carried_from_id" not in {column["name"] for column in inspect(db.engine).get_columns("consents")}
        upgrade()
        assert "carried_from_id" in {column["name"] for column in inspect(db.engine).get_columns("consents")}
        db.session.remove()
    assert [how for _child, how, _adult in consents(app)] == [TICKED, CARRIED_OVER]
    assert carried_from(app) == [(None, None, None)]  # rows from before the column know no link
