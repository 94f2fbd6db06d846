"""Every child signed in from a phone has a consent of its own (PIPL Art. 31).

A phone asks for the guardian's consent once. The acceptance was recorded only with the
sign-in on which it was ticked, so a second child signed in from the same phone had no
consent the district could show. Such a child now gets a row carried over from the phone's
earlier acceptance, once per child and consent version; the pages that list consents say
how each was given.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, text

from formsvc.attendance.models import Attendance, Child
from formsvc.extensions import db
from formsvc.privacy.models import Consent, ConsentText, HowGiven
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text
from tests.test_consent import publish
from tests.workspace_helpers import EN, qr_sign_in, signed_in_client

DAY = date(2026, 11, 27)
TICKED, CARRIED_OVER = HowGiven.TICKED.value, HowGiven.CARRIED_OVER.value

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def home(make):
    site = make.site()
    return {"site": site, "daily": make.daily(site, DAY)}


def url(activity: dict) -> str:
    return f"/a/{activity['token']}/child"


def sign_in(phone, activity: dict, name: str, *, tick: bool = False, headers=None):
    """The child form as the phone shows it, sent with ``name`` (and the tick, when asked to)."""
    fields = {**form_fields(phone.get(url(activity)).data), "child_name": name, **(CONSENT if tick else {})}
    return phone.post(url(activity), data=fields, headers=headers)


def consents(app) -> list[tuple[str, str, int, int | None]]:
    """(child's name, how it was given, version, attendance id) of every consent, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Child.name, Consent.how_given, ConsentText.version, Consent.attendance_id)
            .join(Child, Child.id == Consent.child_id)
            .join(ConsentText, ConsentText.id == Consent.text_id)
            .order_by(Consent.id)
        ).all()
        return [(name, how.value, version, attendance_id) for name, how, version, attendance_id in rows]


def attendance_of(app, name: str, activity: dict) -> int:
    with app.app_context():
        return db.session.execute(
            select(Attendance.id)
            .join(Child, Child.id == Attendance.child_id)
            .where(Child.name == name, Attendance.activity_id == activity["id"])
        ).scalar_one()


def test_the_first_child_ticked_gets_one_row_marked_ticked(app, client, home):
    assert sign_in(client, home["daily"], "王小明", tick=True).status_code == 302
    assert consents(app) == [("王小明", TICKED, 1, attendance_of(app, "王小明", home["daily"]))]


