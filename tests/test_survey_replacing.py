"""Asking a survey after a lecture that already asks another one.

QA: ticking a lecture on /admin/surveys/<id>/use silently stopped the survey already asked there,
with no audit entry, and a home's manager could so replace a survey the district had put up.
Now the page says which activities ask another survey, replacing one needs a tick (what was
ticked stays), the stop is audited, and only a district admin replaces the district's survey.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.surveys.models import SurveyLink
from tests.conftest import form_fields, login, page_text
from tests.survey_helpers import make_template, spec

EN = {"Accept-Language": "en"}


@pytest.fixture
def lecture_site(make):
    site = make.site(name="甲村儿童之家")
    lecture = make.activity(site, day=date.today(), opens="00:00", closes="23:59", title="防溺水讲座")
    return {"site": site, "lecture": lecture}


def running(app) -> list[tuple[int, int]]:
    with app.app_context():
        links = db.session.execute(
            select(SurveyLink.template_id, SurveyLink.activity_id).where(SurveyLink.stopped_at.is_(None))
        ).all()
        return [tuple(link) for link in links]


def ask_after(client, template_id, activity_id, **extra):
    page = client.get(f"/admin/surveys/{template_id}/use", headers=EN)
    data = {"a-csrf_token": form_fields(page.data)["a-csrf_token"], "a-activities": str(activity_id), "a-window": "15"}
    return client.post(f"/admin/surveys/{template_id}/use/activities", data={**data, **extra}, headers=EN)


def stops(app) -> list[tuple[int | None, dict]]:
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry.site_id, AuditEntry.details).where(AuditEntry.action == "survey.stop")
        ).all()
        return [tuple(entry) for entry in entries]


def test_replacing_another_survey_takes_a_tick_and_is_audited(app, client, make, lecture_site):
    site, lecture = lecture_site["site"], lecture_site["lecture"]
    first = make_template(app, [spec("rating", "内容")], site_id=site["id"], title="讲座反馈")
    second = make_template(app, [spec("rating", "内容")], site_id=site["id"], title="家长满意度")
    login(client, make.user(sites=[site]))
    assert ask_after(client, first, lecture["id"]).status_code == 302

    page = page_text(client.get(f"/admin/surveys/{second}/use", headers=EN).data)
    assert "防溺水讲座 — asks “讲座反馈” now" in page
    assert "Replace the survey already asked" in page

    refused = ask_after(client, second, lecture["id"], **{"a-window": "start"})
    assert refused.status_code == 200
    text = page_text(refused.data)
    assert f"Another survey is asked now after: 防溺水讲座 ({date.today().isoformat()})" in text
    html = refused.data.decode()
    ticked = re.search(rf'<input[^>]*value="{lecture["id"]}"[^>]*>', html).group()
    assert "checked" in ticked  # what was ticked is still ticked
    assert re.search(r'<option[^>]*selected[^>]*value="start"|<option[^>]*value="start"[^>]*selected', html)
    assert running(app) == [(first, lecture["id"])] and stops(app) == []

    replaced = ask_after(client, second, lecture["id"], **{"a-replace": "y"})
    assert replaced.status_code == 302
    assert running(app) == [(second, lecture["id"])]
    with app.app_context():
        old = db.session.execute(select(SurveyLink).where(SurveyLink.template_id == first)).scalar_one()
        assert old.stopped_at is not None
        old_id = old.id
    [(site_id, details)] = stops(app)
    assert site_id == site["id"] and details["link"] == old_id


def test_a_manager_may_not_replace_the_survey_the_district_put_up(app, client, make, lecture_site):
    site, lecture = lecture_site["site"], lecture_site["lecture"]
    district = make_template(app, [spec("rating", "内容")], title="全区家长满意度")
    homes = make_template(app, [spec("rating", "内容")], site_id=site["id"], title="讲座反馈")
    admin = app.test_client()
    login(admin, make.user("boss", role="admin"))
    assert ask_after(admin, district, lecture["id"]).status_code == 302

    login(client, make.user(sites=[site]))
    page = page_text(client.get(f"/admin/surveys/{homes}/use", headers=EN).data)
    assert "asks the district's “全区家长满意度” now; only a district admin can replace it" in page
    refused = ask_after(client, homes, lecture["id"], **{"a-replace": "y"})
    assert refused.status_code == 200
    assert "The district asks “全区家长满意度” after 防溺水讲座" in page_text(refused.data)
    assert running(app) == [(district, lecture["id"])] and stops(app) == []

    with app.app_context():
        district_link = db.session.execute(select(SurveyLink.id).where(SurveyLink.template_id == district)).scalar()
    csrf = form_fields(client.get(f"/admin/surveys/{district}/use", headers=EN).data)
    token = next(value for name, value in csrf.items() if name.endswith("csrf_token"))
    stopped = client.post(f"/admin/surveys/links/{district_link}/stop", data={"csrf_token": token}, headers=EN)
    assert stopped.status_code == 302  # stopping it first, then asking hers, is no way round
    assert "only a district admin can stop it" in page_text(client.get(stopped.location, headers=EN).data)
    assert running(app) == [(district, lecture["id"])] and stops(app) == []

    assert ask_after(admin, homes, lecture["id"], **{"a-replace": "y"}).status_code == 302  # the district may
    assert running(app) == [(homes, lecture["id"])] and len(stops(app)) == 1


def test_the_service_refuses_to_replace_unasked(app, make, lecture_site):
    from formsvc.activities.models import Activity
    from formsvc.surveys.models import SurveyTemplate
    from formsvc.surveys.services import SurveyError, attach_to_activity

    site, lecture = lecture_site["site"], lecture_site["lecture"]
    first = make_template(app, [spec("rating", "内容")], site_id=site["id"])
    second = make_template(app, [spec("rating", "内容")], site_id=site["id"])
    with app.app_context():
        activity = db.session.get(Activity, lecture["id"])
        attach_to_activity(db.session.get(SurveyTemplate, first), activity, opens_before_close=None)
        with pytest.raises(SurveyError) as refused:
            attach_to_activity(db.session.get(SurveyTemplate, second), activity, opens_before_close=None)
        assert refused.value.code == "other_survey"
        db.session.rollback()
