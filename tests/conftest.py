"""Fixtures: the app on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), factories, login.

The schema is built once per session by running the real migrations. Each test then starts
from empty tables: tests drive the app through real requests, a live server and several
threads, so their data has to be committed for real; emptying the tables afterwards is what
keeps tests independent.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from formsvc import create_app
from formsvc.extensions import db
from tests.quality_summary import pytest_terminal_summary  # noqa: F401  (a hook; see its module)

# The browser fixtures live in their own module; registering it here makes them visible to
# every test folder (tests/browser and tests/quality share one Chromium per session).
pytest_plugins = ["tests.browser_support"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def local(year, month, day, hour=0, minute=0) -> datetime:
    """A wall-clock time in Shanghai, as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def clock_stopped_at(moment: datetime, *, autouse: bool = True):
    """A fixture for a test module, named by the name it is given: the clock stands still at ``moment``.

    It yields time-machine's traveller, for tests that move the clock on (``frozen.shift(60)``).
    """

    @pytest.fixture(autouse=autouse)
    def stopped_clock():
        with time_machine.travel(moment, tick=False) as traveller:
            yield traveller

    return stopped_clock


def skip_or_fail(reason: str):
    """Outside CI a missing tool skips with a reason; in CI nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    parsed = make_url(url)
    if worker:
        parsed = parsed.set(database=f"{parsed.database}_{worker}")
    _recreate_postgres_database(parsed)
    return parsed.render_as_string(hide_password=False)


def _recreate_postgres_database(url) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as error:  # not reachable: skip outside CI, fail in CI
        skip_or_fail(f"PostgreSQL at {url.host}:{url.port} is not reachable: {error.__class__.__name__}")
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://formsvc.test",
            "TIMEZONE": "Asia/Shanghai",
            "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
            "DAILY_OPENS": "07:00",
            "DAILY_CLOSES": "21:00",
            # Rate limits stay on in tests, counted in memory and emptied after every test.
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        existing = set(inspect(db.engine).get_table_names())
        tables = [table.name for table in reversed(db.metadata.sorted_tables) if table.name in existing]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    _empty_all_tables(app)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Rate-limit counts start from zero in every test, as the tables do."""
    yield
    from formsvc.extensions import limiter

    limiter.reset()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------


class Factory:
    """Creates committed rows and hands back plain values (ids and tokens), not ORM objects."""

    def __init__(self, app):
        self.app = app

    def site(self, name="新华村儿童之家", township="城关镇", village="新华村", active=True) -> dict:
        from formsvc.sites.services import create_site

        with self.app.app_context():
            site = create_site(township_name=township, name=name, village=village)
            site.active = active
            db.session.commit()
            return {"id": site.id, "token": site.public_token, "name": site.name, "township_id": site.township_id}

    def activity(
        self,
        site: dict,
        *,
        day: date,
        opens="07:00",
        closes="21:00",
        kind="parent_training",
        title="家庭教育讲座",
        children=False,
        guardians=True,
        volunteers=False,
        rotating_code=False,
    ) -> dict:
        from formsvc.activities.models import ActivityKind
        from formsvc.activities.services import schedule_activity
        from formsvc.sites.models import Site

        with self.app.app_context():
            activity = schedule_activity(
                db.session.get(Site, site["id"]),
                kind=ActivityKind(kind),
                title=title,
                day=day,
                opens=opens,
                closes=closes,
                for_children=children,
                for_guardians=guardians,
                for_volunteers=volunteers,
                rotating_code=rotating_code,
            )
            db.session.commit()
            return {"id": activity.id, "token": activity.public_token}

    def daily(self, site: dict, day: date) -> dict:
        from formsvc.activities.services import ensure_daily_opening
        from formsvc.sites.models import Site

        with self.app.app_context():
            activity = ensure_daily_opening(db.session.get(Site, site["id"]), day)
            db.session.commit()
            return {"id": activity.id, "token": activity.public_token}

    def child(self, site: dict, name: str) -> int:
        from formsvc.attendance.models import Child
        from formsvc.text import name_key

        with self.app.app_context():
            child = Child(site_id=site["id"], name=name, name_key=name_key(name))
            db.session.add(child)
            db.session.commit()
            return child.id

    def user(self, username="manager", role="manager", sites=(), password="secret-pass-1") -> dict:
        from formsvc.accounts.models import Role
        from formsvc.accounts.services import create_user

        with self.app.app_context():
            user = create_user(
                username=username, password=password, role=Role(role), site_ids=[site["id"] for site in sites]
            )
            db.session.commit()
            return {"id": user.id, "username": username, "password": password}


@pytest.fixture
def make(app):
    return Factory(app)


# --- reading pages ---------------------------------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attributes:
                return
            self.fields[attributes["name"]] = attributes.get("value") or ""


def form_fields(html: str | bytes) -> dict[str, str]:
    """The values a browser would send for the page's form (text, hidden, checked radios)."""
    reader = _FormReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.fields


# The child form's guardian-consent checkbox (formsvc/privacy/consent.py), ticked as a guardian
# does on the first child sign-in from a phone; sent once the phone accepted, it changes nothing.
CONSENT = {"consent": "y"}


def page_text(html: str | bytes) -> str:
    """The visible text of a page, tags removed and white space collapsed."""
    html = html.decode() if isinstance(html, bytes) else html
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def login(client, user: dict):
    page = client.get("/admin/login")
    fields = form_fields(page.data)
    fields.update(username=user["username"], password=user["password"])
    response = client.post("/admin/login", data=fields)
    assert response.status_code == 302, page_text(response.data)
    return response


def race(app, count: int, work) -> list[Exception]:
    """Run ``work(index)`` in ``count`` threads that start together, each committing on its own."""
    barrier = threading.Barrier(count)
    errors: list[Exception] = []

    def runner(index):
        with app.app_context():
            try:
                barrier.wait()
                work(index)
                db.session.commit()
            except Exception as error:  # collected and re-raised in the test
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


class Elsewhere:
    """``work()`` in a thread of its own, with its own session, committed there unless it raises.

    Started while the test's session holds a write it has not committed (the other side of a
    race, stopped between its check and its commit), it shows whether this writer waits for
    it (``waiting``) and, once the test commits or rolls back, what it got (``outcome``).
    """

    def __init__(self, app, work):
        self._result: list = []

        def run():
            with app.app_context():
                try:
                    value = work()
                    db.session.commit()
                    self._result.append(value)
                except Exception as error:  # handed to the test by outcome()
                    db.session.rollback()
                    self._result.append(error)
                finally:
                    db.session.remove()

        self._thread = threading.Thread(target=run)
        self._thread.start()

    def waiting(self, seconds: float = 0.5) -> bool:
        self._thread.join(seconds)
        return self._thread.is_alive()

    def outcome(self):
        """What ``work()`` returned, or the exception it raised."""
        self._thread.join(30)
        assert not self._thread.is_alive(), "the other writer never finished"
        return self._result[0]
