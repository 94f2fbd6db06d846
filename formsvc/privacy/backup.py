"""Backups that can be taken while the app runs, and restores into an empty database.

SQLite: the online backup API copies a consistent snapshot page by page while writers go on.
PostgreSQL: pg_dump's custom format (a consistent snapshot too) and pg_restore.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url

from formsvc.errors import DomainError


def _sqlite_path(engine: Engine) -> str:
    return make_url(str(engine.url)).database


def _libpq_url(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def backup(engine: Engine, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(engine), out)
        return
    if engine.dialect.name == "postgresql":
        _require("pg_dump")
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(out), _libpq_url(engine)],
            check=True,
            capture_output=True,
        )
        return
    raise DomainError(f"Backups of {engine.dialect.name} are not supported.", code="unsupported_engine")


def restore(engine: Engine, source: Path) -> None:
    """Restore ``source`` into the configured database, which must be empty."""
    if not source.exists():
        raise DomainError(f"No such file: {source}", code="no_backup_file")
    if inspect(engine).get_table_names():
        raise DomainError("The target database is not empty; restore only into an empty one.", code="target_not_empty")
    if engine.dialect.name == "sqlite":
        engine.dispose()
        _sqlite_copy(source, _sqlite_path(engine))
        return
    if engine.dialect.name == "postgresql":
        _require("pg_restore")
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(engine), str(source)],
            check=True,
            capture_output=True,
        )
        return
    raise DomainError(f"Restores into {engine.dialect.name} are not supported.", code="unsupported_engine")


def _sqlite_copy(source, target) -> None:
    """Copy one SQLite database into another with the online backup API, a few pages at a time,
    so writers to the source wait only briefly between steps."""
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        with target_db:
            source_db.backup(target_db, pages=256)
    finally:
        target_db.close()
        source_db.close()


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise DomainError(f"{tool} is not installed (Debian package postgresql-client).", code="missing_tool")
