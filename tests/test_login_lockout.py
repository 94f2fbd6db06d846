"""The login lock-out as people meet it: a success or an admin's reset, enabling or unlock
gives the account a fresh start, the admin sees who is locked, and a disabled account is told so."""

from __future__ import annotations

import re

from sqlalchemy import select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text

EN = {"Accept-Language": "en"}
LOCKED = "Too many wrong passwords for this account. Please wait 15 minutes and try again."
NETWORK_LOCKED = "Too many wrong passwords from this network."
NOT_RIGHT = "The username or password is not right."
DISABLED = "This account is disabled. Please ask the district office to enable it again."

frozen = clock_stopped_at(local(2026, 3, 2, 9, 17))


def try_login(app, username: str, password: str, address: str = "203.0.113.9"):
    """One try from a fresh browser: the page it lands on (a 302 means signed in)."""
    client = app.test_client()
    fields = form_fields(client.get("/admin/login").data)
    fields.update(username=username, password=password)
    return client.post("/admin/login", data=fields, headers=EN, environ_base={"REMOTE_ADDR": address})


def fail(app, username: str, times: int, address: str = "203.0.113.9") -> None:
    for attempt in range(times):
        response = try_login(app, username, f"wrong-guess-{attempt}", address)
        assert NOT_RIGHT in page_text(response.data)


def signed_in(response) -> bool:
    return response.status_code == 302 and "/admin/login" not in response.headers["Location"]


def admin_client(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin", password="boss-pass-2026"))
    return client


def accounts_page(client) -> str:
    return page_text(client.get("/admin/users/", headers=EN).data)


def press(client, url: str):
    """A button on the accounts page (after its confirming question)."""
    token = form_fields(client.get("/admin/users/").data)["csrf_token"]
    return client.post(url, data={"csrf_token": token}, headers=EN)


def audited(app, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditEntry.target).where(AuditEntry.action == action)).scalars())


# --- a successful login ends the run of failures ------------------------------------------


def test_a_successful_login_forgets_the_failures_before_it(app, make):
    manager = make.user("viewer1")
    fail(app, "viewer1", 4)
    assert signed_in(try_login(app, "viewer1", manager["password"]))
    fail(app, "viewer1", 1)  # one slip later in the quarter hour
    assert signed_in(try_login(app, "viewer1", manager["password"]))


def test_failures_after_a_success_still_lock(app, make):
    manager = make.user("viewer1")
    fail(app, "viewer1", 4)
    assert signed_in(try_login(app, "viewer1", manager["password"]))
    fail(app, "viewer1", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    assert LOCKED in page_text(try_login(app, "viewer1", manager["password"]).data)


def test_a_success_does_not_clear_the_count_for_the_address(app, make):
    app.config["LOGIN_FAILURES_PER_IP"], limit = 7, app.config["LOGIN_FAILURES_PER_IP"]
    try:
        manager = make.user("viewer1")
        fail(app, "someone", 3)
        fail(app, "viewer1", 3)
        assert signed_in(try_login(app, "viewer1", manager["password"]))
        fail(app, "someone-else", 1)
        assert NETWORK_LOCKED in page_text(try_login(app, "anyone", "a-guess").data)
    finally:
        app.config["LOGIN_FAILURES_PER_IP"] = limit


# --- the admin sees a lock and lifts it -----------------------------------------------------


def test_an_admin_reset_lets_the_locked_manager_in_with_the_new_password(app, make):
    manager = make.user("manager2")
    fail(app, "manager2", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    assert LOCKED in page_text(try_login(app, "manager2", manager["password"]).data)

    boss = admin_client(app, make)
    press(boss, f"/admin/users/{manager['id']}/reset-password")
    password = re.search(r"New temporary password for manager2: (\S+)", accounts_page(boss)).group(1)
    assert signed_in(try_login(app, "manager2", password))


def test_the_accounts_list_says_until_when_an_account_is_locked(app, make, frozen):
    make.user("manager2")
    make.user("amy")
    boss = admin_client(app, make)
    assert "locked" not in accounts_page(boss) and "Unlock" not in accounts_page(boss)
    fail(app, "manager2", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    page = accounts_page(boss)
    assert re.search(r"manager2 manager2 locked until 09:32", page)
    assert page.count("locked until") == 1 and page.count("Unlock") == 1
    frozen.shift(15 * 60 - 1)
    assert "locked until 09:32" in accounts_page(boss)
    frozen.shift(1)
    assert "locked" not in accounts_page(boss)
    assert signed_in(try_login(app, "manager2", "secret-pass-1"))


def test_an_admin_unlocks_an_account_and_it_is_audited(app, make):
    manager = make.user("manager2")
    fail(app, "manager2", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    boss = admin_client(app, make)
    press(boss, f"/admin/users/{manager['id']}/unlock")
    page = accounts_page(boss)
    assert "manager2 can log in again now." in page and "locked until" not in page
    assert audited(app, "user.unlock") == ["manager2"]
    assert signed_in(try_login(app, "manager2", manager["password"]))


def test_unlocking_needs_the_form_token(app, make):
    manager = make.user("manager2")
    fail(app, "manager2", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    boss = admin_client(app, make)
    boss.post(f"/admin/users/{manager['id']}/unlock", data={"csrf_token": "forged"})
    assert "locked until" in accounts_page(boss) and audited(app, "user.unlock") == []


def test_a_reset_or_unlock_keeps_the_count_for_the_address(app, make):
    app.config["LOGIN_FAILURES_PER_IP"], limit = 7, app.config["LOGIN_FAILURES_PER_IP"]
    try:
        manager = make.user("manager2")
        fail(app, "manager2", 5)
        boss = admin_client(app, make)
        press(boss, f"/admin/users/{manager['id']}/unlock")
        press(boss, f"/admin/users/{manager['id']}/reset-password")
        fail(app, "manager2", 2)
        assert NETWORK_LOCKED in page_text(try_login(app, "someone", "a-guess").data)
    finally:
        app.config["LOGIN_FAILURES_PER_IP"] = limit


# --- a disabled account -----------------------------------------------------------------------


def test_a_disabled_account_with_the_right_password_is_told_to_ask_the_district(app, make):
    manager = make.user("mgr3")
    boss = admin_client(app, make)
    press(boss, f"/admin/users/{manager['id']}/disable")
    for _attempt in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"] + 1):  # not counted as guesses
        response = try_login(app, "mgr3", manager["password"])
        assert response.status_code == 200 and DISABLED in page_text(response.data)


def test_a_disabled_account_with_a_wrong_password_reads_like_any_other(app, make):
    manager = make.user("mgr3")
    boss = admin_client(app, make)
    press(boss, f"/admin/users/{manager['id']}/disable")
    wrong = page_text(try_login(app, "mgr3", "not-the-password").data)
    assert wrong == page_text(try_login(app, "nobody-here", "not-the-password").data)
    assert NOT_RIGHT in wrong and "disabled" not in wrong


def test_enabling_an_account_gives_it_a_fresh_start(app, make):
    manager = make.user("mgr3")
    boss = admin_client(app, make)
    press(boss, f"/admin/users/{manager['id']}/disable")
    fail(app, "mgr3", app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    press(boss, f"/admin/users/{manager['id']}/enable")
    assert signed_in(try_login(app, "mgr3", manager["password"]))
