"""``flask tally``: the same tally as the page, written to a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db


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
    from formsvc.tallies.services import compute_tally

    render = {"pdf": tally_pdf, "xlsx": tally_xlsx, "csv": tally_csv}[fmt]
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        try:
            tally = compute_tally(scope_text, _day(date_from), _day(date_to))
        except DomainError as error:
            raise click.ClickException(error.message) from error
        out_path.write_bytes(render(tally))
    record(
        "tally.export",
        target=str(tally.scope),
        format=fmt,
        date_from=tally.date_from.isoformat(),
        date_to=tally.date_to.isoformat(),
        via="cli",
    )
    db.session.commit()
    click.echo(f"Wrote the {tally.scope_label} tally ({tally.period_label}) to {out_path}.")


def _day(value) -> date:
    return value.date()
