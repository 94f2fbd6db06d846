"""SQLite writers take turns through the writers' queue: the next one starts the moment the last ends.

These run on a SQLite file of their own under either test database: the queue exists only
for SQLite, where gunicorn's workers and threads share one database file.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from formsvc import database
from formsvc.database import QueuedConnection, configure_engine

HOLD_LOCK_FILE = """
import fcntl, os, sys
handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    configure_engine(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE visits (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
    yield engine
    engine.dispose()


@pytest.fixture
def other_process_writing(tmp_path):
    """Another process holding the writers' lock file until told to let go (call the result)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK_FILE, f"{tmp_path / 'writers.db'}-writers.lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout.readline().strip() == "held"

        def let_go():
            holder.stdin.write("\n")
            holder.stdin.flush()

        yield let_go
        holder.kill()


def _insert(engine, name: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO visits (name) VALUES (:name)"), {"name": name})


def _names(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT name FROM visits ORDER BY id")).scalars())


def _in_thread(target) -> tuple[threading.Thread, threading.Event, list]:
    finished, errors = threading.Event(), []

    def run():
        try:
            target()
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finished.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, finished, errors


def test_connections_are_queued_and_a_write_takes_the_turn_until_commit(engine):
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        assert isinstance(dbapi_connection, QueuedConnection)
        connection.execute(text("SELECT count(*) FROM visits"))
        assert not dbapi_connection.holds_write_turn  # a read never queues
        connection.execute(text("INSERT INTO visits (name) VALUES ('a')"))
        assert dbapi_connection.holds_write_turn
        connection.commit()
        assert not dbapi_connection.holds_write_turn
        connection.execute(text("UPDATE visits SET name = 'b'"))
        assert dbapi_connection.holds_write_turn
        connection.rollback()
        assert not dbapi_connection.holds_write_turn
    assert _names(engine) == ["a"]


def test_a_second_writer_waits_for_the_first_and_goes_on_when_it_commits(engine):
    with engine.connect() as first:
        first.execute(text("INSERT INTO visits (name) VALUES ('first')"))
        thread, finished, errors = _in_thread(lambda: _insert(engine, "second"))
        assert not finished.wait(0.3), "the second writer did not wait for the first"
        assert _names(engine) == []  # readers go on meanwhile (WAL) and see nothing uncommitted
        first.commit()
    assert finished.wait(5)
    thread.join()
    assert errors == []
    assert _names(engine) == ["first", "second"]


def test_a_writer_that_fails_gives_up_its_turn(engine):
    with pytest.raises(Exception, match="NOT NULL"):
        _insert(engine, None)
    thread, finished, errors = _in_thread(lambda: _insert(engine, "next"))
    assert finished.wait(5), "the failed writer kept its turn"
    thread.join()
    assert errors == [] and _names(engine) == ["next"]


def test_writers_in_other_processes_are_waited_for(engine, other_process_writing):
    thread, finished, errors = _in_thread(lambda: _insert(engine, "after the other process"))
    assert not finished.wait(0.3), "the writer did not wait for the other process"
    other_process_writing()
    assert finished.wait(5)
    thread.join()
    assert errors == [] and _names(engine) == ["after the other process"]


def test_a_writer_never_waits_past_the_busy_timeout(engine, other_process_writing, monkeypatch):
    """A stuck lock holder (not in SQLite) delays a write by the busy timeout, then SQLite decides."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.2)
    started = time.monotonic()
    _insert(engine, "anyway")
    assert time.monotonic() - started >= 0.2
    # the turn was not taken, so there is nothing to give back: the next writer goes ahead too
    _insert(engine, "and again")
    assert _names(engine) == ["anyway", "and again"]
