"""A guardian's sign-in that names a roster child carries the phone's consent over to that child.

A phone that accepted the current consent text is not asked again. A child signed in from it
already got a consent row of its own, carried over; a guardian signing themselves in at a
lecture from the same phone and naming their child (on the roster) did not, so that child had
no consent the district could show although the guardian's sign-in holds the child's name.
The same rules hold: once per child and version, nothing on a resend, and one lookup only when
the phone accepted before and the name is a roster child's.

The phone is the grandmother's: it remembers her from an earlier sign-in, so the consent ticked
on its child form is hers (one whose adult is not known asks her on the guardian form, see
tests/test_consent_shared_phone.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn, Child
from formsvc.extensions import db
from formsvc.privacy.models import Consent, ConsentText, HowGiven
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text
from tests.test_consent import publish
from tests.test_consent_carried_over import held_page, statements_on_consents
from tests.test_consent_carried_over import sign_in as child_sign_in
from tests.test_consent_shared_phone import remember_adult
from tests.workspace_helpers import EN

DAY = date(2026, 11, 27)
TICKED, CARRIED_OVER = HowGiven.TICKED.value, HowGiven.CARRIED_OVER.value
GRANDMOTHER = {"name": "韦秀英", "relation": "grandmother"}

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def home(make):
    site = make.site()
    make.child(site, "王小明")
    make.child(site, "王小红")
    return {
        "site": site,
        "daily": make.daily(site, DAY),
        "lecture": make.activity(site, day=DAY, title="家庭教育讲座"),
    }


@pytest.fixture
def client(app, client):
    """The grandmother's phone, which remembers her from her last sign-in."""
    remember_adult(app, client, GRANDMOTHER["name"])
    return client


def guardian_url(activity: dict) -> str:
    return f"/a/{activity['token']}/guardian"


def guardian_form(phone, activity: dict) -> dict:
    return form_fields(phone.get(guardian_url(activity)).data)


def guardian_sign_in(phone, activity: dict, child_name: str, *, name: str = GRANDMOTHER["name"], tick: bool = False):
    fields = {**guardian_form(phone, activity), **GRANDMOTHER, "name": name, "child_name": child_name}
    return phone.post(guardian_url(activity), data={**fields, **(CONSENT if tick else {})}, headers=EN)


def consents(app) -> list[tuple[str | None, str, int, str]]:
    """(the child covered, how it was given, version, "child" or "guardian" sign-in) of every consent."""
    with app.app_context():
        rows = db.session.execute(
            select(Child.name, Consent.how_given, ConsentText.version, Consent.attendance_id, Consent.adult_signin_id)
            .outerjoin(Child, Child.id == Consent.child_id)
            .join(ConsentText, ConsentText.id == Consent.text_id)
            .order_by(Consent.id)
        ).all()
        return [
            (name, how.value, version, "child" if attendance_id else "guardian" if signin_id else "?")
            for name, how, version, attendance_id, signin_id in rows
        ]


def guardian_signin_of(app, name: str) -> int:
    with app.app_context():
        return db.session.execute(select(AdultSignIn.id).where(AdultSignIn.name == name)).scalar_one()


def test_a_guardian_naming_a_roster_child_from_a_phone_that_accepted_carries_the_consent_over(app, client, home):
    assert child_sign_in(client, home["daily"], "王小明", tick=True).status_code == 302
    assert b'name="consent"' not in client.get(guardian_url(home["lecture"])).data  # not asked again
    assert guardian_sign_in(client, home["lecture"], "王小红").status_code == 302
    assert consents(app) == [("王小明", TICKED, 1, "child"), ("王小红", CARRIED_OVER, 1, "guardian")]
    with app.app_context():
        carried = db.session.execute(select(Consent).where(Consent.how_given == HowGiven.CARRIED_OVER)).scalar_one()
        assert carried.adult_signin_id == guardian_signin_of(app, GRANDMOTHER["name"])
        assert carried.attendance_id is None and carried.activity_id == home["lecture"]["id"]


