"""Run every benchmark (or read their JSON results) and print one table: figure, target, baseline, pass/fail.

    .venv/bin/python bench/summary.py                      # the district scale, both engines
    .venv/bin/python bench/summary.py --scale city         # adds the ~10 M-row city year (PostgreSQL)

Each benchmark runs in a process of its own and prints its figures as it goes; this script
collects their JSON files and prints the table last. Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import machine, machine_line  # noqa: E402


def run(script: str, output: Path, *args: str) -> dict | None:
    command = [sys.executable, str(BENCH / script), "--json", str(output), *args]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=False, timeout=3600)
    if not output.exists():
        print(f"  {script} wrote no results")
        return None
    return json.loads(output.read_text())


def table(results: list[dict]) -> list[str]:
    rows = [("check", "figure", "target", "baseline (same run)", "result", "note")]
    for result in results:
        for item in result["checks"]:
            figure = f"{item['figure']:,}" if isinstance(item["figure"], int) else f"{item['figure']}"
            rows.append((item["what"], f"{figure} {item['unit']}", item["target"], item["baseline"],
                         "pass" if item["ok"] else "FAIL", item.get("note", "")))  # fmt: skip
    widths = [max(len(str(row[index])) for row in rows) for index in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("-|-".join("-" * width for width in widths))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("district", "city"), default="district")
    parser.add_argument("--only", nargs="+", choices=("tally", "signin", "documents", "startup", "ledger"))
    args = parser.parse_args()
    wanted = args.only or ["startup", "documents", "tally", "ledger", "signin"]
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-bench-"))
    results = []
    if "startup" in wanted:
        results.append(run("startup.py", workdir / "startup.json"))
    if "documents" in wanted:
        results.append(run("documents.py", workdir / "documents.json"))
    if "tally" in wanted:
        results.append(run("tally.py", workdir / "tally.json", "--db", "both"))
        if args.scale == "city":
            results.append(run("tally.py", workdir / "tally-city.json", "--db", "postgresql", "--scale", "city"))
    if "ledger" in wanted:
        results.append(run("ledger.py", workdir / "ledger.json"))
    if "signin" in wanted:
        results.append(run("signin.py", workdir / "signin.json"))
    results = [result for result in results if result]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nSummary — medians of several runs; load average at the end {load} (the bench's own threads count)")
    print(machine_line(machine()))
    for line in table(results):
        print(line)
    failed = [item["what"] for result in results for item in result["checks"] if not item["ok"]]
    checks = sum(len(result["checks"]) for result in results)
    print(f"\n{len(failed)} of {checks} checks failed" if failed else "\nall passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
