"""Ledger import: a district clerk's 10,000-row ledger (台账), checked, imported, then sent again.

A benchmark, not a unit test. For each engine and each of ``--runs`` rounds it makes a fresh
database (a SQLite file in a temporary directory, or the PostgreSQL database
``formsvc_bench_ledger``, dropped afterwards) with 10 Children's Homes, and times, in process,
what the upload page does with the file:

- check: ``plan_ledger_import`` reads and checks every row, and finds what exists;
- import: ``apply_ledger_import`` and the commit (activities, children, category periods, records);
- again: the same file checked a second time, when every record is already present.

The file is a year at 10 homes: daily openings with the home's children (some of them
left-behind, 留守), parent trainings with guardians and their phones, volunteer days, and a
few rows repeated, as ledgers copied together have them. The baseline, in the same run and on
the same engine, is the floor of the work: reading the same CSV with the csv module and
inserting its 10,000 rows into a bare four-column table in one transaction (SQLAlchemy Core).
The target is the one the upload page promises the clerk: check and import within 10 s.

    .venv/bin/python bench/ledger.py                  # both engines
    .venv/bin/python bench/ledger.py --db sqlite --runs 1
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, check, drop_postgres, fresh_postgres, machine_line, median, migrate, write_results  # noqa: E402

PG_DB = "formsvc_bench_ledger"
ROWS = 10_000
HOMES = 10
TARGET_S = 10.0
HEADER = "site,date,kind,title,name,role,village,relation,phone,categories\n"
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = ("小明", "小红", "子涵", "欣怡", "浩然", "雨桐", "梓萱", "宇轩", "一诺", "思远")


def ledger_rows() -> bytes:
    """The year's ledger of ``HOMES`` homes, ``ROWS`` rows; home names as the sites are made below."""
    lines = [HEADER]
    day, number = date(2026, 1, 5), 0
    while len(lines) <= ROWS:
        for home in range(HOMES):
            site = f"第{home:02d}村儿童之家"
            if day.weekday() == 5 and home % 2 == 0:  # a parent training every other Saturday
                people = [(f"{SURNAMES[i % 10]}奶奶{i}", "guardian", f"138{home:02d}{i:06d}") for i in range(12)]
                kind, title = "parent_training", "家庭教育讲座"
            elif day.weekday() == 6:
                people = [(f"志愿者{home}{i}", "volunteer", "") for i in range(3)]
                kind, title = "volunteer", "周末陪伴"
            else:
                names = [SURNAMES[(home + i) % 10] + GIVEN[i % 10] + str(i // 10 or "") for i in range(18)]
                people = [(name, "child", "") for name in names]
                kind, title = "daily", ""
            for name, role, phone in people:
                number += 1
                categories = "留守" if role == "child" and number % 3 == 0 else ""
                lines.append(f"{site},{day.isoformat()},{kind},{title},{name},{role},某村,,{phone},{categories}\n")
                if number % 97 == 0:  # a row copied twice
                    lines.append(lines[-1])
        day += timedelta(days=1)
    return "".join(lines[: ROWS + 1]).encode()


def fresh_database(engine: str, workdir: Path, round_number: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir / f'ledger-{round_number}.db'}"
    return fresh_postgres(PG_DB).replace("postgresql://", "postgresql+psycopg://")


def one_round(url: str, content: bytes) -> dict:
    """Migrate, make the homes, then time check, import and the second check, as the upload page runs them."""
    migrate(url)
    os.environ["DATABASE_URL"] = url
    from formsvc import create_app
    from formsvc.extensions import db
    from formsvc.imports.ledger import plan_ledger_import
    from formsvc.imports.ledger_apply import apply_ledger_import
    from formsvc.sites.services import create_site

    app = create_app()
    with app.app_context():
        for home in range(HOMES):
            create_site(township_name=f"第{home % 3}镇", name=f"第{home:02d}村儿童之家", opened_on=date(2020, 9, 1))
        db.session.commit()
        started = time.perf_counter()
        plan = plan_ledger_import(content, "台账.csv")
        checked = time.perf_counter()
        if plan.problems:
            raise SystemExit(f"the bench's ledger has problems: {plan.problems[:3]}")
        apply_ledger_import(plan, user=None)
        db.session.commit()
        imported = time.perf_counter()
        again = plan_ledger_import(content + b"\n", "台账-again.csv")
        checked_again = time.perf_counter()
        written = again.already_present
        db.session.remove()
        db.engine.dispose()
    return {
        "check": checked - started,
        "import": imported - checked,
        "again": checked_again - imported,
        "written": written,
        "repeated": len(plan.duplicates),
    }


def baseline(url: str, content: bytes) -> float:
    """Read the CSV with the csv module and insert its rows into a bare table, in one transaction."""
    from sqlalchemy import Column, MetaData, String, Table, create_engine, insert

    engine = create_engine(url)
    table = Table("bench_rows", MetaData(), *(Column(name, String(40)) for name in ("site", "day", "name", "role")))
    table.metadata.drop_all(engine)
    table.metadata.create_all(engine)
    started = time.perf_counter()
    rows = csv.DictReader(io.StringIO(content.decode()))
    values = [{"site": row["site"], "day": row["date"], "name": row["name"], "role": row["role"]} for row in rows]
    with engine.begin() as connection:
        connection.execute(insert(table), values)
    elapsed = time.perf_counter() - started
    table.metadata.drop_all(engine)
    engine.dispose()
    return elapsed


def run_engine(engine: str, runs: int, workdir: Path, content: bytes) -> list[dict]:
    rounds, floors = [], []
    try:
        for number in range(runs):
            url = fresh_database(engine, workdir, number)
            rounds.append(one_round(url, content))
            floors.append(baseline(url, content))
    finally:
        if engine == "postgresql":
            drop_postgres(PG_DB)
    figures = {key: median([item[key] for item in rounds]) for key in ("check", "import", "again")}
    floor = median(floors)
    print(
        f"  {engine:<10} check {figures['check']:5.2f} s   import {figures['import']:5.2f} s   "
        f"again {figures['again']:5.2f} s   records {rounds[0]['written']:,} ({rounds[0]['repeated']} repeated rows)   "
        f"baseline {floor:5.2f} s"
    )
    total = figures["check"] + figures["import"]
    base = f"csv + bare insert {floor:.2f} s"
    written_ok = rounds[0]["written"] == ROWS - rounds[0]["repeated"]
    return [
        check(f"ledger {ROWS:,} rows, check + import · {engine}", round(total, 2), "s", f"≤ {TARGET_S:.0f} s",
              total <= TARGET_S and written_ok, base,
              f"check {figures['check']:.2f} s, import {figures['import']:.2f} s, {total / floor:.0f}× the baseline"),
        check(f"ledger {ROWS:,} rows sent again · {engine}", round(figures["again"], 2), "s", "–", written_ok, base,
              f"{rounds[0]['written']:,} records already present, none written"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3, help="rounds on fresh databases; medians are reported")
    parser.add_argument("--json", help="write the figures and targets here for bench/summary.py")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-ledger")
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-ledger-"))
    content = ledger_rows()
    print(machine_line())
    print(f"ledger bench · {ROWS:,} rows at {HOMES} homes · medians of {args.runs} rounds on fresh databases")
    engines = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    checks = [item for engine in engines for item in run_engine(engine, args.runs, workdir, content)]
    write_results(args.json, "ledger", checks)
    ok = all(item["ok"] for item in checks)
    print("  OK" if ok else "  NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
