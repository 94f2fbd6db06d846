"""Command-line tools (``flask --app app …``); they call the same services as the views."""

from __future__ import annotations

import csv
import errno
import os
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from formsvc.config import PROJECT_ROOT
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _, in_english
from formsvc.urls import RowIdConverter

TRANSLATIONS = PROJECT_ROOT / "formsvc" / "translations"


def register(app: Flask) -> None:
    from formsvc.imports.cli import attendance_cli, ledger_cli
    from formsvc.printables.cli import posters_command
    from formsvc.tallies.cli import rollups_command, tally_command

    # The demo's data is made in the district's language.
    for command in (seed_demo_command, first_start_command):
        app.cli.add_command(command)
    for command in (
        posters_command,
        tally_command,
        rollups_command,
        sites_cli,
        users_cli,
        translate_cli,
        backup_command,
        restore_command,
        purge_command,
        attendance_cli,
        ledger_cli,
    ):
        app.cli.add_command(in_english(command))


def could_be_an_id(number: int) -> bool:
    """Whether ``number`` fits an id column, by the bound the web's routes use.

    Past it the database driver fails (OverflowError on SQLite, NumericValueOutOfRange on
    PostgreSQL) where the answer is simply that no such row exists.
    """
    from flask import current_app

    return 0 <= number <= RowIdConverter(current_app.url_map).max


def check_output_path(path: Path) -> None:
    """Refuse an ``--out`` in a folder that is missing or read-only before the work starts: a
    typo in a cron line gets one line saying so, not a traceback after the PDF is rendered."""
    folder = path.parent
    if not folder.is_dir():
        raise click.ClickException(_("The folder {folder} does not exist.").format(folder=folder))
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise click.ClickException(
            _("Cannot write to {path}: {reason}").format(path=path, reason=os.strerror(errno.EACCES))
        )


def write_output(path: Path, data: bytes) -> None:
    """Write a command's file; a write that fails anyway (a full disk, a folder such as /proc)
    says so and leaves no half-written file."""
    opened = False
    try:
        with path.open("wb") as file:
            opened = True
            file.write(data)
    except OSError as error:
        if opened and path.is_file():  # half-written; but never remove a device such as /dev/stdout
            path.unlink(missing_ok=True)
        raise click.ClickException(
            _("Cannot write to {path}: {reason}").format(path=path, reason=error.strerror)
        ) from error


def _print_welcome(logins) -> None:
    from flask import current_app

    from formsvc.sites.services import all_sites
    from formsvc.urls import external_url

    click.echo(f"Demo logins ({current_app.config['BASE_URL']}/admin):")
    for login in logins:
        click.echo(f"  {login.username:<10} {login.password:<16} {login.role} — {login.sites}")
    sites = all_sites()
    if sites:
        click.echo(f"Sample QR link ({sites[0].name}): {external_url('public.site_page', token=sites[0].public_token)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo townships, sites, rosters, today's activities and demo logins."""
    from formsvc.demo import has_data, seed_demo

    if has_data():
        raise click.ClickException("The database already has sites; demo data is only loaded into an empty one.")
    logins = seed_demo()
    db.session.commit()
    _print_welcome(logins)


@click.command("first-start")
@with_appcontext
def first_start_command():
    """Used by `make run`: load the demo on an empty database, then print the logins and a QR link."""
    from formsvc.demo import DEMO_PASSWORD, DemoLogin, has_data, seed_demo

    if not has_data():
        logins = seed_demo()
        db.session.commit()
    else:
        logins = [
            DemoLogin("admin", DEMO_PASSWORD, "district admin", "all sites"),
            DemoLogin("manager1", DEMO_PASSWORD, "site manager", "(if unchanged since the demo was loaded)"),
        ]
    _print_welcome(logins)


sites_cli = AppGroup("sites", help="Children's Homes: import and list.")


@sites_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def sites_import(path: Path, dry_run: bool):
    """Import sites from CSV or XLSX with columns township, name, village, level, address.

    A column the file does not have, or a blank cell, changes nothing on a home that exists.
    """
    from formsvc.sites.services import apply_site_import, plan_site_import

    try:
        plan = plan_site_import(path.read_bytes(), path.name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for problem in plan.problems:
        click.echo(f"row {problem.row}, column {problem.column}: {problem.message}", err=True)
    click.echo(f"create {len(plan.to_create)}, update {len(plan.to_update)}, unchanged {plan.unchanged}")
    for site, changes in plan.to_update:  # what the page's preview lists: old → new, per home
        changed = "; ".join(f"{column} {old} → {new}" for column, (old, new) in changes.items())
        click.echo(f"  {site.township.name} {site.name}: {changed}")
    for notice in plan.notices:  # a new township (a typo?), the sign-off footer left out
        click.echo(notice)
    if plan.problems:
        raise click.ClickException("The file has errors; nothing was imported.")
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    apply_site_import(plan)
    db.session.commit()


@sites_cli.command("list")
@click.option("--format", "output_format", type=click.Choice(["csv", "text"]), default="text")
def sites_list(output_format: str):
    """List sites with their poster links."""
    from formsvc.sites.services import all_sites
    from formsvc.urls import external_url

    rows = [
        (
            site.id,
            site.township.name,
            site.name,
            site.village,
            site.level.value,
            external_url("public.site_page", token=site.public_token),
        )
        for site in all_sites()
    ]
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "township", "name", "village", "level", "url"])
        writer.writerows(rows)
    else:
        for row in rows:
            click.echo("  ".join(str(value) for value in row))


