"""Documents: the district tally PDF for 125 homes, 125 posters in one PDF, one poster.

A benchmark, not a unit test. It makes a fresh SQLite database in a temporary directory with
125 homes in 12 townships (the figures of an empty year: the pages are as long either way),
then renders each document in a child process of its own, so that the peak resident memory
of rendering (ru_maxrss of that process) is measured separately. Each child renders its
document ``--runs`` + 1 times: the first ("cold") pays WeasyPrint's import and font loading,
the median of the rest is the figure. The baseline, in the same run, is what the field notes
measured: a plain 125-row, 14-column HTML table in the same font, rendered by WeasyPrint
directly.

    .venv/bin/python bench/documents.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, check, machine_line, median, migrate, write_results  # noqa: E402

KINDS = ("baseline", "tally", "posters", "poster")
TARGETS = {"tally": (1.5, "s"), "posters": (10.0, "s")}


def seed() -> None:
    from formsvc import create_app
    from formsvc.extensions import db
    from formsvc.sites.services import create_site

    app = create_app()
    with app.app_context():
        for number in range(125):
            # Open since before the tallied year: a tally lists only the homes open during its period.
            create_site(
                township_name=f"第{number % 12 + 1:02d}镇",
                name=f"第{number:03d}村儿童之家",
                village="新华村",
                opened_on=date(2020, 9, 1),
            )
        db.session.commit()
        db.engine.dispose()


def _baseline_html() -> str:
    cells = "".join(f"<td>{value}</td>" for value in range(12))
    rows = "".join(f"<tr><td>第{n % 12:02d}镇</td><td>第{n:03d}村儿童之家</td>{cells}</tr>" for n in range(125))
    return (
        '<html lang="zh-CN"><head><style>@page { size: A4 landscape; margin: 12mm } '
        "body { font-family: 'Noto Sans CJK SC'; font-size: 8pt } td { border: 0.5pt solid #999 }</style></head>"
        f"<body><h1>儿童之家活动统计</h1><table>{rows}</table></body></html>"
    )


def render(kind: str) -> bytes:
    """One document, inside an app and request context (as a view would)."""
    if kind == "baseline":
        from weasyprint import HTML

        return HTML(string=_baseline_html()).write_pdf()
    from formsvc.extensions import db
    from formsvc.printables.posters import posters_pdf, sites_for_posters
    from formsvc.tallies.exports import tally_pdf
    from formsvc.tallies.services import compute_tally

    if kind == "tally":
        tally = compute_tally("district", date(2025, 1, 1), date(2025, 12, 31))
        homes = sum(len(block.sites) for block in tally.townships)
        if homes != 125:  # the figure would be an emptier table's
            raise SystemExit(f"the district tally lists {homes} homes, not 125")
        return tally_pdf(tally)
    sites = sites_for_posters()
    body = posters_pdf(sites if kind == "posters" else sites[:1])
    db.session.remove()
    return body


def child(kind: str, runs: int) -> None:
    """In the child process: render ``kind`` runs + 1 times and print the figures as JSON."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from formsvc import create_app

    app = create_app()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        times, size = [], 0
        for _ in range(runs + 1):
            begun = time.perf_counter()
            size = len(render(kind))
            times.append(time.perf_counter() - begun)
    total = time.perf_counter() - started
    print(json.dumps({"cold": times[0], "warm": median(times[1:]), "bytes": size, "total": total}))


def measure(kind: str, runs: int) -> dict:
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, "--runs", str(runs)], stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"rendering {kind} failed")
    figures = json.loads(output.strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="warm renderings; the median is reported")
    parser.add_argument("--json", help="write the figures and targets here for bench/summary.py")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-documents-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir / 'documents.db'}", SECRET_KEY="bench-documents")
    os.environ.setdefault("BASE_URL", "https://etzj.example.gov.cn")
    migrate(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT))
    seed()
    print(machine_line())
    print(f"documents bench · WeasyPrint · 125 homes · cold = first rendering, warm = median of {args.runs}")
    figures = {kind: measure(kind, args.runs) for kind in KINDS}
    for kind, item in figures.items():
        print(
            f"  {kind:<9} cold {item['cold']:6.2f} s   warm {item['warm']:6.2f} s   {item['bytes'] / 1024:7.0f} KB   "
            f"peak memory {item['peak_mb']:5.0f} MB"
        )
    base = f"plain 125-row table {figures['baseline']['warm']:.2f} s"
    checks = [
        check("tally PDF, 125 homes (warm)", round(figures["tally"]["warm"], 2), "s", "≤ 1.5 s",
              figures["tally"]["warm"] <= 1.5, base, f"cold {figures['tally']['cold']:.2f} s"),
        check("125 posters in one PDF (warm)", round(figures["posters"]["warm"], 2), "s", "≤ 10 s",
              figures["posters"]["warm"] <= 10, base, f"cold {figures['posters']['cold']:.2f} s"),
        check("one-page poster size", round(figures["poster"]["bytes"] / 1024), "KB", "≤ 250 KB",
              figures["poster"]["bytes"] <= 250 * 1024, "", f"{figures['poster']['warm']:.2f} s"),
        check("peak memory of a rendering process", round(max(f["peak_mb"] for f in figures.values())), "MB",
              "reported", True, f"baseline process {figures['baseline']['peak_mb']:.0f} MB"),
    ]  # fmt: skip
    write_results(args.json, "documents", checks)
    ok = all(item["ok"] for item in checks)
    print("  OK" if ok else "  NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
