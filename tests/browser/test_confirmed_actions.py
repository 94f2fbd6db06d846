"""Actions that cannot be taken back ask first: the first tap opens a question, only the second acts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.extensions import db
from tests.browser_support import log_in

pytestmark = pytest.mark.browser


def test_resetting_a_password_and_disabling_an_account_ask_first(app, make, live_server, open_phone_with):
    make.user("amy", role="manager", sites=[make.site()])
    admin = make.user("boss", role="admin")
    page = open_phone_with(js=False).page  # <details> needs no JavaScript
    log_in(page, live_server, admin)

    def amy() -> User:
        with app.app_context():
            return db.session.execute(select(User).where(User.username == "amy")).scalar_one()

    page.goto(f"{live_server}/admin/users/")
    row = page.locator("tr", has_text="amy")
    before = amy().password_hash
    row.locator("summary", has_text="重置密码").click()  # the first tap only asks
    assert row.get_by_text("给 amy 一个新的临时密码？").is_visible()
    assert page.url.endswith("/admin/users/") and amy().password_hash == before
    row.get_by_role("button", name="是的，重置").click()
    page.wait_for_load_state()
    assert "amy" in page.locator(".flash, .notice, [role=status], [role=alert]").first.inner_text()
    assert amy().password_hash != before

    row = page.locator("tr", has_text="amy")
    row.locator("summary", has_text="停用").click()
    assert amy().enabled
    row.get_by_role("button", name="是的，停用").click()
    page.wait_for_load_state()
    assert not amy().enabled


def test_stopping_a_survey_link_asks_first_and_says_it_stopped(app, make, live_server, open_phone_with):
    """QA: 停止使用 stopped a survey link at one tap, and nothing said it had."""
    from formsvc.surveys.models import SurveyLink
    from tests.survey_helpers import make_template, spec, use_at_site

    site = make.site(name="甲村儿童之家")
    template_id = make_template(app, [spec("rating", "内容")], title="家长满意度")
    use_at_site(app, template_id, site["id"])
    page = open_phone_with(js=False).page
    log_in(page, live_server, make.user("boss", role="admin"))

    def stopped() -> bool:
        with app.app_context():
            return db.session.execute(select(SurveyLink.stopped_at)).scalar_one() is not None

    page.goto(f"{live_server}/admin/surveys/{template_id}/use")
    page.locator("summary", has_text="停止使用").click()  # the first tap only asks
    assert page.get_by_text("停止在甲村儿童之家使用问卷“家长满意度”？").is_visible()
    assert not stopped()
    page.get_by_role("button", name="确定停止使用").click()
    page.wait_for_load_state()
    assert stopped()
    assert "甲村儿童之家不再使用问卷“家长满意度”。" in page.locator(".flash, .notice, [role=status]").first.inner_text()
