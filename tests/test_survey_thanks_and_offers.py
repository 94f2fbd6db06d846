"""What a phone is told about a survey after (or without) answering it.

QA: /q/<token>/thanks said "your answers were sent" to any phone that opened it, even on a
stopped link and with nothing sent.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.extensions import db
from formsvc.surveys.models import SurveyLink
from formsvc.surveys.services import stop_link
from tests.conftest import page_text
from tests.survey_helpers import answer, make_template, spec, use_at_site

EN = {"Accept-Language": "en"}


@pytest.fixture
def survey(app, make):
    site = make.site()
    template_id = make_template(app, [spec("rating", "满意吗", required=True)], title_en="Parent survey")
    return {"site": site, "template_id": template_id, "token": use_at_site(app, template_id, site["id"])}


def test_the_thank_you_page_is_only_for_the_phone_that_answered(app, client, survey):
    token = survey["token"]
    untouched = app.test_client()
    assert untouched.get(f"/q/{token}/thanks").headers["Location"].endswith(f"/q/{token}")

    sent = answer(client, token, {"q1": "5"})
    assert sent.headers["Location"].endswith(f"/q/{token}/thanks")
    thanks = client.get(f"/q/{token}/thanks", headers=EN)
    assert thanks.status_code == 200 and "Your answers have been sent" in page_text(thanks.data)

    opened = app.test_client()
    opened.get(f"/q/{token}")  # has the survey cookie, but sent nothing
    assert opened.get(f"/q/{token}/thanks").headers["Location"].endswith(f"/q/{token}")


def test_on_a_stopped_link_an_unanswered_phone_is_told_the_survey_has_ended(app, client, survey):
    token = survey["token"]
    with app.app_context():
        stop_link(db.session.execute(select(SurveyLink).where(SurveyLink.public_token == token)).scalar_one())
        db.session.commit()
    page = client.get(f"/q/{token}/thanks", headers=EN, follow_redirects=True)
    text = page_text(page.data)
    assert "Your answers have been sent" not in text and "ended" in text


def test_an_answered_survey_shows_as_answered_on_the_receipt_and_the_poster_page(app, client, make):
    """QA: after answering, the receipt and the poster page still offered the same survey."""
    from formsvc.timeutil import local_today
    from tests.conftest import form_fields
    from tests.survey_helpers import use_at_activity

    site = make.site()
    with app.app_context():  # the home's day, not the machine's: they differ from 16:00 UTC
        today = local_today()
    lecture = make.activity(site, day=today, opens="00:00", closes="23:59")
    template_id = make_template(app, [spec("rating", "满意吗", required=True)], title="讲座满意度")
    token = use_at_activity(app, template_id, lecture["id"])
    url = f"/a/{lecture['token']}/guardian"
    signed = client.post(url, data={**form_fields(client.get(url).data), "name": "韦丽娟", "relation": "grandmother"})
    receipt_url = signed.headers["Location"]
    pages = {"receipt": receipt_url, "poster": f"/s/{site['token']}"}
    for name, page_url in pages.items():
        html = client.get(page_url, headers=EN).data.decode()
        assert f"/q/{token}" in html and "Answered, thank you" not in html, name

    assert answer(client, token, {"q1": "5"}).status_code == 302
    for name, page_url in pages.items():
        html = client.get(page_url, headers=EN).data.decode()
        assert f"/q/{token}" not in html, name
        assert "讲座满意度 Answered, thank you" in page_text(html), name
    other_phone = app.test_client()  # the poster page still offers it to everyone else
    assert f"/q/{token}" in other_phone.get(pages["poster"]).data.decode()
