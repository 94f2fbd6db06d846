"""Helpers shared by the survey tests: templates built through the services, links, answering."""

from __future__ import annotations

from formsvc.extensions import db
from formsvc.surveys.models import QuestionKind, SurveyTemplate
from formsvc.surveys.services import QuestionSpec, add_question, attach_to_activity, attach_to_site, create_template
from tests.conftest import form_fields

RATING = QuestionKind.RATING


def spec(kind, title, *, required=False, options=(), options_en=(), when=("", ""), title_en=""):
    return QuestionSpec(
        kind=QuestionKind(kind),
        title_zh=title,
        title_en=title_en,
        required=required,
        options_zh=tuple(options),
        options_en=tuple(options_en),
        condition_key=when[0],
        condition_value=when[1],
    )


def make_template(app, specs, *, site_id=None, title="家长满意度", title_en="") -> int:
    from formsvc.sites.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id) if site_id else None
        template = create_template(site=site, title_zh=title, title_en=title_en, intro_zh="请花一分钟。")
        for item in specs:
            add_question(template, item)
        db.session.commit()
        return template.id


def use_at_site(app, template_id, site_id) -> str:
    from formsvc.sites.models import Site

    with app.app_context():
        link = attach_to_site(db.session.get(SurveyTemplate, template_id), db.session.get(Site, site_id))
        db.session.commit()
        return link.public_token


def use_at_activity(app, template_id, activity_id, opens_before_close=None) -> str:
    from formsvc.activities.models import Activity

    with app.app_context():
        link = attach_to_activity(
            db.session.get(SurveyTemplate, template_id),
            db.session.get(Activity, activity_id),
            opens_before_close=opens_before_close,
        )
        db.session.commit()
        return link.public_token


def open_survey(client, token, **headers):
    page = client.get(f"/q/{token}", headers=headers)
    assert page.status_code == 200, page.status_code
    return page, form_fields(page.data)


def answer(client, token, answers: dict, **headers):
    """Open the survey like a phone and send ``answers`` (question key → value or list)."""
    _page, fields = open_survey(client, token, **headers)
    return client.post(f"/q/{token}", data={**fields, **answers}, headers=headers)
