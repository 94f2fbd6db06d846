"""What every benchmark shares: the machine it ran on, medians, fresh databases, results files.

Each benchmark prints its own figures and writes them, with its targets, to a JSON file
(``--json``) that ``bench/summary.py`` turns into the table ``make bench`` prints.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine() -> dict:
    """nproc, CPU model, memory, Python, SQLite and PostgreSQL versions."""
    import sqlite3

    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "memory": memory_total(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(terse=True),
    }
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as connection:
            info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # no PostgreSQL here: say so, the SQLite runs still count
        info["postgresql"] = f"unavailable ({error.__class__.__name__})"
    return info


def machine_line(info: dict | None = None) -> str:
    info = info or machine()
    return (
        f"{info['nproc']} cores · {info['cpu']} · {info['memory']} · Python {info['python']} · "
        f"SQLite {info['sqlite']} · PostgreSQL {info['postgresql']}"
    )


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(database_url: str) -> None:
    """``flask db upgrade heads`` against ``database_url`` (heads: works while branches await a merge)."""
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="app")
    subprocess.run(
        [str(VENV_BIN / "flask"), "db", "upgrade", "heads"], cwd=ROOT, env=env, check=True, capture_output=True
    )


def write_results(path: str | None, name: str, checks: list[dict], extra: dict | None = None) -> None:
    """``checks``: dicts with what, figure, unit, target, baseline, ok — one summary row each."""
    if not path:
        return
    record = {"bench": name, "machine": machine(), "checks": checks, **(extra or {})}
    Path(path).write_text(json.dumps(record, ensure_ascii=False, indent=1))


def check(what: str, figure: float, unit: str, target: str, ok: bool, baseline: str = "", note: str = "") -> dict:
    return {"what": what, "figure": figure, "unit": unit, "target": target, "ok": bool(ok), "baseline": baseline,
            "note": note}  # fmt: skip


def python() -> str:
    return sys.executable