users_cli = AppGroup("users", help="Workspace accounts.")

# check_scope's refusals speak of the account form (tick the homes, choose the role); here they
# name the options that set the same things. By error code: the form keeps its own words.
SCOPE_IN_FLAGS = {
    "sites_required": "A site manager needs at least one --site.",
    "township_required": "A township viewer needs --township.",
    "sites_not_for_role": "--site is only for --role manager: leave it out, or use --role manager.",
    "township_not_for_role": (
        "--township is only for --role township_viewer: leave it out, or use --role township_viewer."
    ),
}


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", help="Asked for (twice, not shown) when left out.")
@click.option("--role", type=click.Choice(["admin", "manager", "township_viewer"]), required=True)
@click.option("--site", "site_ids", type=int, multiple=True, help="Site id (repeat for several).")
@click.option("--township", "township_id", type=int, help="Township id, for township viewers.")
def users_create(username: str, password: str | None, role: str, site_ids: tuple[int, ...], township_id: int | None):
    """Create a workspace user."""
    from formsvc.accounts.models import Role
    from formsvc.accounts.services import check_new_account, create_user

    # Ids no column can hold are unknown ones; the rest are looked up by check_new_account.
    past_any_site = [site_id for site_id in site_ids if not could_be_an_id(site_id)]
    if past_any_site:
        raise click.ClickException(_("No site with id {ids}.").format(ids=", ".join(map(str, past_any_site))))
    if township_id is not None and not could_be_an_id(township_id):
        raise click.ClickException(_("No township with id {id}.").format(id=township_id))
    try:
        # Every argument is checked before the password is asked for: a wrong --site or role is
        # said at once, not after the password was typed twice.
        stored_username = check_new_account(
            username=username, role=Role(role), site_ids=list(site_ids), township_id=township_id
        )
        if password is None:
            password = _ask_for_password(stored_username)
        user = create_user(
            username=username, password=password, role=Role(role), site_ids=list(site_ids), township_id=township_id
        )
    except DomainError as error:
        raise click.ClickException(SCOPE_IN_FLAGS.get(error.code, error.message)) from error
    from formsvc.audit.services import record

    record("user.create", target=user.username, role=role)
    db.session.commit()
    click.echo(f"Created {user.username} ({role}).")


