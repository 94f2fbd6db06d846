"""Engine settings per database: SQLite gets WAL, a busy timeout and enforced foreign keys."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer writes; the busy timeout makes a second
        # writer wait its turn instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_first_savepoint(connection, _name):
        # Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT
        # sent outside one would start its own, and releasing it would commit at once,
        # half-way through our unit of work. Open the real transaction first; IMMEDIATE
        # takes the write lock now, so the busy timeout applies instead of a lock error later.
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


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