def test_the_childs_page_shows_the_carried_over_consent_of_the_guardians_sign_in(app, client, make, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    guardian_sign_in(client, home["lecture"], "王小红")
    page = held_page(app, make, "王小红")
    assert "Consents recorded with these sign-ins: 1" in page
    assert "Carried over from an earlier acceptance on the same phone" in page


def test_a_consent_ticked_on_the_guardian_form_carries_over_to_the_next_child_it_names(app, client, make, home):
    other_lecture = make.activity(home["site"], day=DAY, title="周末家长课堂")
    assert guardian_sign_in(client, home["lecture"], "王小明", tick=True).status_code == 302
    assert guardian_sign_in(client, other_lecture, "王小红").status_code == 302
    assert consents(app) == [("王小明", TICKED, 1, "guardian"), ("王小红", CARRIED_OVER, 1, "guardian")]


def test_a_child_who_has_a_consent_for_this_version_gets_no_second_row(app, client, make, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    mother = app.test_client()
    child_sign_in(mother, home["daily"], "王小红", tick=True)  # on her own phone
    assert guardian_sign_in(client, home["lecture"], "王小红").status_code == 302
    other_lecture = make.activity(home["site"], day=DAY, title="周末家长课堂")
    assert guardian_sign_in(client, other_lecture, "王小明").status_code == 302
    assert consents(app) == [("王小明", TICKED, 1, "child"), ("王小红", TICKED, 1, "child")]


def test_a_name_not_on_the_roster_or_no_name_carries_nothing_over_and_looks_nothing_up(app, client, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    with statements_on_consents(app) as unknown:
        assert guardian_sign_in(client, home["lecture"], "李思琪").status_code == 302  # nobody on the roster
    with statements_on_consents(app) as unnamed:
        assert guardian_sign_in(client, home["lecture"], "", name="韦丽娟").status_code == 302
    assert unknown == unnamed == []
    assert consents(app) == [("王小明", TICKED, 1, "child")]


def test_a_guardian_already_signed_in_without_a_child_carries_nothing_over_for_a_child_named_later(app, client, home):
    """The second form finds her first sign-in and stores nothing new: no child's name is held, so no
    consent covers one (the ticked path records the child of the stored sign-in too)."""
    assert guardian_sign_in(app.test_client(), home["lecture"], "").status_code == 302  # a borrowed phone
    child_sign_in(client, home["daily"], "王小明", tick=True)
    with statements_on_consents(app) as looked_up:
        again = guardian_sign_in(client, home["lecture"], "王小红")
    assert "Already signed in" in page_text(client.get(again.headers["Location"], headers=EN).data)
    assert looked_up == []
    assert consents(app) == [("王小明", TICKED, 1, "child")]


def test_the_sign_in_looks_consents_up_once_and_only_when_the_phone_accepted_before(app, client, make, home):
    first_time = app.test_client()
    with statements_on_consents(app) as never_accepted:  # no name: not asked, nothing to record
        guardian_sign_in(first_time, home["lecture"], "", name="韦丽娟")
    assert never_accepted == []
    child_sign_in(client, home["daily"], "王小明", tick=True)
    with statements_on_consents(app) as carried:
        guardian_sign_in(client, home["lecture"], "王小红")
    assert carried == ["SELECT", "INSERT"]
    other_lecture = make.activity(home["site"], day=DAY, title="周末家长课堂")
    with statements_on_consents(app) as known:
        guardian_sign_in(client, other_lecture, "王小红")
    assert known == ["SELECT"]


def test_a_resend_of_the_same_guardian_form_records_nothing(app, client, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    fields = {**guardian_form(client, home["lecture"]), **GRANDMOTHER, "child_name": "王小红"}
    first = client.post(guardian_url(home["lecture"]), data=fields)
    with statements_on_consents(app) as resent:
        again = client.post(guardian_url(home["lecture"]), data=fields)  # the connection dropped: sent once more
    assert first.headers["Location"] == again.headers["Location"]
    assert resent == []
    assert consents(app) == [("王小明", TICKED, 1, "child"), ("王小红", CARRIED_OVER, 1, "guardian")]


def test_a_cookie_of_an_older_version_asks_again_on_the_guardian_form_and_carries_nothing_over(app, client, make, home):
    child_sign_in(client, home["daily"], "王小明", tick=True)
    _admin, published = publish(app, make, "新的同意书文字。", "New consent text.")
    assert published.status_code == 302
    page = client.get(guardian_url(home["lecture"]))
    assert b'name="consent"' in page.data and form_fields(page.data)["consent_version"] == "2"
    refused = guardian_sign_in(client, home["lecture"], "王小红")
    assert refused.status_code == 200 and "I have read and agree" in page_text(refused.data)
    assert consents(app) == [("王小明", TICKED, 1, "child")]
    assert guardian_sign_in(client, home["lecture"], "王小红", tick=True).status_code == 302
    assert consents(app) == [("王小明", TICKED, 1, "child"), ("王小红", TICKED, 2, "guardian")]


def test_two_phones_carrying_one_named_child_over_at_once_leave_one_row(app, ctx, client, home, monkeypatch):
    from formsvc.activities.models import Activity
    from formsvc.privacy import consent as consent_service

    child_sign_in(client, home["daily"], "王小明", tick=True)
    guardian_sign_in(client, home["lecture"], "王小红")
    signin_id = guardian_signin_of(app, GRANDMOTHER["name"])
    looked, calls = consent_service._has_consent, []

    def first_finds_nothing(*key):  # the other phone looked before this one's row was committed
        calls.append(key)
        return len(calls) > 1 and looked(*key)

    monkeypatch.setattr(consent_service, "_has_consent", first_finds_nothing)
    signin = db.session.get(AdultSignIn, signin_id)
    late = consent_service.carry_over_consent(
        shown=consent_service.shown_consent(),
        activity=db.session.get(Activity, home["lecture"]["id"]),
        child_id=signin.child_id,
        adult_signin_id=signin.id,
    )
    assert late is None and len(calls) == 2
    db.session.commit()
    assert consents(app) == [("王小明", TICKED, 1, "child"), ("王小红", CARRIED_OVER, 1, "guardian")]
