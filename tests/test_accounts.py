"""Workspace accounts: forced password change, sessions ending, admins managing managers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from formsvc.accounts.models import Role, User
from formsvc.accounts.services import check_new_password, create_user, generate_password
from formsvc.audit.models import AuditEntry
from formsvc.errors import DomainError
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
    assert "This account is disabled. Please ask the district office to enable it again." in page_text(response.data)
    assert app.test_client().get("/admin/").status_code == 302


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


# --- signing out ends the session --------------------------------------------------------


def test_a_copied_session_cookie_no_longer_works_after_signing_out(app, make):
    user = make.user("amy")
    client = app.test_client()
    login(client, user)
    assert client.get("/admin/").status_code == 200
    copied = client.get_cookie("session").value
    fields = form_fields(client.get("/admin/").data)
    assert client.post("/admin/logout", data={"csrf_token": fields["csrf_token"]}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replayed = thief.get("/admin/")
    assert replayed.status_code == 302 and "/admin/login" in replayed.headers["Location"]
    login(client, user)  # signing in again works as before
    assert client.get("/admin/").status_code == 200


def test_logging_out_from_a_page_left_open_too_long_still_logs_this_browser_out(app, make):
    """A page open for a day on the township PC carries an expired token; 退出 must still work there."""
    client = app.test_client()
    login(client, make.user("amy"))
    response = client.post("/admin/logout", data={"csrf_token": "expired-or-unreadable"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    after = client.get("/admin/")
    assert after.status_code == 302 and "/admin/login" in after.headers["Location"]


# --- passwords that are too easy to guess --------------------------------------------------

TOO_EASY = "This password is too easy to guess. Please mix letters and digits, or use a longer phrase."


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password1",
        "12345678",
        "87654321",
        "1234567890",
        "123456789012",
        "aaaaaaaa",
        "88888888",
        "13812345678",
        "QWERTY123",
        "woaini1314",
        "iloveyou",
        "admin123",
        "1qaz2wsx",
        "abc12345",
        "１２３４５６７８",  # full-width digits, as a Chinese keyboard in full-width mode types them
        "８８８８８８８８",
        "ＰＡＳＳＷＯＲＤ",
        "qwertyui",  # slid along a keyboard row, either way, or the alphabet
        "lkjhgfdsa",
        "abcdefghij",
        "abababab",  # a short chunk again and again
        "woaiwoai",
        "12341234",
    ],
)
def test_easy_passwords_are_refused(ctx, password):
    with pytest.raises(DomainError) as error:
        check_new_password(password, username="amy")
    assert error.value.code == "password_too_easy"


@pytest.mark.parametrize(
    "password", ["a-new-pass-9", "my-own-pass-1", "secret-pass-1", "402913857126", "晚上八点去河边散步"]
)
def test_reasonable_passwords_pass(ctx, password):
    check_new_password(password, username="amy")


def test_generated_passwords_pass_the_rule(ctx):
    for _attempt in range(300):
        check_new_password(generate_password(), username="amy")


def test_a_full_width_password_is_kept_as_typed(app, make):
    """The check folds full-width characters; the login form sends them as typed, so they are stored so."""
    user = make.user("amy")
    client = app.test_client()
    login(client, user)
    response = post_form(
        client, "/admin/password", current=user["password"], new="１２３４５６７８", confirm="１２３４５６７８"
    )
    assert response.status_code == 200 and TOO_EASY in page_text(response.data)
    chosen = "ｍｙ－ｏｗｎ－ｐａｓｓ－１"
    assert post_form(client, "/admin/password", current=user["password"], new=chosen, confirm=chosen).status_code == 302
    with app.app_context():
        amy = db.session.execute(select(User).where(User.username == "amy")).scalar_one()
        assert amy.check_password(chosen) and not amy.check_password("my-own-pass-1")


def test_a_full_width_username_is_still_the_username(ctx):
    with pytest.raises(DomainError) as error:
        check_new_password("ｗａｎｇｘｉａｏｍｉｎｇ", username="wangxiaoming")
    assert error.value.code == "password_is_username"


@pytest.mark.parametrize("password", ["wangli2024", "2024wangli", "WangLi888"])
def test_the_username_with_digits_around_it_is_still_the_username(ctx, password):
    with pytest.raises(DomainError) as error:
        check_new_password(password, username="wangli")
    assert error.value.code == "password_is_username"


@pytest.mark.parametrize("password", ["qwerty-garden-7", "wangli-likes-tea", "abcd-7391-efgh"])
def test_a_password_only_containing_a_run_or_the_username_passes(ctx, password):
    check_new_password(password, username="wangli")


def test_the_existing_password_checks_still_apply(ctx):
    with pytest.raises(DomainError) as short:
        check_new_password("abc", username="amy")
    with pytest.raises(DomainError) as same:
        check_new_password("WangXiaoming", username="wangxiaoming")
    assert (short.value.code, same.value.code) == ("password_too_short", "password_is_username")


def test_an_easy_new_password_is_refused_on_the_password_page(app, make):
    user = make.user("amy")
    client = app.test_client()
    login(client, user)
    response = post_form(client, "/admin/password", current=user["password"], new="password", confirm="password")
    assert response.status_code == 200 and TOO_EASY in page_text(response.data)
    with app.app_context():
        amy = db.session.execute(select(User).where(User.username == "amy")).scalar_one()
        assert amy.check_password(user["password"])


def test_an_easy_password_is_refused_when_an_account_is_created(ctx):
    with pytest.raises(DomainError) as error:
        create_user(username="wang", password="12345678", role=Role.ADMIN)
    assert error.value.code == "password_too_easy"


# --- every account has a scope -----------------------------------------------------------

NO_HOMES = "Choose at least one Children's Home for a site manager."
NO_TOWNSHIP = "Choose the township this viewer may see."


def signed_in_admin(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


def test_a_site_manager_without_a_home_is_refused_and_the_form_keeps_the_input(app, make):
    make.site()
    client = signed_in_admin(app, make)
    response = post_form(client, "/admin/users/new", username="wang", display_name="王专干", role="manager")
    html = response.data.decode()
    assert response.status_code == 200 and NO_HOMES in page_text(html)
    assert 'value="wang"' in html and 'value="王专干"' in html
    assert re.search(r'<option selected value="manager">|<option value="manager" selected>', html)
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "wang")).scalar_one_or_none() is None


def test_a_township_viewer_without_a_township_is_refused(app, make):
    site = make.site()
    client = signed_in_admin(app, make)
    response = post_form(
        client, "/admin/users/new", username="tina", role="township_viewer", sites=str(site["id"]), township="0"
    )
    html = response.data.decode()
    assert response.status_code == 200 and NO_TOWNSHIP in page_text(html) and 'value="tina"' in html
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "tina")).scalar_one_or_none() is None
    made = post_form(
        client, "/admin/users/new", username="tina", role="township_viewer", township=str(site["township_id"])
    )
    assert made.status_code == 302
    with app.app_context():
        tina = db.session.execute(select(User).where(User.username == "tina")).scalar_one()
        assert tina.township_id == site["township_id"] and tina.sites == []


def test_editing_cannot_take_away_an_accounts_scope(app, make):
    site = make.site()
    manager = make.user("amy", sites=[site])
    client = signed_in_admin(app, make)
    url = f"/admin/users/{manager['id']}"
    fields = {**form_fields(client.get(url).data), "role": "manager"}  # selects are not read
    fields.pop("sites", None)
    response = client.post(url, data={**fields, "display_name": "艾米"}, headers={"Accept-Language": "en"})
    html = response.data.decode()
    assert response.status_code == 200 and NO_HOMES in page_text(html) and 'value="艾米"' in html
    as_viewer = client.post(
        url, data={**fields, "role": "township_viewer", "township": "0"}, headers={"Accept-Language": "en"}
    )
    assert as_viewer.status_code == 200 and NO_TOWNSHIP in page_text(as_viewer.data)
    with app.app_context():
        amy = db.session.get(User, manager["id"])
        assert amy.role == Role.MANAGER and [s.id for s in amy.sites] == [site["id"]] and amy.display_name == "amy"
    saved = client.post(url, data={**fields, "sites": str(site["id"]), "display_name": "艾米"})
    assert saved.status_code == 302


def test_the_accounts_list_writes_the_last_login_as_the_workspace_writes_a_moment(app, client, make):
    """A day and the 24-hour local time, the locale's way: not 2026-11-20 14:05 beside 2026年11月20日."""
    from datetime import UTC, datetime

    boss = make.user("boss", role="admin")
    login(client, boss)
    with app.app_context():
        db.session.execute(select(User).where(User.username == "boss")).scalar_one().last_login_at = datetime(
            2026, 11, 20, 6, 5, tzinfo=UTC
        )
        db.session.commit()
    english = page_text(client.get("/admin/users/", headers={"Accept-Language": "en"}).data)
    assert "Nov 20, 2026, 14:05" in english and "2026-11-20" not in english
    chinese = page_text(client.get("/admin/users/", headers={"Accept-Language": "zh-CN"}).data)
    assert "2026年11月20日 14:05" in chinese
