"""Sign-in throughput: the poster page, the form and complete sign-ins under wrk, against a bare Flask.

A benchmark, not a unit test. For each engine it makes a fresh database (a SQLite file in a
temporary directory, or the PostgreSQL database ``formsvc_bench_signin``, dropped afterwards),
seeds 20 Children's Homes with today's daily opening and a parent training, and starts the
app under gunicorn exactly as the README runs it in production (``--workers 2 --threads 4``)
on a free loopback port. In the same run the same gunicorn configuration serves
``bench/hello_app.py``, a bare Flask "hello": the ceiling. Then wrk drives, at each
concurrency (50 and 200 connections, 2 wrk threads):

- hello: ``GET /`` of the bare app;
- (a) the site page behind the poster QR, ``GET /s/<token>``;
- (b) the child sign-in form, ``GET /a/<token>/child`` without cookies — a new phone each time;
  bench/wrk/harvest.lua keeps each answer's session cookie, csrf_token and nonce;
- (c) complete sign-ins: bench/wrk/signin.lua POSTs each harvested form once, with a distinct
  child's name (a new child for the manager to review, plus the attendance).

Each is run ``--runs`` times for ``--duration`` seconds; medians are reported. Afterwards the
database must hold exactly one attendance per successful POST (302 to a receipt), with no
duplicate, and the server log no "database is locked". The client's CPU (wrk's user+system
time over the wall time) is printed beside each figure. The resident memory of each worker
is read from /proc after the run, and its memory map is searched for Pango (what WeasyPrint
loads).

Rate limits stay on. Every request comes from 127.0.0.1, so the per-address outer bound
(600/minute in production) would stop the bench at once: the bench server gets
``RATELIMIT_SIGNIN_PER_IP=1000000/minute``; the per-phone limit keeps its production value
(each harvested session sends one form). The daily opening's window is set to
00:00–23:59 (``DAILY_OPENS``/``DAILY_CLOSES``) so the bench runs at any hour.

    .venv/bin/python bench/signin.py                  # both engines
    .venv/bin/python bench/signin.py --db sqlite --duration 5 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, check, drop_postgres, fresh_postgres, machine_line, median, migrate, write_results  # noqa: E402
from lecture import free_port, start_gunicorn, stop  # noqa: E402

PG_DB = "formsvc_bench_signin"
WRK_THREADS = 2
RESULT_RE = re.compile(r"(\w+)=(\d+)")


def seed(sites: int) -> dict:
    """Sites with today's daily opening (children) and a parent training (guardians), open now."""
    from datetime import datetime, timedelta

    from formsvc import create_app
    from formsvc.activities.models import ActivityKind
    from formsvc.activities.services import schedule_activity, todays_activities
    from formsvc.extensions import db
    from formsvc.sites.services import create_site
    from formsvc.timeutil import local_today, to_local

    app = create_app()
    with app.app_context():
        now = to_local(datetime.now().astimezone())
        opens = max(now - timedelta(minutes=30), now.replace(hour=0, minute=0))
        closes = min(now + timedelta(hours=3), now.replace(hour=23, minute=59))
        tokens = []
        for number in range(sites):
            site = create_site(township_name=f"压测{number % 4}镇", name=f"压测{number:02d}村儿童之家")
            schedule_activity(
                site,
                kind=ActivityKind.PARENT_TRAINING,
                title="家庭教育讲座",
                day=local_today(),
                opens=opens.strftime("%H:%M"),
                closes=closes.strftime("%H:%M"),
                for_guardians=True,
            )
            open_now, _later = todays_activities(site, local_today())
            daily = next(activity for activity in open_now if activity.kind == ActivityKind.DAILY)
            tokens.append((site.public_token, daily.public_token))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"app": app, "tokens": tokens}


def count_rows(app) -> tuple[int, int]:
    """Attendances stored, and distinct children among them."""
    from sqlalchemy import func, select

    from formsvc.attendance.models import Attendance
    from formsvc.extensions import db

    with app.app_context():
        rows = db.session.execute(select(func.count()).select_from(Attendance)).scalar_one()
        children = db.session.execute(select(func.count(func.distinct(Attendance.child_id)))).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return rows, children