def _ask_for_password(username: str) -> str:
    """The new account's password, typed twice; one too easy to guess is refused and asked again."""
    from formsvc.accounts.services import check_new_password

    def strong_enough(password: str) -> str:
        try:
            check_new_password(password, username=username)
        except DomainError as error:
            raise click.UsageError(error.message) from error
        return password

    return click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=_("The password again"), value_proc=strong_enough
    )


translate_cli = AppGroup("translate", help="Extract, update and compile the UI translations.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_ROOT)


@translate_cli.command("extract")
def translate_extract():
    """Collect the messages from code and templates into messages.pot."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--ignore-dirs",
        ".*",
        "-o",
        str(TRANSLATIONS / "messages.pot"),
        ".",
    )


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new messages into each language's messages.po."""
    translate_extract.callback()
    _pybabel("update", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@translate_cli.command("compile")
def translate_compile():
    """Compile messages.po files into the .mo files the app reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS))


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    """Back up the database while the app runs (SQLite online backup, or pg_dump)."""
    from formsvc.privacy.backup import backup

    check_output_path(out)
    try:
        backup(db.engine, out)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    except OSError as error:  # the folder let us check it but not write into it (/proc, a full disk)
        raise click.ClickException(
            _("Cannot write to {path}: {reason}").format(path=out, reason=error.strerror)
        ) from error
    click.echo(f"Backed up to {out} ({out.stat().st_size} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path):
    """Restore a backup into the configured database, which must be empty."""
    from formsvc.privacy.backup import restore

    try:
        restore(db.engine, source)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Restored {source}.")


@click.command("purge")
@click.option("--older-than", "period", default=None, help="e.g. 3y, 18m, 400d (default: RETENTION, 3y)")
@click.option("--dry-run", is_flag=True, help="Only say what would be anonymised.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for a scheduled run).")
@click.option(
    "--shorter-than-retention",
    "shorter_ok",
    is_flag=True,
    help="Allow a period shorter than RETENTION (a typo such as 3d for 3y would wipe recent names).",
)
@with_appcontext
def purge_command(period: str | None, dry_run: bool, yes: bool, shorter_ok: bool):
    """Anonymise personal fields of old records; their counts stay in the tallies.

    It cannot be undone, so it shows what it will touch and asks first (unless --yes), and a
    period shorter than RETENTION needs --shorter-than-retention.
    """
    from flask import current_app

    from formsvc.accounts.throttle import forget_old_attempts
    from formsvc.audit.services import record
    from formsvc.db import utcnow
    from formsvc.privacy.retention import is_shorter_than_retention, plan_purge, purge
    from formsvc.timeutil import local_today

    retention = current_app.config["RETENTION"]
    period = period or retention
    today = local_today()
    try:
        plan = plan_purge(today, period)
        shorter = is_shorter_than_retention(today, period, retention)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if shorter and not (shorter_ok or dry_run):
        raise click.ClickException(
            f"--older-than {period} is shorter than RETENTION ({retention}): it would anonymise records of "
            f"activities before {plan.cutoff} instead of before {plan_purge(today, retention).cutoff}. "
            "If that is really meant, add --shorter-than-retention."
        )
    counts = f"{plan.adult_signins} adult sign-ins, {plan.children} children, {plan.void_reasons} void reasons."
    if dry_run:
        click.echo(f"Would anonymise records of activities before {plan.cutoff}: {counts}")
        if shorter:
            click.echo(f"Note: {period} is shorter than RETENTION ({retention}).")
        return
    if not yes:
        click.echo(f"This will anonymise records of activities before {plan.cutoff}: {counts}")
        click.confirm("Anonymise them? This cannot be undone", abort=True)
    plan = purge(today, period, utcnow())
    click.echo(
        f"Anonymised records of activities before {plan.cutoff}: {plan.adult_signins} adult sign-ins, "
        f"{plan.children} children, {plan.void_reasons} void reasons."
    )
    forget_old_attempts()
    record(
        "privacy.purge",
        target=period,
        cutoff=plan.cutoff.isoformat(),
        adult_signins=plan.adult_signins,
        children=plan.children,
        void_reasons=plan.void_reasons,
    )
    db.session.commit()
