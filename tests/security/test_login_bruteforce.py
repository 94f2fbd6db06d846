"""Password guessing: throttled per account and per address, with the same words for every name."""

from __future__ import annotations

import pytest

from tests.conftest import form_fields, page_text
from tests.security.attack_world import EN, database_fingerprint

THROTTLED = "Too many wrong passwords"


def try_login(client, username: str, password: str, address: str = "203.0.113.9"):
    fields = form_fields(client.get("/admin/login").data)
    fields.update(username=username, password=password)
    return client.post("/admin/login", data=fields, headers=EN, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("username", ["boss", "nobody-here"])
def test_guessing_one_account_is_throttled_even_with_the_right_password_after(app, make, username):
    make.user("boss", role="admin", password="right-pass-1")
    client = app.test_client()
    before = database_fingerprint(app)
    answers = [
        try_login(client, username, f"guess-{attempt}") for attempt in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    ]
    assert all(response.status_code == 200 for response in answers)
    assert len({page_text(response.data) for response in answers[:2]}) == 1  # nothing tells the names apart
    locked = try_login(client, username, "right-pass-1")
    assert locked.status_code == 200 and "/admin/login" in locked.request.path
    assert THROTTLED in page_text(locked.data)
    assert client.get("/admin/").status_code == 302  # still signed out
    assert database_fingerprint(app) == before  # login attempts are not counted as a change


def test_guessing_many_accounts_from_one_address_is_throttled(app, make):
    app.config["LOGIN_FAILURES_PER_IP"], limit = 6, app.config["LOGIN_FAILURES_PER_IP"]
    try:
        client = app.test_client()
        for index in range(6):
            try_login(client, f"user{index}", "wrong-pass")
        response = try_login(client, "someone-else", "wrong-pass")
        assert "Too many wrong passwords from this network" in page_text(response.data)
        other = try_login(app.test_client(), "someone-else", "wrong-pass", address="198.51.100.7")
        assert THROTTLED not in page_text(other.data)
    finally:
        app.config["LOGIN_FAILURES_PER_IP"] = limit
