"""A child signing themself in cannot give the guardian's consent (PIPL Art. 31: under 14, a guardian consents).

QA: on a fresh phone a 10-year-old chose 孩子本人 on the child form, ticked “我已阅读并同意” under
“请监护人阅读并同意”, and the sign-in was recorded with a guardian's consent. Now the form comes
back with everything typed but the tick, says at the consent box that a parent or guardian must
read and tick it (or the manager marks the child present), and nothing is written. A phone on
which a guardian agreed earlier still signs the child in, the consent carried over from hers.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from formsvc.attendance.models import Attendance
from formsvc.privacy.acceptance import COOKIE
from formsvc.privacy.models import Consent, HowGiven
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text
from tests.security.test_admin_scoping import database_fingerprint
from tests.test_consent import rows

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
CHILD_ALONE = "A child cannot agree to this alone."

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def child_url(make):
    return f"/a/{make.daily(make.site(), DAY)['token']}/child"


def consent_error(html: bytes) -> str:
    """The message at the top of the consent box, where a form sent back scrolls to."""
    found = re.search(r'<p class="error" id="consent-error">(.*?)</p>', html.decode(), re.S)
    return page_text(found.group(1)) if found else ""


def test_a_child_who_ticks_for_themself_is_asked_for_a_guardian_and_nothing_is_kept(app, client, child_url):
    fields = form_fields(client.get(child_url).data)
    before = database_fingerprint(app)
    sent = {**fields, **CONSENT, "child_name": "王小明", "signed_by": "self"}
    response = client.post(child_url, data=sent, headers=EN)

    assert response.status_code == 200
    assert consent_error(response.data) == (
        "A child cannot agree to this alone. Please ask a parent or guardian to read the text below, tick “I have "
        "read and agree” and choose above who is signing in; or ask the manager of the Children's Home to mark "
        "you present."
    )
    assert "Everything you typed is still here." in page_text(response.data)
    again = form_fields(response.data)
    assert (again["child_name"], again["signed_by"], again["nonce"]) == ("王小明", "self", fields["nonce"])
    assert "consent" not in again  # the child's tick is not the guardian's: she ticks it herself
    assert database_fingerprint(app) == before
    assert client.get_cookie(COOKIE) is None and client.get_cookie("fs_me") is None


def test_without_the_tick_the_child_reads_the_same_reason(client, child_url):
    fields = {**form_fields(client.get(child_url).data), "child_name": "王小明", "signed_by": "self"}
    response = client.post(child_url, data=fields, headers=EN)
    assert response.status_code == 200 and consent_error(response.data).startswith(CHILD_ALONE)


def test_the_chinese_page_marks_the_consent_box_and_keeps_the_choices(client, child_url):
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "王小明", "signed_by": "self"}
    page = client.post(child_url, data=fields, headers=ZH).get_data(as_text=True)
    assert '<section class="consent has-error"' in page and 'id="consent-error"' in page
    assert 'aria-describedby="consent-error" aria-invalid="true"' in page
    assert "请检查下面标出的地方，您填写的内容都还在。" in page_text(page)


def test_the_guardian_who_takes_the_phone_picks_her_relation_and_agrees(app, client, child_url):
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "王小明", "signed_by": "self"}
    again = form_fields(client.post(child_url, data=fields).data)
    response = client.post(child_url, data={**again, **CONSENT, "signed_by": "maternal_grandmother"})
    assert response.status_code == 302
    (attendance,) = rows(app, Attendance)
    (consent,) = rows(app, Consent)
    assert attendance.signed_by.value == "maternal_grandmother"
    assert (consent.attendance_id, consent.how_given) == (attendance.id, HowGiven.TICKED)
    assert client.get_cookie(COOKIE) is not None


def test_a_phone_a_guardian_agreed_on_still_signs_the_child_in_alone(app, client, child_url):
    fields = form_fields(client.get(child_url).data)
    guardian = {**fields, **CONSENT, "child_name": "王小明", "signed_by": "grandmother"}
    assert client.post(child_url, data=guardian).status_code == 302

    page = client.get(child_url)
    assert b'name="consent"' not in page.data  # not asked: the grandmother agreed on this phone
    alone = {**form_fields(page.data), "child_name": "王小红", "signed_by": "self"}
    assert client.post(child_url, data=alone).status_code == 302
    assert sorted(consent.how_given.value for consent in rows(app, Consent)) == ["carried_over", "ticked"]
    assert len(rows(app, Attendance)) == 2


def test_a_child_who_says_nothing_about_who_signs_is_taken_at_the_tick(app, client, child_url):
    """ "Who is signing in?" is optional: a form that leaves it empty is the guardian's, as before."""
    fields = {**form_fields(client.get(child_url).data), **CONSENT, "child_name": "王小明"}
    assert client.post(child_url, data=fields).status_code == 302
    assert len(rows(app, Consent)) == 1
