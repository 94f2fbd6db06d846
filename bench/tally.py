"""Tallies at scale: a district year (~1 M attendance rows) or a city year (~10 M), timed.

A benchmark, not a unit test. It makes a fresh database (a SQLite file in a temporary
directory, or the PostgreSQL database ``formsvc_bench_tally``, dropped afterwards), builds the
schema with the migrations (so the indexes are the deployed ones), bulk-loads a year of
records (bench/tally_data.py), runs ANALYZE (PostgreSQL: VACUUM ANALYZE, as autovacuum would
after a load), then times, through ``compute_tally`` — the one service every page, PDF and
export uses:

- the district year, a township quarter, a site month (the whole tally each time);
- the distinct-children counts alone (the statement that counts 人次 and 人数 by kind for every
  site, township and the scope);
- the repeating series' days that have no row yet, which the tally counts as held.

"cold" is the first run on a new connection (SQLite: empty page cache; PostgreSQL: a new
backend, shared buffers as the load left them; the OS file cache is not dropped — the machine
is shared); "warm" is the median of ``--runs`` runs after it. The baseline, in the same run,
is the floor any exact tally must pay: one pass over the counted attendance rows
(``count(*)`` and ``count(DISTINCT child_id)``).

    .venv/bin/python bench/tally.py --db sqlite
    .venv/bin/python bench/tally.py --db postgresql --scale city      # ~10 M rows, many minutes
    .venv/bin/python bench/tally.py --db sqlite --explain docs/plans-sqlite.txt
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, check, drop_postgres, fresh_postgres, machine_line, median, migrate, write_results  # noqa: E402
from tally_data import generate  # noqa: E402

PG_DB = "formsvc_bench_tally"
TARGETS = {("district", "sqlite"): 1.0, ("district", "postgresql"): 1.0, ("city", "postgresql"): 5.0}


def load(url: str, engine: str, scale: str, year: int) -> tuple[dict, float]:
    started = time.perf_counter()
    if engine == "sqlite":
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        counts = generate(connection, engine, scale, year)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.close()
    else:
        import psycopg

        with psycopg.connect(url) as connection:
            connection.execute("SET TIME ZONE 'UTC'")
            counts = generate(connection, engine, scale, year)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    return counts, time.perf_counter() - started


def timed(function, runs: int) -> tuple[float, float, object]:
    """Seconds of the first (cold) run on a fresh connection, and the median of ``runs`` more."""
    from formsvc.extensions import db

    db.session.remove()
    db.engine.dispose()
    started = time.perf_counter()
    result = function()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        warm.append(time.perf_counter() - started)
    return cold, median(warm), result


def explain(app, year: int, path: str) -> None:
    """Record the plan of every statement of the district-year tally (PostgreSQL: with timings)."""
    from sqlalchemy import event

    from formsvc.extensions import db
    from formsvc.tallies.services import compute_tally

    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    compute_tally("district", date(year, 1, 1), date(year, 12, 31), as_of=datetime(year + 1, 1, 1, tzinfo=UTC))
    event.remove(db.engine, "before_cursor_execute", keep)
    connection = db.session.connection()
    lines = []
    for statement, parameters in statements:
        if "WITH" not in statement:
            continue
        if db.engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, tuple(parameters)).all()
            text = "\n".join(f"{'  ' * _depth(plan, row)}{row[3]}" for row in plan)
        else:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
            text = "\n".join(row[0] for row in plan)
        lines.append(f"-- {statement.split('AS', 1)[0].strip()} ...\n{text}\n")
    Path(path).write_text("\n".join(lines))
    print(f"  plans written to {path}")


def _depth(plan, row) -> int:
    parents = {entry[0]: entry[1] for entry in plan}
    depth, parent = 0, row[1]
    while parent:
        depth, parent = depth + 1, parents.get(parent, 0)
    return depth


def run(engine: str, scale: str, year: int, runs: int, explain_path: str | None) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-tally-"))
    url = f"sqlite:///{workdir / 'tally.db'}" if engine == "sqlite" else fresh_postgres(PG_DB)
    try:
        migrate(url)
        counts, seconds = load(url, engine, scale, year)
        print(f"tally bench · {engine} · {scale} year {year}")
        print(
            f"  loaded in {seconds:.1f} s: {counts['attendances']:,} attendances, {counts['adult_signins']:,} adult "
            f"sign-ins, {counts['activities']:,} activities, {counts['children']:,} children, "
            f"{counts['child_categories']:,} category periods, {counts['survey_responses']:,} survey responses, "
            f"{counts['activity_series']:,} repeating series"
        )
        return measure(url, engine, scale, year, runs, counts, explain_path)
    finally:
        if engine == "postgresql":
            drop_postgres(PG_DB)
        shutil.rmtree(workdir, ignore_errors=True)


def measure(url, engine, scale, year, runs, counts, explain_path) -> list[dict]:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select, text

    from formsvc import create_app
    from formsvc.activities.series import unmade_series_days
    from formsvc.extensions import db
    from formsvc.sites.models import Site
    from formsvc.tallies import queries
    from formsvc.tallies.services import compute_tally

    app = create_app()
    with app.test_request_context():
        township = db.session.execute(select(Site.township_id).order_by(Site.id)).scalars().first()
        site = db.session.execute(select(Site.id).order_by(Site.id)).scalars().first()
        as_of = datetime(year + 1, 1, 1, tzinfo=UTC)  # every activity of the year has started
        every_site = select(Site.id)
        cases = {
            "district year": lambda: compute_tally("district", date(year, 1, 1), date(year, 12, 31), as_of=as_of),
            "township quarter": lambda: compute_tally(
                f"township:{township}", date(year, 4, 1), date(year, 6, 30), as_of=as_of
            ),
            "site month": lambda: compute_tally(f"site:{site}", date(year, 5, 1), date(year, 5, 31), as_of=as_of),
            "distinct children": lambda: (
                queries.tune_session(),
                queries._visit_figures(queries._Values(), every_site, date(year, 1, 1), date(year, 12, 31)),
            ),
            # the series' days without a row, found from their schedule: the part of "held" done in Python
            "unmade series days": lambda: unmade_series_days(every_site, date(year, 1, 1), date(year, 12, 31)),
            "baseline: one pass": lambda: db.session.execute(
                text("SELECT count(*), count(DISTINCT child_id) FROM attendances WHERE voided_at IS NULL")
            ).one(),
        }
        figures = {}
        for label, function in cases.items():
            cold, warm, result = timed(function, runs)
            figures[label] = (cold, warm)
            print(f"  {label:<20} cold {cold * 1000:8.0f} ms   warm {warm * 1000:8.0f} ms (median of {runs})")
        tally = cases["district year"]()
        total = tally.total.figures
        print(
            f"  district year: {total.child_participations:,} visits, {total.distinct_children:,} children, "
            f"{total.activities:,} activities, {total.survey_responses:,} survey responses, "
            f"mean rating {total.survey_mean_rating or 0:.2f}"
        )
        if explain_path:
            explain(app, year, explain_path)
        db.session.remove()
        db.engine.dispose()
    target = TARGETS.get((scale, engine))
    base = figures["baseline: one pass"][1]
    rows = f"{counts['attendances'] / 1e6:.1f} M rows"
    checks = []
    for label in ("district year", "township quarter", "site month", "distinct children", "unmade series days"):
        cold, warm = figures[label]
        limit = target if label == "district year" and target else None
        checks.append(
            check(
                f"tally {label} · {engine} · {rows} (warm; cold {cold:.2f} s)",
                round(warm, 3),
                "s",
                f"≤ {limit:g} s" if limit else "–",
                warm <= limit if limit else True,
                f"one pass {base:.2f} s",
            )
        )
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", choices=("district", "city"), default="district")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5, help="warm runs; the median is reported")
    parser.add_argument("--explain", help="write the plans of the district-year statements here (one engine)")
    parser.add_argument("--json", help="write the figures and targets here for bench/summary.py")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.scale == "city" and "sqlite" in engines:
        print("the city scale runs on PostgreSQL only")
        engines = ["postgresql"]
    print(machine_line())
    checks = []
    for engine in engines:
        path = args.explain if len(engines) == 1 else None
        checks += run(engine, args.scale, args.year, args.runs, path)
    write_results(args.json, "tally", checks)
    ok = all(item["ok"] for item in checks)
    print("  OK" if ok else "  NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
