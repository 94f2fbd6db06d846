"""Backups that can be taken while the app runs, and restores into an empty database.

SQLite: the online backup API copies a consistent snapshot page by page while writers go on.
PostgreSQL: pg_dump's custom format (a consistent snapshot too) and pg_restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc, inspect
from sqlalchemy.engine import Engine, make_url

from formsvc.errors import DomainError
from formsvc.i18n import _


def _sqlite_path(engine: Engine) -> str:
    return make_url(str(engine.url)).database


def _libpq_url(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def backup(engine: Engine, out: Path) -> None:
    """Back up the database into ``out``; a failed backup leaves no file there, and an older
    backup of the same name as it was (a nightly job must not end up with an empty one)."""
    if out.exists() and not out.is_file():  # replacing /dev/null with a backup would break the host
        raise DomainError(
            _("{path} is not a regular file; a backup goes into one.").format(path=out), code="bad_target"
        )
    if engine.dialect.name == "sqlite":
        database = _sqlite_path(engine)
        # sqlite3.connect would create a missing file: a wrong DATABASE_URL backed up an empty database.
        if not database or not Path(database).is_file():
            raise DomainError(
                _("The database file {path} does not exist; please check DATABASE_URL.").format(path=database),
                code="no_database",
            )
        with _complete_or_nothing(out) as partial:
            try:
                _sqlite_copy(database, partial)
            except sqlite3.Error as error:
                raise DomainError(
                    _("The backup failed: {reason}").format(reason=error), code="backup_failed"
                ) from error
        return
    if engine.dialect.name == "postgresql":
        with _complete_or_nothing(out) as partial:
            _run_pg_tool(
                "pg_dump",
                ["--format=custom", "--no-owner", "--no-password", "--file", str(partial), _libpq_url(engine)],
                failed=_("The backup failed: {reason}"),
            )
        return
    raise DomainError(f"Backups of {engine.dialect.name} are not supported.", code="unsupported_engine")


def restore(engine: Engine, source: Path) -> None:
    """Restore ``source`` into the configured database, which must be empty.

    A restore that fails leaves the database as empty as it was: SQLite's backup API and
    ``pg_restore --single-transaction`` both write all or nothing.
    """
    if not source.exists():
        raise DomainError(f"No such file: {source}", code="no_backup_file")
    try:
        tables = inspect(engine).get_table_names()
    except exc.DBAPIError as error:  # no such database, wrong password, server down, not a SQLite file
        reason = _one_line(str(error.orig))
        raise DomainError(_("The restore failed: {reason}").format(reason=reason), code="restore_failed") from error
    if tables:
        raise DomainError("The target database is not empty; restore only into an empty one.", code="target_not_empty")
    if engine.dialect.name == "sqlite":
        engine.dispose()
        try:
            _sqlite_copy(source, _sqlite_path(engine))
        except sqlite3.Error as error:  # a CSV or a pg_dump archive given by mistake: "file is not a database"
            raise DomainError(
                _("The restore failed: {reason}").format(reason=f"{source}: {error}"), code="restore_failed"
            ) from error
        return
    if engine.dialect.name == "postgresql":
        _run_pg_tool(
            "pg_restore",
            ["--no-owner", "--no-password", "--single-transaction", "--dbname", _libpq_url(engine), str(source)],
            failed=_("The restore failed: {reason}"),
        )
        return
    raise DomainError(f"Restores into {engine.dialect.name} are not supported.", code="unsupported_engine")


@contextmanager
def _complete_or_nothing(out: Path) -> Iterator[Path]:
    """A new file beside ``out`` to write into (readable by its owner only: it holds personal
    data); it becomes ``out`` only when the block ends without an error, else it is removed."""
    descriptor, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def _run_pg_tool(tool: str, arguments: list[str], *, failed: str) -> None:
    """Run pg_dump or pg_restore; when it fails, its own words (no such database, not an
    archive …) become the message, on one line."""
    _require(tool)
    result = subprocess.run([tool, *arguments], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        reason = _one_line(result.stderr) or f"{tool} exit status {result.returncode}"
        raise DomainError(failed.format(reason=reason), code=f"{tool}_failed")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sqlite_copy(source, target) -> None:
    """Copy one SQLite database into another with the online backup API, a few pages at a time,
    so writers to the source wait only briefly between steps."""
    # mode=rw: a source that is not there is an error, not a new empty database.
    source_db = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=rw", uri=True)
    try:
        target_db = sqlite3.connect(target)
        try:
            with target_db:
                source_db.backup(target_db, pages=256)
        finally:
            target_db.close()
    finally:
        source_db.close()


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise DomainError(f"{tool} is not installed (Debian package postgresql-client).", code="missing_tool")
