"""Load test of lecture mode: 500 guardians sign in through the changing QR code within 60 s.

A benchmark, not a unit test. It starts the app under gunicorn on a free loopback port with a
fresh database (a SQLite file in a temporary directory, or the PostgreSQL database
``formsvc_bench`` on 127.0.0.1, dropped afterwards), seeds one Children's Home with a lecture
that needs the rotating code, and signs in its manager, whose "projector" polls the kiosk state
for the code on the screen. Then every guardian, on a phone of its own (own connection, own
cookies), scans the current code, opens the form and sends it: GET /k/… → GET form → POST.
10% of them double-tap (the same POST twice at once) and 5% lose the response (the connection
drops right after sending; the phone sends the same form again). The baseline, measured
against the same server in the same run, is as many GET /healthz at the same concurrency.

    .venv/bin/python bench/lecture.py --db sqlite
    .venv/bin/python bench/lecture.py --db postgresql

All traffic goes to 127.0.0.1; every loop and wait is bounded and the script stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from phones import HOST, Phone, Results, describe, hidden_fields

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "formsvc_bench"
DEADLINE = 300  # seconds: the whole sign-in phase gives up after this, whatever happens


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    return f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


def seed(password: str) -> dict:
    """One home, one lecture open now that needs the rotating code, one manager."""
    from formsvc import create_app
    from formsvc.accounts.models import Role
    from formsvc.accounts.services import create_user
    from formsvc.activities.models import ActivityKind
    from formsvc.activities.services import schedule_activity
    from formsvc.extensions import db
    from formsvc.sites.services import create_site
    from formsvc.timeutil import local_today, to_local

    app = create_app()
    with app.app_context():
        now = to_local(datetime.now().astimezone())
        opens = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0))
        closes = min(now + timedelta(hours=2), now.replace(hour=23, minute=59))
        site = create_site(township_name="城关镇", name="讲座测试儿童之家", village="新华村")
        lecture = schedule_activity(
            site,
            kind=ActivityKind.PARENT_TRAINING,
            title="家庭教育讲座（压力测试）",
            day=local_today(),
            opens=opens.strftime("%H:%M"),
            closes=closes.strftime("%H:%M"),
            for_guardians=True,
            rotating_code=True,
        )
        create_user(username="bench", password=password, role=Role.MANAGER, site_ids=[site.id])
        db.session.commit()
        return {"app": app, "activity_id": lecture.id}


def count_rows(app, activity_id: int) -> tuple[int, int, int]:
    """Sign-ins stored, distinct people among them, and submissions (one per form sent)."""
    from sqlalchemy import func, select

    from formsvc.attendance.models import AdultSignIn, Submission
    from formsvc.extensions import db

    with app.app_context():
        active = (AdultSignIn.activity_id == activity_id, AdultSignIn.voided_at.is_(None))
        rows = db.session.execute(select(func.count()).where(*active)).scalar_one()
        people = db.session.execute(select(func.count(func.distinct(AdultSignIn.name_key))).where(*active)).scalar_one()
        submissions = db.session.execute(select(func.count()).select_from(Submission)).scalar_one()
        db.session.remove()
        db.engine.dispose()
        return rows, people, submissions


def start_gunicorn(
    port: int, workers: int, threads: int, log: Path, target: str = "app:app", cwd: Path = ROOT
) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        target,
    ]
    with open(log, "wb") as output:
        server = subprocess.Popen(command, cwd=cwd, env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            status, _headers, _text, _elapsed = Phone(port).request("GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# --- the run -------------------------------------------------------------------------------


class Projector(threading.Thread):
    """The manager's screen: polls the kiosk state once a second and keeps the latest code."""

    def __init__(self, port: int, activity_id: int, password: str):
        super().__init__(name="projector", daemon=True)
        self.phone = Phone(port)
        self.state_path = f"/admin/activities/{activity_id}/kiosk.json"
        self.password = password
        self.code_path: str | None = None
        self.stopped = threading.Event()
        self.failures = 0

    def log_in(self) -> None:
        _status, _headers, page, _elapsed = self.phone.request("GET", "/admin/login")
        fields = hidden_fields(page)
        fields.update(username="bench", password=self.password)
        status, _headers, _text, _elapsed = self.phone.request("POST", "/admin/login", urlencode(fields).encode())
        if status != 302:
            raise SystemExit(f"the bench manager could not log in (HTTP {status})")
        self.refresh()

    def refresh(self) -> None:
        status, _headers, text, _elapsed = self.phone.request("GET", self.state_path)
        if status != 200:
            self.failures += 1
            return
        self.code_path = urlsplit(json.loads(text)["url"]).path

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            try:
                self.refresh()
            except OSError:
                self.failures += 1
                self.phone.close()


