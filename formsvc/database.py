"""Engine settings per database: SQLite gets WAL, a busy timeout and enforced foreign keys."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


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