def test_a_second_child_from_the_same_phone_gets_its_own_row_carried_over(app, client, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    assert b'name="consent"' not in client.get(url(home["daily"])).data  # the phone is not asked again
    assert sign_in(client, home["daily"], "王小红").status_code == 302
    assert consents(app) == [
        ("王小明", TICKED, 1, attendance_of(app, "王小明", home["daily"])),
        ("王小红", CARRIED_OVER, 1, attendance_of(app, "王小红", home["daily"])),
    ]


def test_the_same_child_at_another_activity_or_on_another_day_gets_no_new_row_as_it_has_one_for_this_version(
    app, client, make, home, frozen
):
    sign_in(client, home["daily"], "王小明", tick=True)
    sign_in(client, home["daily"], "王小红")
    lecture = make.activity(home["site"], day=DAY, title="周末读书会", children=True)
    assert sign_in(client, lecture, "王小明").status_code == 302
    assert sign_in(client, lecture, "王小红").status_code == 302
    frozen.shift(timedelta(days=1))
    tomorrow = make.daily(home["site"], DAY + timedelta(days=1))
    assert sign_in(client, tomorrow, "王小红").status_code == 302
    assert [(name, how) for name, how, _version, _visit in consents(app)] == [
        ("王小明", TICKED),
        ("王小红", CARRIED_OVER),
    ]


def test_a_resend_of_the_same_form_records_nothing(app, client, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    fields = {**form_fields(client.get(url(home["daily"])).data), "child_name": "王小红"}
    first = client.post(url(home["daily"]), data=fields)
    again = client.post(url(home["daily"]), data=fields)  # the connection dropped: the same form once more
    assert first.headers["Location"] == again.headers["Location"]
    assert [how for _name, how, _version, _visit in consents(app)] == [TICKED, CARRIED_OVER]


def test_a_child_whose_consent_another_phone_gave_gets_no_carried_over_row(app, client, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    other_phone = app.test_client()
    sign_in(other_phone, home["daily"], "王小红", tick=True)  # the child's mother, on her own phone
    assert sign_in(client, home["daily"], "王小红").status_code == 302  # "already signed in"
    assert [(name, how) for name, how, _version, _visit in consents(app)] == [("王小明", TICKED), ("王小红", TICKED)]


def test_a_cookie_of_an_older_version_is_asked_again_and_carries_nothing_over(app, client, make, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    _admin, published = publish(app, make, "新的同意书文字。", "New consent text.")
    assert published.status_code == 302
    page = client.get(url(home["daily"]))
    assert b'name="consent"' in page.data and form_fields(page.data)["consent_version"] == "2"
    refused = sign_in(client, home["daily"], "王小红", headers=EN)
    assert refused.status_code == 200 and "I have read and agree" in page_text(refused.data)
    assert len(consents(app)) == 1

    assert sign_in(client, home["daily"], "王小红", tick=True).status_code == 302
    # 王小明 had consent for version 1 only: signed in again, he gets version 2 carried over.
    assert sign_in(client, home["daily"], "王小明").status_code == 302
    assert [(name, how, version) for name, how, version, _visit in consents(app)] == [
        ("王小明", TICKED, 1),
        ("王小红", TICKED, 2),
        ("王小明", CARRIED_OVER, 2),
    ]


def test_two_phones_carrying_one_child_over_at_once_leave_one_row(app, ctx, client, home, monkeypatch):
    from formsvc.activities.models import Activity
    from formsvc.privacy import consent as consent_service

    sign_in(client, home["daily"], "王小明", tick=True)
    sign_in(client, home["daily"], "王小红")
    shown = consent_service.shown_consent()
    # The other phone looked before this one's row was committed: it found nothing and inserts.
    looked, calls = consent_service._has_consent, []

    def first_finds_nothing(*key):
        calls.append(key)
        return len(calls) > 1 and looked(*key)

    monkeypatch.setattr(consent_service, "_has_consent", first_finds_nothing)
    visit = db.session.get(Attendance, attendance_of(app, "王小红", home["daily"]))
    late = consent_service.carry_over_consent(
        shown=shown,
        activity=db.session.get(Activity, home["daily"]["id"]),
        child_id=visit.child_id,
        attendance_id=visit.id,
    )
    assert late is None and len(calls) == 2  # the unique index refused it; the sign-in's transaction goes on
    db.session.commit()
    assert [how for _name, how, _version, _visit in consents(app)] == [TICKED, CARRIED_OVER]


@contextmanager
def statements_on_consents(app):
    """The SQL statements that touch the consents table while the block runs."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        if re.search(r"\bconsents\b", statement):
            seen.append(statement.split()[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_sign_in_looks_consents_up_once_and_only_when_the_phone_accepted_before(app, client, make, home):
    with statements_on_consents(app) as asked:
        sign_in(client, home["daily"], "王小明", tick=True)
    assert asked == ["INSERT"]  # ticked on the form: recorded, nothing looked up
    with statements_on_consents(app) as carried:
        sign_in(client, home["daily"], "王小红")
    assert carried == ["SELECT", "INSERT"]
    lecture = make.activity(home["site"], day=DAY, title="周末读书会", children=True)
    with statements_on_consents(app) as known:
        sign_in(client, lecture, "王小红")
    assert known == ["SELECT"]


def test_the_lookup_uses_the_index_on_child_and_version(app):
    lookup = "SELECT id FROM consents WHERE child_id = 1 AND text_id = 1 LIMIT 1"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + lookup)))
        else:  # an empty table is read by a scan: ask whether the index can answer at all
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + lookup)))
        db.session.rollback()
    assert "ix_consents_child_text" in plan, plan


def held_page(app, make, child_name: str) -> str:
    with app.app_context():
        child_id = db.session.execute(select(Child.id).where(Child.name == child_name)).scalar_one()
    admin = signed_in_client(app, make.user("boss", role="admin"))
    return page_text(admin.get(f"/admin/privacy/children/{child_id}", headers=EN).data)


def test_the_what_we_hold_page_says_how_the_consent_was_given(app, client, make, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    sign_in(client, home["daily"], "王小红")
    second = held_page(app, make, "王小红")
    assert "Consents recorded with these sign-ins: 1" in second and "How it was given" in second
    assert "Carried over from an earlier acceptance on the same phone" in second
    assert "Ticked on the form of this sign-in" not in second


def test_the_consent_text_page_counts_ticked_and_carried_over_apart(app, client, make, home):
    sign_in(client, home["daily"], "王小明", tick=True)
    sign_in(client, home["daily"], "王小红")
    sign_in(client, home["daily"], "王小华")
    admin = signed_in_client(app, make.user("boss", role="admin"))
    page = admin.get("/admin/privacy/consent", headers=EN).get_data(as_text=True)
    assert "Consents ticked" in page and "Consents carried over" in page
    assert '<td class="num">1</td><td class="num">2</td>' in page


def test_a_merge_takes_the_consents_to_the_child_it_goes_into(app, client, make, home):
    from formsvc.accounts.models import User
    from formsvc.attendance.review import merge_child

    wang = make.child(home["site"], "王小明")
    lecture = make.activity(home["site"], day=DAY, title="周末读书会", children=True)
    sign_in(client, home["daily"], "王晓明", tick=True)  # a typo: a new child to review
    manager = make.user("amy", sites=[home["site"]])
    with app.app_context():
        typo = db.session.execute(select(Child).where(Child.name == "王晓明")).scalar_one()
        merge_child(typo, db.session.get(Child, wang), user=db.session.get(User, manager["id"]))
        db.session.commit()
    assert consents(app) == [("王小明", TICKED, 1, attendance_of(app, "王小明", home["daily"]))]
    assert sign_in(client, lecture, "王小明").status_code == 302  # the roster child has the typo's consent
    assert len(consents(app)) == 1
    assert "Consents recorded with these sign-ins: 1" in held_page(app, make, "王小明")


def test_a_consent_whose_sign_in_a_merge_voided_as_a_duplicate_still_shows_on_the_childs_page(app, client, make, home):
    from formsvc.accounts.models import User
    from formsvc.attendance.review import merge_child

    wang = make.child(home["site"], "王小明")
    qr_sign_in(app, home["daily"]["id"], "王小明")  # signed in before consent was asked
    sign_in(client, home["daily"], "王晓明", tick=True)  # the same child today, misspelt
    manager = make.user("amy", sites=[home["site"]])
    with app.app_context():
        typo = db.session.execute(select(Child).where(Child.name == "王晓明")).scalar_one()
        assert merge_child(typo, db.session.get(Child, wang), user=db.session.get(User, manager["id"])).voided == 1
        db.session.commit()
    page = held_page(app, make, "王小明")
    assert "Sign-ins: 1" in page and "Consents recorded with these sign-ins: 1" in page
    assert "Ticked on the form of this sign-in" in page


def test_a_merge_leaves_a_second_carried_over_row_of_a_version_where_it_was(app, ctx, client, make, home):
    from formsvc.accounts.models import User
    from formsvc.attendance.review import merge_child

    wang = make.child(home["site"], "王小明")
    sign_in(client, home["daily"], "王小红", tick=True)
    sign_in(client, home["daily"], "王小明")
    sign_in(client, home["daily"], "王晓明")  # the same child, misspelt: carried over too
    manager = make.user("amy", sites=[home["site"]])
    typo = db.session.execute(select(Child).where(Child.name == "王晓明")).scalar_one()
    merge_child(typo, db.session.get(Child, wang), user=db.session.get(User, manager["id"]))
    db.session.commit()
    assert [(name, how) for name, how, _version, _visit in consents(app)] == [
        ("王小红", TICKED),
        ("王小明", CARRIED_OVER),
        ("王晓明", CARRIED_OVER),
    ]


def test_the_migration_marks_earlier_consents_ticked_names_their_child_and_its_downgrade_drops_carried_over_rows(
    app, client, make, home
):
    from flask_migrate import downgrade, upgrade

    wang = make.child(home["site"], "王小明")
    lecture = make.activity(home["site"], day=DAY, children=True, guardians=True)
    sign_in(client, home["daily"], "王小红", tick=True)
    sign_in(client, home["daily"], "王小华")  # carried over
    grandmother = app.test_client()
    guardian_url = f"/a/{lecture['token']}/guardian"
    fields = {**form_fields(grandmother.get(guardian_url).data), **CONSENT}
    named = {"name": "韦秀英", "relation": "grandmother", "child_name": "王小明"}
    assert grandmother.post(guardian_url, data={**fields, **named}).status_code == 302
    with app.app_context():
        guardian_consent = db.session.execute(select(Consent).where(Consent.adult_signin_id.is_not(None))).scalar_one()
        assert guardian_consent.child_id == wang  # a guardian's consent covers the roster child it names
        db.session.rollback()  # on PostgreSQL an open read would hold the lock the downgrade waits for
        downgrade(revision="1400")
        upgrade()
    assert [(name, how) for name, how, _version, _visit in consents(app)] == [("王小红", TICKED), ("王小明", TICKED)]