def wrk(url: str, connections: int, duration: int, script: str, *args: str) -> dict:
    """One wrk run: req/s, p50/p99 (ms), errors, the script's counters and the client's CPU share."""
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s"]
    command += ["-s", str(BENCH / "wrk" / script), url]
    if args:
        command += ["--", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / wall
    result = {key: int(value) for line in output.splitlines() if line.startswith("RESULT") for key, value in
              RESULT_RE.findall(line)}  # fmt: skip
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "requests": int(requests.group(1)) if requests else 0,
        "p50": result.get("p50_us", 0) / 1000,
        "p99": result.get("p99_us", 0) / 1000,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
        "client_cpu": cpu,
        **{key: value for key, value in result.items() if not key.endswith("_us")},
    }


def resend(port: int, form_path: str, workdir: Path) -> tuple[int, int]:
    """Send every form wrk sent once more; each must answer with its receipt and store nothing new."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    from phones import Phone

    lines = [line for path in workdir.glob("sent-*.txt") for line in path.read_text().splitlines() if line]

    def again(line: str) -> bool:
        session, csrf, nonce, name = line.split("\t")
        phone = Phone(port, dict([session.split("=", 1)]))
        body = urlencode({"csrf_token": csrf, "nonce": nonce, "child_name": name, "consent": "y"}).encode()
        try:
            status, headers, _text, _elapsed = phone.request("POST", form_path, body)
        finally:
            phone.close()
        return status == 302 and headers.get("Location", "").startswith("/r/")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = sum(pool.map(again, lines))
    return len(lines), answered


def worker_memory(master: int) -> list[tuple[int, float, bool]]:
    """(pid, resident MB, Pango mapped) of each gunicorn worker of ``master``."""
    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) != master:
            continue
        pid = int(status.parent.name)
        rss = int(fields["VmRSS"].split()[0]) / 1024
        maps = (status.parent / "maps").read_text()
        workers.append((pid, rss, "libpango" in maps))
    return workers


def summarise(label: str, runs: list[dict]) -> dict:
    figures = {key: median([run[key] for run in runs]) for key in ("rps", "p50", "p99", "client_cpu")}
    figures["errors"] = sum(run["errors"] for run in runs)
    figures["runs"] = runs
    print(
        f"  {label:<34} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   p99 {figures['p99']:6.1f} ms   "
        f"errors {figures['errors']}   client CPU {figures['client_cpu']:.2f} cores"
    )
    return figures


def run_engine(engine: str, args) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-signin-"))
    url = f"sqlite:///{workdir / 'bench.db'}" if engine == "sqlite" else fresh_postgres(PG_DB)
    port, hello_port = free_port(), free_port()
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        BASE_URL=f"http://127.0.0.1:{port}",
        FLASK_APP="app",
        RATELIMIT_SIGNIN_PER_IP="1000000/minute",
        RATELIMIT_SCAN_PER_IP="1000000/minute",
        DAILY_OPENS="00:00",
        DAILY_CLOSES="23:59",
    )
    os.environ.pop("RATELIMIT_STORAGE_URI", None)
    if args.ratelimit_storage:
        os.environ["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    sys.path.insert(0, str(ROOT))
    migrate(url)
    seeded = seed(20)
    server = start_gunicorn(port, args.workers, args.threads, workdir / "gunicorn.log")
    hello = start_gunicorn(hello_port, args.workers, args.threads, workdir / "hello.log", "hello_app:app", BENCH)
    checks, successes, memory = [], 0, []
    print(f"sign-in bench · {engine} · gunicorn {args.workers} workers × {args.threads} threads · wrk {WRK_THREADS} "
          f"threads · {args.runs} runs × {args.duration} s, medians")  # fmt: skip
    try:
        site_token, daily_token = seeded["tokens"][0]
        base, form_path = f"http://127.0.0.1:{port}", f"/a/{daily_token}/child"
        for connections in args.connections:
            forms = workdir / f"forms-{connections}"
            hello_runs, site_runs, form_runs, post_runs = [], [], [], []
            for run in range(args.runs):
                hello_runs.append(wrk(f"http://127.0.0.1:{hello_port}/", connections, args.duration, "get.lua"))
                site_runs.append(wrk(f"{base}/s/{site_token}", connections, args.duration, "get.lua"))
                form_runs.append(wrk(base + form_path, connections, args.duration, "harvest.lua", f"{forms}-{run}"))
            pool = workdir / f"pool-{connections}.txt"
            with open(pool, "w") as output:
                for harvested in sorted(workdir.glob(f"forms-{connections}-*.txt")):
                    output.write(harvested.read_text())
            available = sum(1 for _ in open(pool))
            first = 0
            for run in range(args.runs):
                result = wrk(base + form_path, connections, args.duration, "signin.lua", str(pool), str(first),
                             f"压{engine[0]}{connections}r{run}t", str(WRK_THREADS),
                             # one log per wrk run: each run's threads open theirs afresh
                             str(workdir / f"sent-{connections}-{run}"))  # fmt: skip
                first += WRK_THREADS * result["used"]  # never reuse a form, whatever a thread took
                post_runs.append(result)
            successes += sum(run["ok"] for run in post_runs)
            exhausted = sum(run.get("exhausted", 0) for run in post_runs)
            refused = sum(run.get("other", 0) for run in post_runs)
            print(f" {connections} connections ({available} harvested forms; exhausted {exhausted})")
            ceiling = summarise("hello (bare Flask, the ceiling)", hello_runs)
            site = summarise("(a) site page GET", site_runs)
            form = summarise("(b) sign-in form GET", form_runs)
            post = summarise("(c) complete sign-in POST", post_runs)
            post["errors"] += refused + exhausted
            checks += _checks(engine, connections, ceiling, site, form, post)
        time.sleep(1)
        memory = worker_memory(server.pid)
        sent, resent_ok = resend(port, form_path, workdir)
        print(f"  resent every form once more (a lost answer): {resent_ok} of {sent} got their receipt again")
    finally:
        stop(server)
        stop(hello)
    log = (workdir / "gunicorn.log").read_text(errors="replace")
    locked = log.count("database is locked")
    rows, children = count_rows(seeded["app"])
    if engine == "postgresql":
        drop_postgres(PG_DB)
    print(f"  successful sign-ins {successes} (+ in flight when wrk stopped)   forms sent {sent}   rows {rows}   "
          f"children {children}   'database is locked' {locked}")  # fmt: skip
    for pid, rss, pango in memory:
        print(f"  worker {pid}: {rss:.0f} MB resident; Pango (WeasyPrint) loaded: {'yes' if pango else 'no'}")
    same = rows == sent == children == resent_ok and successes <= rows and locked == 0
    checks.append(check(f"rows == forms sent · {engine}", rows, "rows", f"= {sent} sent ({successes} answered)",
                        same, note=f"no duplicate; 'database is locked' {locked}"))  # fmt: skip
    largest = max((rss for _pid, rss, _pango in memory), default=0.0)
    checks.append(check(f"worker memory after the bench · {engine}", round(largest), "MB", "≤ 150 MB",
                        0 < largest <= 150 and not any(pango for *_rest, pango in memory),
                        note="no WeasyPrint (Pango) in the worker"))  # fmt: skip
    shutil.rmtree(workdir, ignore_errors=True)
    return checks


def _checks(engine, connections, ceiling, site, form, post) -> list[dict]:
    where = f"{engine} · {connections} conns"
    hello = f"hello {ceiling['rps']:.0f} req/s"
    rows = [
        check(f"(a) site page GET · {where}", round(site["rps"]), "req/s", "–", site["errors"] == 0, hello,
              f"p50 {site['p50']:.1f} ms, p99 {site['p99']:.1f} ms"),
        check(f"(b) form GET · {where}", round(form["rps"]), "req/s", "≥ 0.5× hello",
              form["rps"] >= 0.5 * ceiling["rps"] and form["errors"] == 0, hello,
              f"{form['rps'] / ceiling['rps']:.2f}×, p50 {form['p50']:.1f} ms, p99 {form['p99']:.1f} ms"),
        check(f"(c) sign-in POST · {where}", round(post["rps"]), "req/s", "≥ 0.3× hello",
              post["rps"] >= 0.3 * ceiling["rps"] and post["errors"] == 0, hello,
              f"{post['rps'] / ceiling['rps']:.2f}×, p50 {post['p50']:.1f} ms, p99 {post['p99']:.1f} ms, "
              f"errors {post['errors']}"),
    ]  # fmt: skip
    if connections == 50:
        worst = max(site["p99"], form["p99"], post["p99"])
        rows.append(check(f"p99 of (a), (b), (c) · {where}", round(worst, 1), "ms", "< 100 ms", worst < 100))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--connections", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ratelimit-storage", default="", help="e.g. redis://127.0.0.1:6379/7; memory if empty")
    parser.add_argument("--json", help="write the figures and targets here for bench/summary.py")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk")
        return 2
    print(machine_line())
    checks = []
    for engine in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        checks += run_engine(engine, args)
    write_results(args.json, "signin", checks)
    ok = all(item["ok"] for item in checks)
    print("  OK" if ok else "  NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
