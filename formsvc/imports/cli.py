"""``flask attendance import`` and ``flask ledger import``: the same services as the upload pages."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from formsvc.errors import DomainError
from formsvc.extensions import db

attendance_cli = AppGroup("attendance", help="Sign-ins: import a filled-in sign-in sheet.")
ledger_cli = AppGroup("ledger", help="Ledgers (台账) of past activities: import.")


def _echo_problems(plan) -> None:
    for problem in plan.problems:
        click.echo(f"row {problem.row}, column {problem.column}: {problem.message}", err=True)
    if plan.footer_notice:  # the sign-off line and what follows: not read
        click.echo(plan.footer_notice)


def _previous(previous) -> str:
    who = previous.imported_by.username if previous.imported_by else "the command line"
    return f"This file was already imported on {previous.imported_at:%Y-%m-%d %H:%M} UTC by {who}."


@attendance_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activity", "activity_id", type=int, required=True, help="The activity the sheet belongs to.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
def attendance_import(path: Path, activity_id: int, dry_run: bool):
    """Import the filled-in XLSX sign-in sheet of an activity (its rows count as paper sign-ins)."""
    from formsvc.activities.models import Activity
    from formsvc.attendance.paper import LineStatus
    from formsvc.cli import could_be_an_id
    from formsvc.imports.sheet_upload import apply_sheet_upload, plan_sheet_upload

    activity = db.session.get(Activity, activity_id) if could_be_an_id(activity_id) else None
    if activity is None:
        raise click.ClickException(f"No activity {activity_id}.")
    try:
        plan = plan_sheet_upload(activity, path.read_bytes(), path.name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    _echo_problems(plan)
    if plan.previous:
        click.echo(_previous(plan.previous))
    counts = ", ".join(f"{audience.value} {plan.to_write_for(audience)}" for audience in activity.audiences)
    click.echo(
        f"to write: {plan.to_write} ({counts}); new on the roster {plan.new_children}; "
        f"skipped {plan.skipped} (already signed in {plan.count(LineStatus.ALREADY_SIGNED_IN)}, "
        f"repeated {plan.count(LineStatus.REPEATED)})"
    )
    if plan.problems:
        raise click.ClickException("The file has errors; nothing was imported.")
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    try:
        result = apply_sheet_upload(activity, plan, user=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    if result.repeated:
        click.echo("Nothing new was written.")
    else:
        click.echo(f"Written {result.written}, new on the roster {result.new_children}, skipped {result.skipped}.")


@ledger_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
def ledger_import(path: Path, dry_run: bool):
    """Import a ledger: CSV or XLSX, one row per person per activity (see the README for the columns)."""
    from formsvc.activities.models import Audience
    from formsvc.imports.ledger import plan_ledger_import
    from formsvc.imports.ledger_apply import apply_ledger_import

    try:
        plan = plan_ledger_import(path.read_bytes(), path.name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    _echo_problems(plan)
    for duplicate in plan.duplicates:
        click.echo(f"row {duplicate.row}: {duplicate.message}")
    for site_name, name, row in plan.new_child_rows:
        click.echo(f"row {row}: new on the roster of {site_name}: {name}")
    if plan.previous:
        click.echo(_previous(plan.previous))
    if plan.problems:
        # A refused file is not matched against the database: what it would add is not known.
        click.echo(f"rows: {plan.rows}; rows with errors: {plan.rows_with_problems}")
        raise click.ClickException("The file has errors; nothing was imported.")
    # "label: count" reads right for one and for many ("1 new children" did not).
    click.echo(
        f"rows: {plan.rows}; new activities: {plan.new_activities} of {len(plan.activities)}; "
        f"new children: {len(plan.new_children)}; category periods: {len(plan.new_periods)}; "
        f"records to write: children {plan.new_records(Audience.CHILDREN)}, "
        f"guardians {plan.new_records(Audience.GUARDIANS)}, volunteers {plan.new_records(Audience.VOLUNTEERS)}; "
        f"already present: {plan.already_present}; repeated in the file: {len(plan.duplicates)}"
    )
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    try:
        result = apply_ledger_import(plan, user=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    if result.repeated:
        click.echo("Nothing new was written.")
    else:
        click.echo(
            f"Imported. Records: {result.records}, new activities: {result.activities_created}, "
            f"new children: {result.children_created}, category periods: {result.categories_added}."
        )
