"""While the database is down: a translated page for everyone, and a health check that says so.

QA (ops): with PostgreSQL unreachable, a logged-in manager got gunicorn's bare English
"Internal Server Error" (the error page asked the database for the user again, inside the
error handler); a connection killed mid-request made Flask-SQLAlchemy's teardown raise after
the response was made, with the same bare page, once on a receipt already saved; and /healthz
said "ok" the whole time, so a load balancer would keep the host.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from formsvc import create_app
from tests.conftest import page_text

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
SORRY = "系统出了点问题"


@pytest.fixture(scope="module")
def app_without_database():
    return create_app({"SQLALCHEMY_DATABASE_URI": UNREACHABLE, "SECRET_KEY": "test-secret", "TESTING": False})


@pytest.mark.parametrize(
    ("path", "logged_in"),
    [
        ("/admin/", True),
        ("/admin/sites/1", True),
        ("/s/abcdefghijklmnop", True),
        ("/s/abcdefghijklmnop", False),
        ("/a/abcdefghijkl/child", False),
    ],
)
def test_a_logged_in_manager_and_a_phone_get_the_apps_own_page(app_without_database, path, logged_in):
    client = app_without_database.test_client()
    if logged_in:
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = "1:0", True
    response = client.get(path)
    assert response.status_code == 500
    assert SORRY in page_text(response.data)


def test_the_health_check_says_the_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "database unreachable"}


def test_the_health_check_is_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_a_session_that_fails_to_end_still_lets_the_answer_through(app, client, monkeypatch, caplog):
    def dropped(self):
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(Session, "close", dropped)
    response = client.get("/healthz")
    monkeypatch.undo()
    assert response.status_code == 200
    assert "ending the database session failed" in caplog.text
