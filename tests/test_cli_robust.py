"""Bad input on the command line: one line saying what is wrong, a non-zero exit, no traceback,
and nothing half-written left behind (no file, no row)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from formsvc import create_app
from formsvc.accounts.models import User
from formsvc.audit.models import AuditEntry
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from tests.conftest import skip_or_fail

# Past a PostgreSQL integer (3000000000) and past any integer SQLite or Python's driver can bind.
HUGE_IDS = ["3000000000", "99999999999999999999"]


def refused(result, *expected: str) -> str:
    """The command stopped on a ClickException: a non-zero exit and one "Error: …" line."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # anything else is a traceback
    assert "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: "), result.output
    for part in expected:
        assert part in message, message
    return message


def in_cli_language(app, msgid: str, **values) -> str:
    """A message as the command line says it: in English, whatever the district's language is."""
    with app.app_context(), force_locale("en"):
        return _(msgid).format(**values)


def other_app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def user_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(User.id))).scalar_one()


# --- backup and restore ----------------------------------------------------------------


def test_backup_of_a_missing_sqlite_file_creates_nothing(tmp_path):
    missing = tmp_path / "db" / "typo.db"
    missing.parent.mkdir()
    out = tmp_path / "backup.db"
    app = other_app(f"sqlite:///{missing}")
    try:
        result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    finally:
        dispose(app)
    refused(result, str(missing))
    assert files_in(missing.parent) == []  # the wrong URL did not make an empty database
    assert files_in(tmp_path) == ["db"]  # and no empty backup


def test_a_failed_backup_keeps_an_older_backup_of_the_same_name(tmp_path):
    out = tmp_path / "nightly.db"
    out.write_bytes(b"yesterday's backup")
    app = other_app(f"sqlite:///{tmp_path / 'typo.db'}")
    try:
        result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    finally:
        dispose(app)
    refused(result)
    assert out.read_bytes() == b"yesterday's backup"
    assert files_in(tmp_path) == ["nightly.db"]


def test_backup_still_copies_the_database(app, make, runner, tmp_path):
    make.site()
    out = tmp_path / "backup.bin"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0 and files_in(tmp_path) == ["backup.bin"]
    assert out.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only