def guardian(number: int, port: int, projector: Projector, results: Results, plan: str) -> None:
    phone = Phone(port)
    try:
        status, headers, text, elapsed = phone.request("GET", projector.code_path)
        results.timing("scan", elapsed)
        if status != 302:
            return results.error(f"guardian {number}: scan answered {status}")
        form_path = urlsplit(headers["Location"]).path
        status, _headers, text, elapsed = phone.request("GET", form_path)
        results.timing("form", elapsed)
        fields = hidden_fields(text)
        if status != 200 or "nonce" not in fields:
            return results.error(f"guardian {number}: form answered {status} without a form")
        fields.update(name=f"家长{number:04d}", relation="mother", village="新华村", phone="", child_name="")
        body = urlencode(fields).encode()
        if plan == "resend":
            phone.send_and_drop(form_path, body)
        if plan == "double":
            twin = Phone(port, phone.cookies)
            with ThreadPoolExecutor(max_workers=2) as taps:
                answers = list(taps.map(lambda device: device.request("POST", form_path, body), (phone, twin)))
            twin.close()
        else:
            answers = [phone.request("POST", form_path, body)]
        for status, headers, _text, elapsed in answers:
            results.timing("post", elapsed)
            if status != 302 or not headers.get("Location", "").startswith("/r/"):
                return results.error(f"guardian {number}: sign-in answered {status}")
        if len({headers["Location"] for _status, headers, _text, _elapsed in answers}) != 1:
            return results.error(f"guardian {number}: a double tap got two different receipts")
        results.success()
    except Exception as error:  # counted, never fatal: the run goes on
        results.error(f"guardian {number}: {error.__class__.__name__}: {error}")
    finally:
        phone.close()


def run_sign_ins(port, projector, count, concurrency, spread, seed_value) -> tuple[Results, float, int]:
    rng = random.Random(seed_value)
    plans = ["double"] * (count // 10) + ["resend"] * (count // 20)
    plans += ["plain"] * (count - len(plans))
    rng.shuffle(plans)
    results = Results()
    started = time.perf_counter()

    def arrive(number: int) -> None:
        delay = started + number * spread / count - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if time.perf_counter() - started < DEADLINE:
            guardian(number, port, projector, results, plans[number])

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(arrive, range(count)))
    requests = 3 * count + plans.count("double") + plans.count("resend")
    return results, time.perf_counter() - started, requests


def run_baseline(port: int, requests: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    share, rest = divmod(requests, concurrency)
    per_client = [share + (1 if index < rest else 0) for index in range(concurrency)]

    def client(share: int) -> None:
        nonlocal failures
        phone = Phone(port)
        for _ in range(share):
            try:
                status, _headers, _text, elapsed = phone.request("GET", "/healthz")
            except OSError:
                status, elapsed = 0, 0.0
                phone.close()
            with lock:
                latencies.append(elapsed)
                failures += status != 200
        phone.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(client, per_client))
    return latencies, time.perf_counter() - started, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--guardians", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50, help="phones talking at the same moment")
    parser.add_argument("--spread", type=float, default=0.0, help="arrivals spread over this many seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ratelimit-storage", default="", help="e.g. redis://127.0.0.1:6379/6; memory if empty")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="formsvc-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}" if args.db == "sqlite" else fresh_postgres()
    port = free_port()
    password = secrets.token_urlsafe(12)
    os.environ.update(
        DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(32), BASE_URL=f"http://{HOST}:{port}", FLASK_APP="app"
    )
    os.environ.pop("RATELIMIT_STORAGE_URI", None)
    if args.ratelimit_storage:
        os.environ["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    sys.path.insert(0, str(ROOT))
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, check=True, capture_output=True, timeout=120)
    seeded = seed(password)
    server = start_gunicorn(port, args.workers, args.threads, workdir / "gunicorn.log")
    projector = Projector(port, seeded["activity_id"], password)
    try:
        projector.log_in()
        projector.start()
        results, elapsed, requests = run_sign_ins(
            port, projector, args.guardians, args.concurrency, args.spread, args.seed
        )
        baseline, baseline_elapsed, baseline_failures = run_baseline(port, requests, args.concurrency)
    finally:
        projector.stopped.set()
        projector.join(timeout=5)
        stop(server)
    rows, people, submissions = count_rows(seeded["app"], seeded["activity_id"])
    if args.db == "postgresql":
        drop_postgres()

    every = [value for values in results.latencies.values() for value in values]
    storage = args.ratelimit_storage or "memory (per worker)"
    print(f"lecture mode bench · {args.db} · gunicorn {args.workers} workers × {args.threads} threads · {storage}")
    print(f"  {args.guardians} guardians, {args.concurrency} at a time, 10% double taps, 5% resends (answer lost)")
    print(f"  sign-in phase   {elapsed:6.1f} s   {requests} requests   {requests / elapsed:7.1f} req/s")
    for kind, values in results.latencies.items():
        print(f"    {kind:<5} {len(values):5d} requests   {describe(values)}")
    print(f"    all   {len(every):5d} requests   {describe(every)}")
    print(
        f"  baseline        {baseline_elapsed:6.1f} s   {len(baseline)} × GET /healthz   "
        f"{len(baseline) / baseline_elapsed:7.1f} req/s   {describe(baseline)}   failures {baseline_failures}"
    )
    print(f"  successes {results.successes}   rows {rows}   people {people}   submissions {submissions}")
    print(
        f"  duplicates {rows - people}   errors {len(results.errors)} (429: {results.limited})   "
        f"projector failures {projector.failures}"
    )
    for message in results.errors[:10]:
        print(f"    {message}")
    ok = (
        not results.errors
        and rows == people == results.successes == args.guardians
        and elapsed <= 60
        and baseline_failures == 0
    )
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
        print("  OK")
        return 0
    print(f"  NOT OK (database and gunicorn log kept in {workdir})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
