"""``flask posters``: the poster PDF for the print shop, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from formsvc.audit.services import record
from formsvc.cli import check_output_path, could_be_an_id, write_output
from formsvc.extensions import db


@click.command("posters")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--township", "township_id", type=int, help="Only this township's sites (id).")
@with_appcontext
def posters_command(out_path: Path, township_id: int | None):
    """Write one A4 QR poster per active site (or per site of one township) into one PDF."""
    from formsvc.printables.posters import posters_pdf, sites_for_posters

    check_output_path(out_path)
    known_township = township_id is None or could_be_an_id(township_id)
    sites = sites_for_posters(township_id=township_id) if known_township else []
    if not sites:
        raise click.ClickException("No active sites to print.")
    write_output(out_path, posters_pdf(sites))
    record("poster.print_all", target=f"township:{township_id}" if township_id else "", sites=len(sites), via="cli")
    db.session.commit()
    click.echo(f"Wrote {len(sites)} posters to {out_path}.")
