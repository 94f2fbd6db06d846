"""``flask tally``: the same tally as the page, written to a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from formsvc.audit.services import record
from formsvc.cli import check_output_path, could_be_an_id, write_output
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _


@click.command("tally")
@click.option("--scope", "scope_text", default="district", show_default=True, help="district, township:ID or site:ID")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def tally_command(scope_text: str, date_from, date_to, fmt: str, out_path: Path):
    """Write the tally of a scope and date range as PDF, XLSX or CSV (in the district's language)."""
    from formsvc.tallies.exports import tally_csv, tally_pdf, tally_xlsx
    from formsvc.tallies.periods import parse_scope
    from formsvc.tallies.services import checked_request, compute_tally

    check_output_path(out_path)
    render = {"pdf": tally_pdf, "xlsx": tally_xlsx, "csv": tally_csv}[fmt]
    # A mistake in the request is said in the command line's language (in_english, formsvc/i18n.py),
    # before the tally is made in the district's.
    try:
        scope = parse_scope(scope_text)
        if scope.id is not None and not could_be_an_id(scope.id):  # no home or township has it
            raise DomainError(_("Unknown scope “{value}”.").format(value=scope_text), code="bad_scope")
        scope = checked_request(scope, _day(date_from), _day(date_to))
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
            tally = compute_tally(scope, _day(date_from), _day(date_to))
            write_output(out_path, render(tally))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    record(
        "tally.export",
        target=str(tally.scope),
        format=fmt,
        date_from=tally.date_from.isoformat(),
        date_to=tally.date_to.isoformat(),
        via="cli",
    )
    db.session.commit()
    click.echo(f"Wrote the tally of {scope_text} from {tally.date_from} to {tally.date_to} to {out_path}.")


def _day(value) -> date:
    return value.date()


@click.group("tally-rollups")
def rollups_command():
    """The yearly visit rollups the tallies read: check them against the raw records, or rebuild them."""


@rollups_command.command("check")
@with_appcontext
def check_rollups():
    """Compare the rollups with a recount of the raw records; exit 1 and list any difference."""
    from formsvc.tallies.rollups import rollup_differences

    problems = rollup_differences()
    for line in problems[:50]:
        click.echo(line)
    if problems:
        raise click.ClickException(f"{len(problems)} rollup rows differ from the raw records")
    click.echo("The rollups match the raw records.")


@rollups_command.command("rebuild")
@with_appcontext
def rebuild_rollups_command():
    """Recount the rollups from the raw records."""
    from formsvc.tallies.rollups import rebuild_rollups

    rebuild_rollups()
    db.session.commit()
    click.echo("The rollups were recounted from the raw records.")
