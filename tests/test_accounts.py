"""Workspace accounts: forced password change, sessions ending, admins managing managers."""

from __future__ import annotations

import re

from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from tests.conftest import form_fields, login, page_text


def post_form(client, url, **values):
    fields = form_fields(client.get(url).data)
    fields.update(values)
    return client.post(url, data=fields, headers={"Accept-Language": "en"})


def test_password_change_ends_other_sessions_and_keeps_this_one(app, make):
    user = make.user("amy")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    response = post_form(
        laptop, "/admin/password", current=user["password"], new="a-new-pass-9", confirm="a-new-pass-9"
    )
    assert response.status_code == 302
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302  # back to the login page


def test_password_change_checks_the_current_password_and_keeps_input(app, make):
    user = make.user("amy")
    client = app.test_client()
    login(client, user)
    response = post_form(client, "/admin/password", current="wrong", new="a-new-pass-9", confirm="a-new-pass-9")
    assert response.status_code == 200
    assert "The current password is not right." in page_text(response.data)


def test_admin_creates_a_manager_who_must_change_the_generated_password(app, make):
    site = make.site()
    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    response = post_form(
        client, "/admin/users/new", username="wang", display_name="王专干", role="manager", sites=str(site["id"])
    )
    assert response.status_code == 302
    flashed = page_text(client.get("/admin/users/", headers={"Accept-Language": "en"}).data)
    password = re.search(r"Temporary password: (\S+)", flashed).group(1)

    manager = app.test_client()
    login(manager, {"username": "wang", "password": password})
    forced = manager.get(f"/admin/sites/{site['id']}")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/admin/password")
    post_form(manager, "/admin/password", current=password, new="my-own-pass-1", confirm="my-own-pass-1")
    assert manager.get(f"/admin/sites/{site['id']}").status_code == 200
    with app.app_context():
        entries = db.session.execute(select(AuditEntry.action)).scalars().all()
        assert "user.create" in entries and "user.password_change" in entries


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(app, make):
    user = make.user("amy")
    admin = make.user("boss", role="admin")
    amy = app.test_client()
    login(amy, user)
    boss = app.test_client()
    login(boss, admin)
    fields = form_fields(boss.get("/admin/users/").data)
    boss.post(f"/admin/users/{user['id']}/disable", data={"csrf_token": fields["csrf_token"]})
    assert amy.get("/admin/").status_code == 302
    response = post_form(app.test_client(), "/admin/login", username="amy", password=user["password"])
    assert "The username or password is not right." in page_text(response.data)


def test_admin_reset_gives_a_new_temporary_password(app, make):
    user = make.user("amy")
    admin = make.user("boss", role="admin")
    boss = app.test_client()
    login(boss, admin)
    fields = form_fields(boss.get("/admin/users/").data)
    boss.post(
        f"/admin/users/{user['id']}/reset-password",
        data={"csrf_token": fields["csrf_token"]},
        headers={"Accept-Language": "en"},
    )
    text = page_text(boss.get("/admin/users/", headers={"Accept-Language": "en"}).data)
    password = re.search(r"New temporary password for amy: (\S+)", text).group(1)
    with app.app_context():
        amy = db.session.execute(select(User).where(User.username == "amy")).scalar_one()
        assert amy.check_password(password) and amy.must_change_password


def test_managers_cannot_manage_accounts(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    client = app.test_client()
    login(client, manager)
    assert client.get("/admin/users/").status_code == 403
    assert client.get("/admin/audit/").status_code == 403


def test_the_workspace_says_log_in_not_sign_in(app, make):
    """签到 is a child's or a guardian's attendance; a staff member logs in (登录) to the workspace."""
    client = app.test_client()
    login_page = page_text(client.get("/admin/login", headers={"Accept-Language": "zh-CN"}).data)
    assert "登录" in login_page and "签到" not in login_page
    login(client, make.user("boss", role="admin"))
    users_page = page_text(client.get("/admin/users/", headers={"Accept-Language": "zh-CN"}).data)
    assert "最近登录" in users_page and "签到" not in users_page