def test_restore_of_a_file_that_is_no_database_says_so_and_restores_nothing(tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("township,name\n城关镇,新华村儿童之家\n")
    target = tmp_path / "restored.db"
    app = other_app(f"sqlite:///{target}")
    try:
        result = app.test_cli_runner().invoke(args=["restore", str(garbage)])
        with app.app_context():
            assert inspect(db.engine).get_table_names() == []
    finally:
        dispose(app)
    refused(result, "garbage.csv", "file is not a database")


@pytest.fixture
def postgres_url(app) -> str:
    """A PostgreSQL URL to run pg_dump and pg_restore against: the test database's on the
    PostgreSQL run; on the SQLite run the server `make test` uses (TEST_PG_URL), so these run
    in both (in CI nothing is skipped)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        return url
    server = make_url(os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/formsvc_test"))
    server = server.set(drivername="postgresql+psycopg", database=f"{server.database}_cli_from_sqlite")
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # not reachable: skip outside CI, fail in CI
        skip_or_fail(f"PostgreSQL at {server.host}:{server.port} is not reachable: {error.__class__.__name__}")
    finally:
        admin.dispose()
    return server.render_as_string(hide_password=False)


def beside(url: str, suffix: str) -> str:
    """Another database on the same server, named after the test database."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


@pytest.fixture
def empty_postgres_database(postgres_url):
    """An empty database beside the test one, dropped afterwards."""
    from tests.conftest import _recreate_postgres_database

    url = beside(postgres_url, "restore_target")
    _recreate_postgres_database(make_url(url))
    yield url
    drop_postgres_database(url)


def drop_postgres_database(url: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_pg_dump_failing_shows_its_words_and_leaves_no_dump(postgres_url, tmp_path):
    url = beside(postgres_url, "missing")
    out = tmp_path / "nightly.dump"
    missing = other_app(url)
    try:
        result = missing.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    finally:
        dispose(missing)
    refused(result, "pg_dump", make_url(url).database)  # pg_dump's own message names the database
    assert files_in(tmp_path) == []


def test_pg_restore_failing_shows_its_words(empty_postgres_database, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("township,name\n")
    target = other_app(empty_postgres_database)
    try:
        result = target.test_cli_runner().invoke(args=["restore", str(garbage)])
    finally:
        dispose(target)
    refused(result, "pg_restore", "valid archive")


def test_restore_into_a_postgres_database_that_does_not_exist(postgres_url, tmp_path):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    missing = other_app(beside(postgres_url, "missing"))
    try:
        result = missing.test_cli_runner().invoke(args=["restore", str(dump)])
    finally:
        dispose(missing)
    refused(result, "does not exist")


def test_a_pg_restore_that_fails_half_way_restores_nothing(empty_postgres_database, postgres_url, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import _recreate_postgres_database

    source_url = beside(postgres_url, "restore_source")  # a migrated PostgreSQL database to dump
    _recreate_postgres_database(make_url(source_url))
    source = other_app(source_url)
    dump = tmp_path / "good.dump"
    try:
        with source.app_context():
            upgrade()
        assert source.test_cli_runner().invoke(args=["backup", "--out", str(dump)]).exit_code == 0
    finally:
        dispose(source)
        drop_postgres_database(source_url)
    # No table yet, so the restore starts; it stops at the users' id sequence, after other tables.
    engine = create_engine(empty_postgres_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE SEQUENCE users_id_seq"))
        target = other_app(empty_postgres_database)
        try:
            result = target.test_cli_runner().invoke(args=["restore", str(dump)])
        finally:
            dispose(target)
        refused(result, "pg_restore", "users_id_seq")
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


# --- ids no column can hold --------------------------------------------------------------


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_attendance_import_into_an_activity_id_past_any_column(app, runner, tmp_path, huge):
    sheet = tmp_path / "sheet.xlsx"
    sheet.write_bytes(b"not read: the activity is looked up first")
    refused(runner.invoke(args=["attendance", "import", str(sheet), "--activity", huge]), f"No activity {huge}")


@pytest.mark.parametrize("scope", [f"site:{HUGE_IDS[0]}", f"township:{HUGE_IDS[1]}", f"site:{HUGE_IDS[1]}"])
def test_tally_of_a_scope_past_any_column(app, runner, tmp_path, scope):
    out = tmp_path / "t.csv"
    args = ["tally", "--scope", scope, "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv"]
    result = runner.invoke(args=[*args, "--out", str(out)])
    refused(result, in_cli_language(app, "Unknown scope “{value}”.", value=scope))
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_users_create_with_a_site_past_any_column(app, runner, huge):
    args = ["users", "create", "--username", "amy", "--password", "long-enough-1", "--role", "manager"]
    result = runner.invoke(args=[*args, "--site", huge])
    refused(result, in_cli_language(app, "No site with id {ids}.", ids=huge))
    assert user_count(app) == 0


@pytest.mark.parametrize("township", ["999", *HUGE_IDS])
def test_users_create_for_a_township_that_does_not_exist(app, runner, township):
    args = ["users", "create", "--username", "amy", "--password", "long-enough-1", "--role", "township_viewer"]
    result = runner.invoke(args=[*args, "--township", township])
    message = refused(result, in_cli_language(app, "No township with id {id}.", id=township))
    assert "scrypt" not in result.output and "INSERT" not in message  # no SQL, no password hash
    assert user_count(app) == 0


def test_users_create_refuses_a_username_longer_than_the_column(app, runner, make):
    site = make.site()
    args = ["users", "create", "--password", "long-enough-1", "--role", "manager", "--site", str(site["id"])]
    result = runner.invoke(args=[*args, "--username", "a" * 300])
    longest = User.username.type.length
    refused(result, in_cli_language(app, "A username can have at most {count} characters.", count=longest))
    assert user_count(app) == 0


def test_create_user_takes_a_username_as_long_as_the_column_and_no_longer(ctx):
    from formsvc.accounts.models import Role
    from formsvc.accounts.services import create_user

    longest = User.username.type.length
    with pytest.raises(DomainError) as refused_error:
        create_user(username="b" * (longest + 1), password="long-enough-1", role=Role.ADMIN)
    assert refused_error.value.code == "username_too_long"
    user = create_user(username="b" * longest, password="long-enough-1", role=Role.ADMIN)
    assert len(user.username) == longest


# --- output files in folders that are missing or cannot be written -----------------------


def test_posters_into_a_missing_folder(app, runner, make, tmp_path):
    make.site()
    out = tmp_path / "no_such_dir" / "x" / "p.pdf"
    refused(runner.invoke(args=["posters", "--out", str(out)]), str(out.parent))
    assert files_in(tmp_path) == []
    with app.app_context():  # not recorded as printed either
        assert db.session.execute(select(AuditEntry)).scalars().all() == []


def test_posters_where_nothing_can_be_written(app, runner, make):
    make.site()
    refused(runner.invoke(args=["posters", "--out", "/proc/posters.pdf"]), "/proc/posters.pdf")
    with app.app_context():
        assert db.session.execute(select(AuditEntry)).scalars().all() == []


def test_posters_of_a_township_past_any_column(app, runner, make, tmp_path):
    make.site()
    out = tmp_path / "p.pdf"
    refused(runner.invoke(args=["posters", "--out", str(out), "--township", HUGE_IDS[1]]), "No active sites")
    assert files_in(tmp_path) == []


def test_tally_into_a_missing_folder(app, runner, tmp_path):
    out = tmp_path / "nonexistent" / "t.csv"
    args = ["tally", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv", "--out", str(out)]
    refused(runner.invoke(args=args), str(out.parent))
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("out", ["/proc/x/b.db", "{tmp}/missing/b.db"])
def test_backup_into_a_missing_folder(app, runner, tmp_path, out):
    out = Path(out.format(tmp=tmp_path))
    refused(runner.invoke(args=["backup", "--out", str(out)]), str(out.parent))
    assert files_in(tmp_path) == []


def test_backup_does_not_replace_what_is_not_a_regular_file(app, runner, tmp_path):
    pipe = tmp_path / "pipe"  # as /dev/null would be: replaced by a file, the host breaks
    os.mkfifo(pipe)
    refused(runner.invoke(args=["backup", "--out", str(pipe)]), str(pipe))
    assert pipe.is_fifo() and files_in(tmp_path) == ["pipe"]
