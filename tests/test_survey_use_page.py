"""The survey's "where it is asked" page (/admin/surveys/<id>/use): putting a survey to use and stopping it.

QA: "Ask at these Children's Homes" with nothing ticked said "问卷已在 0 处启用。" as a success,
and "停止使用" stopped a link at one tap, with no question before and no word after.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from formsvc.extensions import db
from formsvc.surveys.models import SurveyLink
from tests.conftest import form_fields, login, page_text
from tests.survey_helpers import make_template, spec, use_at_site

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def home(make):
    site = make.site(name="甲村儿童之家")
    lecture = make.activity(site, day=date.today(), opens="00:00", closes="23:59", title="防溺水讲座")
    return {"site": site, "lecture": lecture}


def links(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(SurveyLink.id))).scalar_one()


def test_asking_at_no_home_is_refused_on_the_form(app, client, make, home):
    template_id = make_template(app, [spec("rating", "内容")])
    login(client, make.user(sites=[home["site"]]))
    page = client.get(f"/admin/surveys/{template_id}/use", headers=ZH)
    token = form_fields(page.data)["s-csrf_token"]
    response = client.post(f"/admin/surveys/{template_id}/use/sites", data={"s-csrf_token": token}, headers=ZH)
    assert response.status_code == 200  # the page again, not a redirect to a success message
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="s-sites-error">请至少选择一个儿童之家。</p>', html)
    assert "处启用" not in page_text(html)
    assert 'name="s-sites"' in html and "甲村儿童之家" in page_text(html)  # the form to tick one
    assert links(app) == 0


def test_asking_after_no_activity_is_refused_and_keeps_the_choices_made(app, client, make, home):
    template_id = make_template(app, [spec("rating", "内容")])
    login(client, make.user(sites=[home["site"]]))
    page = client.get(f"/admin/surveys/{template_id}/use", headers=ZH)
    token = form_fields(page.data)["a-csrf_token"]
    response = client.post(
        f"/admin/surveys/{template_id}/use/activities", data={"a-csrf_token": token, "a-window": "60"}, headers=ZH
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="a-activities-error">请至少选择一个活动。</p>', html)
    assert re.search(r'<option selected value="60">|<option value="60" selected>', html)  # kept as chosen
    assert links(app) == 0


def test_an_expired_page_says_so_and_keeps_the_ticks(app, client, make, home):
    template_id = make_template(app, [spec("rating", "内容")])
    login(client, make.user(sites=[home["site"]]))
    site_id = home["site"]["id"]
    response = client.post(
        f"/admin/surveys/{template_id}/use/sites", data={"s-csrf_token": "stale", "s-sites": str(site_id)}, headers=ZH
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "页面打开时间有点长，请再按一次按钮。" in page_text(html)
    assert re.search(rf'<input checked id="s-sites-0" name="s-sites" type="checkbox" value="{site_id}">', html)
    assert links(app) == 0


def test_stopping_a_link_asks_first_and_says_it_is_stopped(app, client, make, home):
    template_id = make_template(app, [spec("rating", "内容")], title="家长满意度")
    login(client, make.user(sites=[home["site"]]))
    page = client.get(f"/admin/surveys/{template_id}/use", headers=ZH)
    data = {"s-csrf_token": form_fields(page.data)["s-csrf_token"], "s-sites": str(home["site"]["id"])}
    assert client.post(f"/admin/surveys/{template_id}/use/sites", data=data).status_code == 302
    html = client.get(f"/admin/surveys/{template_id}/use", headers=ZH).get_data(as_text=True)
    assert "问卷已在 1 处启用。" in page_text(html)
    # The first tap opens a question (<details>, no JavaScript needed); the button that stops is inside it.
    confirm = re.search(
        r'<details class="confirm">\s*<summary class="button">([^<]*)</summary>(.*?)</details>', html, re.S
    )
    assert confirm is not None, html
    assert confirm.group(1) == "停止使用"
    assert "/stop" in confirm.group(2) and 'type="submit"' in confirm.group(2)
    assert "甲村儿童之家" in page_text(confirm.group(2))  # the question names what stops
    with app.app_context():
        link_id = db.session.execute(select(SurveyLink.id)).scalar_one()
    stopped = client.post(
        f"/admin/surveys/links/{link_id}/stop", data={"csrf_token": form_fields(html)["csrf_token"]}, headers=ZH
    )
    assert stopped.status_code == 302
    after = page_text(client.get(stopped.headers["Location"], headers=ZH).data)
    assert "甲村儿童之家不再使用问卷“家长满意度”。" in after
    with app.app_context():
        assert db.session.get(SurveyLink, link_id).stopped_at is not None


def test_a_manager_is_not_offered_to_stop_what_the_district_asks_at_her_home(app, client, make, home):
    template_id = make_template(app, [spec("rating", "内容")], title="家长满意度")
    use_at_site(app, template_id, home["site"]["id"])
    login(client, make.user(sites=[home["site"]]))
    html = client.get(f"/admin/surveys/{template_id}/use", headers=ZH).get_data(as_text=True)
    assert "/stop" not in html and "只有区妇联管理员可以停止" in page_text(html)
