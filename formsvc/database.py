"""Engine settings per database: SQLite gets WAL, a busy timeout, enforced foreign keys and a writers' queue."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

BUSY_TIMEOUT_SECONDS = 10
WRITE_KEYWORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN")


class WritersQueue:
    """One SQLite writer at a time per database file, the next one woken the moment it ends.

    SQLite itself lets a second writer wait with the busy timeout, but it waits by sleeping
    1, 2, 5 … 100 ms between tries: under a lecture's burst of sign-ins most writers sleep
    well past the moment the lock came free, and the slowest wait a second. Here a writer
    first takes a lock of its own process (threads queue on it and wake at once), then an
    flock on ``<database>-writers.lock`` shared by the gunicorn workers, tried every half
    millisecond, and only then starts its transaction. After the busy timeout it goes ahead
    without, and SQLite's own wait decides. Readers never queue (WAL).
    """

    def __init__(self, database_path: str):
        self.lock_path = f"{database_path}-writers.lock"
        self._threads = threading.Lock()
        self._file = None
        self._file_pid = None

    def _lock_file(self) -> int:
        # Opened per process: a descriptor inherited over fork() would share its flock.
        if self._file_pid != os.getpid():
            self._file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._file_pid = os.getpid()
        return self._file

    def acquire(self) -> bool:
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        if not self._threads.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            return False
        lock_file = self._lock_file()
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    return False
                time.sleep(0.0005)

    def release(self) -> None:
        fcntl.flock(self._lock_file(), fcntl.LOCK_UN)
        self._threads.release()


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that leaves the writers' queue when its transaction ends."""

    writers_queue: WritersQueue | None = None
    holds_write_turn = False

    def take_write_turn(self) -> None:
        if not self.holds_write_turn and self.writers_queue is not None:
            self.holds_write_turn = self.writers_queue.acquire()

    def _end_write_turn(self) -> None:
        if self.holds_write_turn:
            self.holds_write_turn = False
            self.writers_queue.release()

    def commit(self):
        try:
            super().commit()
        finally:
            self._end_write_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_write_turn()

    def close(self):
        try:
            super().close()
        finally:
            self._end_write_turn()


def _queue_writers(engine: Engine) -> None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    queue = WritersQueue(os.path.abspath(database))

    @event.listens_for(engine, "do_connect")
    def _queued_connection(_dialect, _record, _cargs, cparams):
        cparams["factory"] = type("EngineQueuedConnection", (QueuedConnection,), {"writers_queue": queue})

    @event.listens_for(engine, "before_cursor_execute")
    def _wait_turn_before_writing(_connection, cursor, statement, _parameters, _context, _executemany):
        dbapi_connection = cursor.connection
        if dbapi_connection.in_transaction or not isinstance(dbapi_connection, QueuedConnection):
            return
        if statement.lstrip()[:7].upper().startswith(WRITE_KEYWORDS):
            dbapi_connection.take_write_turn()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    _queue_writers(engine)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer writes; the busy timeout makes a second
        # writer wait its turn instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_first_savepoint(connection, _name):
        # Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT
        # sent outside one would start its own, and releasing it would commit at once,
        # half-way through our unit of work. Open the real transaction first; IMMEDIATE
        # takes the write lock now, so the busy timeout applies instead of a lock error later.
        _begin_immediate(connection)


def _begin_immediate(connection) -> None:
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def hold_write_lock(session: Session) -> None:
    """On SQLite, begin the session's write transaction now, before a check its write depends on.

    SQLite has no row locks (SQLAlchemy leaves FOR UPDATE out there), and Python's sqlite3
    reads outside a transaction until the first write: a manager's "no sign-in counts, so it
    may be cancelled" could be overtaken by a sign-in committed between the count and the
    cancel. From BEGIN IMMEDIATE on, this session is the only writer until it ends, and what
    it reads stays true. PostgreSQL needs nothing here: the caller's FOR UPDATE locks the row.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _begin_immediate(connection)


@event.listens_for(Session, "after_flush")
def _note_write(session, _flush_context):
    session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended: committed or rolled back
        session.info.pop("wrote", None)


def commit_if_written(session) -> None:
    """Commit when this transaction wrote something, and do nothing when it only read.

    A read-only page (the poster page once today's opening exists) then skips the commit and
    the reload of every object a commit expires; the request's end closes the read.
    """
    if session.info.get("wrote"):
        session.commit()


def end_session_quietly(_exception=None) -> None:
    """End the request's session; a rollback on a connection the database dropped is logged.

    Flask-SQLAlchemy's own teardown raised there (a connection killed mid-request, a restart
    of PostgreSQL), after the response was made, and the person got gunicorn's bare error
    page instead of it; a receipt already saved was one of them.
    """
    from flask import current_app

    from formsvc.extensions import db

    try:
        db.session.remove()
    except Exception:
        current_app.logger.exception("ending the database session failed")
        db.session.registry.clear()
