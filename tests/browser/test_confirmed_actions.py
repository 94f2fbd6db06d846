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
