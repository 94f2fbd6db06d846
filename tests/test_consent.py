"""Guardian consent (PIPL Art. 31) on the first child sign-in from a phone, and the rules page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.privacy.acceptance import COOKIE
from formsvc.privacy.consent import DEFAULT_BODY_EN, DEFAULT_BODY_ZH
from formsvc.privacy.models import Consent, ConsentText
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, login, page_text
from tests.security.test_admin_scoping import database_fingerprint

DAY = date(2026, 11, 27)
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def child_url(make):
    site = make.site()
    return f"/a/{make.daily(site, DAY)['token']}/child"


def rows(app, model):
    with app.app_context():
        return list(db.session.execute(select(model)).scalars())


def test_a_new_phone_sees_the_consent_box_with_period_contact_and_rules(app, client, child_url):
    app.config["PRIVACY_CONTACT"], saved = "区妇联 0771-1234567", app.config["PRIVACY_CONTACT"]
    try:
        page = client.get(child_url, headers=ZH)
    finally:
        app.config["PRIVACY_CONTACT"] = saved
    html = page.get_data(as_text=True)
    assert DEFAULT_BODY_ZH in html
    assert "3年" in page_text(html) and "区妇联 0771-1234567" in html
    assert 'href="/privacy/children"' in html
    assert 'name="consent"' in html and 'type="checkbox"' in html
    assert 'formaction="' + child_url + '/refuse"' in html
    # The main button comes first, so "Go" on the keyboard signs in rather than refuses.
    assert html.index('class="submit"') < html.index('class="refuse"')
    assert form_fields(html)["consent_version"] == "1"


def test_without_the_tick_nothing_is_kept_and_everything_typed_comes_back(app, client, child_url):
    fields = form_fields(client.get(child_url).data)
    before = database_fingerprint(app)
    response = client.post(child_url, data={**fields, "child_name": "覃海燕", "signed_by": "grandmother"}, headers=EN)
    assert response.status_code == 200
    assert "I have read and agree" in page_text(response.data)
    again = form_fields(response.data)
    assert (again["child_name"], again["signed_by"], again["nonce"]) == ("覃海燕", "grandmother", fields["nonce"])
    assert database_fingerprint(app) == before


def test_accepting_records_the_version_with_the_sign_in_and_the_phone_remembers(app, client, child_url):
    fields = form_fields(client.get(child_url).data)
    response = client.post(child_url, data={**fields, **CONSENT, "child_name": "王小明"})
    assert response.status_code == 302
    (consent,) = rows(app, Consent)
    (attendance,) = rows(app, Attendance)
    with app.app_context():
        consent = db.session.get(Consent, consent.id)
        assert consent.text.version == 1 and consent.text.body_zh == DEFAULT_BODY_ZH
        assert (consent.activity_id, consent.attendance_id) == (attendance.activity_id, attendance.id)
        assert consent.accepted_at is not None
    assert client.get_cookie(COOKIE) is not None
    second = client.get(child_url)
    assert b'name="consent"' not in second.data
    fields = form_fields(second.data)
    assert client.post(child_url, data={**fields, "child_name": "王小红"}).status_code == 302
    assert len(rows(app, Attendance)) == 2  # not asked again: the second child's row is carried over
    assert sorted(consent.how_given for consent in rows(app, Consent)) == ["carried_over", "ticked"]


def test_a_double_tap_records_one_consent(app, client, child_url):
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "王小明"}
    other_tab = app.test_client()
    other_tab.set_cookie("session", client.get_cookie("session").value)
    assert client.post(child_url, data=fields).status_code == 302
    assert other_tab.post(child_url, data=fields).status_code == 302  # the same form, no cookie yet
    assert len(rows(app, Consent)) == 1


def test_refusing_keeps_nothing_and_the_phone_forgets(app, client, child_url):
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "农浩然"}
    client.post(child_url, data=fields)  # an earlier sign-in: the phone remembers the name
    client.set_cookie(COOKIE, "", expires=0)  # ... and a new text version asks again
    before = database_fingerprint(app)
    fields = {**form_fields(client.get(child_url).data), "child_name": "农浩然"}
    response = client.post(child_url + "/refuse", data=fields, headers=ZH)
    assert response.status_code == 302 and response.headers["Location"].endswith("/child/refused")
    assert client.get_cookie("fs_me") is None
    page = client.get(response.headers["Location"], headers=ZH)
    assert "点名" in page_text(page.data)
    assert database_fingerprint(app) == before
    assert "农浩然" not in page_text(client.get(child_url).data)


def test_not_me_forgets_the_consent_so_the_next_guardian_reads_and_accepts_it(app, client, child_url):
    fields = form_fields(client.get(child_url).data)
    assert client.post(child_url, data={**fields, **CONSENT, "child_name": "王小明"}).status_code == 302
    assert b'name="consent"' not in client.get(child_url).data  # the same grandmother: no box

    client.get("/forget?next=" + child_url)  # "not me": another grandparent takes the phone
    assert client.get_cookie(COOKIE) is None
    page = client.get(child_url, headers=EN)
    assert b'name="consent"' in page.data
    fields = {**form_fields(page.data), "child_name": "李小红"}
    refused = client.post(child_url, data=fields, headers=EN)  # no tick: nothing is kept
    assert "I have read and agree" in page_text(refused.data) and len(rows(app, Attendance)) == 1
    assert client.post(child_url, data={**fields, **CONSENT}).status_code == 302
    assert len(rows(app, Attendance)) == 2 and len(rows(app, Consent)) == 2


def test_a_refusal_with_an_expired_page_writes_nothing_and_goes_back_to_the_form(app, client, child_url):
    before = database_fingerprint(app)
    response = client.post(child_url + "/refuse", data={"child_name": "x"})
    assert response.status_code == 302 and response.headers["Location"].endswith(child_url)
    assert database_fingerprint(app) == before


def test_an_expired_csrf_token_keeps_the_tick(app, client, child_url):
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "蒙佳怡", "csrf_token": "old"}
    response = client.post(child_url, data=fields, headers=EN)
    again = form_fields(response.data)
    assert again["consent"] == "y" and again["child_name"] == "蒙佳怡"
    assert client.post(child_url, data=again).status_code == 302


def publish(app, make, body_zh, body_en=""):
    admin = {"username": "boss", "password": "secret-pass-1"}
    with app.app_context():
        from formsvc.accounts.models import User

        if db.session.execute(select(User).where(User.username == "boss")).scalar_one_or_none() is None:
            admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    fields = form_fields(client.get("/admin/privacy/consent").data)
    return client, client.post("/admin/privacy/consent", data={**fields, "body_zh": body_zh, "body_en": body_en})


def test_the_admin_edits_make_versions_and_phones_are_asked_again(app, make, client, child_url):
    fields = form_fields(client.get(child_url).data)
    client.post(child_url, data={**fields, **CONSENT, "child_name": "王小明"})
    admin, response = publish(app, make, "新的同意书文字。\n第二段。", "New consent text.")
    assert response.status_code == 302
    texts = sorted((text.version, text.body_zh) for text in rows(app, ConsentText))
    assert texts[-1] == (2, "新的同意书文字。\n第二段。")
    with app.app_context():
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consent.publish")).scalar_one()
        assert audit.target == "version:2" and audit.user_id is not None
    page = client.get(child_url, headers=ZH)
    assert b'name="consent"' in page.data  # accepted version 1: asked again
    assert "新的同意书文字。" in page_text(page.data) and "第二段。" in page_text(page.data)
    assert "New consent text." in page_text(client.get(child_url, headers=EN).data)
    history = admin.get("/admin/privacy/consent", headers=EN)
    assert "New consent text." in page_text(history.data) and DEFAULT_BODY_EN[:30] in page_text(history.data)


def test_saving_the_same_text_again_makes_no_new_version(app, make, client, child_url):
    fields = form_fields(client.get(child_url).data)
    client.post(child_url, data={**fields, **CONSENT, "child_name": "王小明"})
    _admin, first = publish(app, make, "新的同意书文字。", "New consent text.")
    assert first.status_code == 302
    admin, _again = publish(app, make, "新的同意书文字。", "New consent text.")
    fields = form_fields(admin.get("/admin/privacy/consent").data)
    typed = {"body_zh": "新的同意书文字。\n", "body_en": " New consent text."}  # only whitespace differs
    again = admin.post("/admin/privacy/consent", data={**fields, **typed}, headers=EN)
    assert again.status_code == 200
    assert "The text is the same as version 2, so no new version was saved." in page_text(again.data)
    assert "新的同意书文字。" in again.get_data(as_text=True)  # what was typed is still in the box
    assert sorted(text.version for text in rows(app, ConsentText)) == [1, 2]


def test_a_new_chinese_text_beside_the_old_english_one_is_refused(app, make, client, child_url):
    """QA: a version saved with only the Chinese text changed was recorded as accepted by
    phones set to English, which still showed the previous English words."""
    _admin, first = publish(app, make, "第一版同意书。", "First consent text.")
    assert first.status_code == 302
    admin = app.test_client()
    login(admin, {"username": "boss", "password": "secret-pass-1"})
    fields = form_fields(admin.get("/admin/privacy/consent").data)
    typed = {"body_zh": "第二版同意书，多了一条。", "body_en": "First consent text."}
    refused = admin.post("/admin/privacy/consent", data={**fields, **typed}, headers=EN)
    assert refused.status_code == 200
    shown = page_text(refused.data)
    assert "Please update the English text too, or empty it so that English phones show the Chinese text." in shown
    assert "第二版同意书，多了一条。" in shown and "First consent text." in shown  # nothing typed is lost
    assert sorted(text.version for text in rows(app, ConsentText)) == [1]

    emptied = admin.post("/admin/privacy/consent", data={**fields, **typed, "body_en": ""})
    assert emptied.status_code == 302
    page = client.get(child_url, headers=EN)
    assert "第二版同意书，多了一条。" in page_text(page.data)  # what an English phone accepts is the version's text
    client.post(child_url, data={**form_fields(page.data), **CONSENT, "child_name": "王小明"}, headers=EN)
    with app.app_context():
        accepted = db.session.execute(select(ConsentText).join(Consent, Consent.text_id == ConsentText.id)).scalar_one()
        assert (accepted.version, accepted.body("en")) == (2, "第二版同意书，多了一条。")


def test_an_english_only_change_or_both_changed_make_a_new_version(app, make):
    _admin, first = publish(app, make, "第一版同意书。", "First consent text.")
    _admin, english_only = publish(app, make, "第一版同意书。", "First consent text, clearer.")
    _admin, both = publish(app, make, "第三版同意书。", "Third consent text.")
    assert (first.status_code, english_only.status_code, both.status_code) == (302, 302, 302)
    assert sorted(text.version for text in rows(app, ConsentText)) == [1, 2, 3]


def test_chinese_is_required_and_english_optional(app, make, client, child_url):
    versions = len(rows(app, ConsentText))
    _admin, refused = publish(app, make, "   ", "Only English")
    assert refused.status_code == 200 and len(rows(app, ConsentText)) == versions
    _admin, saved = publish(app, make, "只有中文。")
    assert saved.status_code == 302
    assert "只有中文。" in page_text(client.get(child_url, headers=EN).data)  # no English: Chinese


def test_only_the_district_admin_edits_the_text(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    client = app.test_client()
    login(client, manager)
    assert client.get("/admin/privacy/consent").status_code == 403


def test_an_empty_table_still_asks_with_the_built_in_text_and_saves_it(app, client, child_url):
    with app.app_context():
        db.session.query(ConsentText).delete()
        db.session.commit()
    assert DEFAULT_BODY_ZH in client.get(child_url, headers=ZH).get_data(as_text=True)
    fields = form_fields(client.get(child_url).data)
    assert client.post(child_url, data={**fields, **CONSENT, "child_name": "王小明"}).status_code == 302
    (text,) = rows(app, ConsentText)
    assert (text.version, text.body_zh, text.body_en) == (1, DEFAULT_BODY_ZH, DEFAULT_BODY_EN)


def test_the_volunteer_form_asks_no_consent(client, make):
    lecture = make.activity(make.site(), day=DAY, guardians=True, volunteers=True)
    assert b'name="consent"' not in client.get(f"/a/{lecture['token']}/volunteer").data


@pytest.fixture
def guardian_url(make):
    return f"/a/{make.activity(make.site(), day=DAY, guardians=True)['token']}/guardian"


GUARDIAN = {"name": "韦秀英", "relation": "grandmother"}


def test_a_guardian_who_names_no_child_signs_in_without_consent(app, client, guardian_url):
    page = client.get(guardian_url).get_data(as_text=True)
    assert 'name="consent"' in page and "/refuse" not in page  # shown, for the child's name
    response = client.post(guardian_url, data={**form_fields(page), **GUARDIAN})
    assert response.status_code == 302
    assert len(rows(app, AdultSignIn)) == 1 and rows(app, Consent) == []
    assert client.get_cookie(COOKIE) is None


def test_a_guardian_who_names_a_child_must_agree_first_and_loses_nothing(app, client, guardian_url):
    fields = {**form_fields(client.get(guardian_url).data), **GUARDIAN, "child_name": "王小明"}
    before = database_fingerprint(app)
    response = client.post(guardian_url, data=fields, headers=EN)
    assert response.status_code == 200
    assert "leave the child's name empty" in page_text(response.data)
    again = form_fields(response.data)
    assert (again["name"], again["child_name"], again["relation"]) == ("韦秀英", "王小明", "grandmother")
    assert database_fingerprint(app) == before

    assert client.post(guardian_url, data={**again, **CONSENT}).status_code == 302
    (consent,) = rows(app, Consent)
    (signin,) = rows(app, AdultSignIn)
    assert (consent.adult_signin_id, consent.attendance_id, signin.child_name) == (signin.id, None, "王小明")
    assert client.get_cookie(COOKIE) is not None
    assert b'name="consent"' not in client.get(guardian_url).data


@pytest.mark.parametrize(
    "headers, words",
    [
        (ZH, ["儿童个人信息保护规则", "负责人", "记录保存3年", "出生年份", "残疾"]),
        (EN, ["rules", "3 years", "year of birth", "with a disability", "guardian's name, relation and mobile"]),
    ],
)
def test_the_rules_page_names_the_responsible_person(app, client, headers, words):
    app.config["PRIVACY_OFFICER"], saved = "张主任", app.config["PRIVACY_OFFICER"]
    try:
        page = client.get("/privacy/children", headers=headers)
    finally:
        app.config["PRIVACY_OFFICER"] = saved
    text = page_text(page.data)
    assert page.status_code == 200 and "张主任" in text
    assert '<p class="site-name">' in page.get_data(as_text=True)  # the header bar names the organisation
    for word in words:
        assert word in text, word


def test_every_public_page_links_the_rules(app, client, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, children=True, guardians=True, volunteers=True)
    from tests.survey_helpers import make_template, spec, use_at_site

    survey = use_at_site(app, make_template(app, [spec("rating", "满意吗")]), site["id"])
    fields = form_fields(client.get(f"/a/{lecture['token']}/child").data)
    receipt = client.post(f"/a/{lecture['token']}/child", data={**fields, **CONSENT, "child_name": "王小明"})
    paths = [
        f"/s/{site['token']}",
        f"/a/{lecture['token']}/child",
        f"/a/{lecture['token']}/guardian",
        f"/a/{lecture['token']}/volunteer",
        f"/q/{survey}",
        receipt.headers["Location"],
        f"/a/{lecture['token']}/child/refused",
    ]
    for path in paths:
        assert b'href="/privacy/children"' in client.get(path).data, path


def test_the_migration_seeds_version_1(tmp_path):
    """A fresh install asks with version 1: the migration inserts it (the app's copy is the same)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from formsvc import create_app

    fresh = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.db'}"}
    )
    with fresh.app_context():
        upgrade(revision="0800")
        seeded = db.session.execute(text("SELECT version, body_zh, body_en FROM consent_texts")).all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in seeded] == [(1, DEFAULT_BODY_ZH, DEFAULT_BODY_EN)]


def test_the_rules_page_heading_names_the_federation_as_a_name(client):
    page = client.get("/privacy/children", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<p class="site-name">District Women&#39;s Federation</p>' in page
    assert "Responsible for the personal information in this service: the district Women" in page
