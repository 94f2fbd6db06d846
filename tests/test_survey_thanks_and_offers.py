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
