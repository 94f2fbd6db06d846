"""Start-up: the cold start of the app, and what a sign-in worker has imported after a sign-in.

Cold start is ``python -c 'from formsvc import create_app; create_app()'`` in a new process,
timed from outside, median of ``--runs``; the baseline in the same run is ``python -c 'import
flask'`` (the interpreter and Flask alone). Then one process signs a child in through the
test client (site page, form, POST) and lists which of WeasyPrint and openpyxl it imported.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, check, machine_line, median, migrate, write_results  # noqa: E402

SIGN_IN = """
import re, sys
from formsvc import create_app
from formsvc.activities.models import ActivityKind
from formsvc.activities.services import todays_activities
from formsvc.extensions import db
from formsvc.sites.services import create_site
from formsvc.timeutil import local_today
app = create_app({"WTF_CSRF_ENABLED": False})
with app.app_context():
    site = create_site(township_name="城关镇", name="新华村儿童之家")
    token = site.public_token
    todays_activities(site, local_today())
    db.session.commit()
client = app.test_client()
page = client.get("/s/" + token, follow_redirects=True).data.decode()
form = re.search(r'action="([^"]*/child)"', page) or re.search(r"(/a/[^/\\"]+/child)", page)
path = form.group(1)
page = client.get(path).data.decode()
nonce = re.search(r'name="nonce"[^>]*value="([^"]+)"', page).group(1)
answer = client.post(path, data={"nonce": nonce, "child_name": "王小明", "consent": "y"})
assert answer.status_code == 302 and "/r/" in answer.headers["Location"], answer.status_code
print(",".join(name for name in ("weasyprint", "openpyxl") if name in sys.modules) or "none")
"""


def timed(code: str, runs: int) -> float:
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
        values.append(time.perf_counter() - started)
    return median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="formsvc-startup-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir / 'startup.db'}", SECRET_KEY="bench-startup")
    os.environ.update(DAILY_OPENS="00:00", DAILY_CLOSES="23:59")
    migrate(os.environ["DATABASE_URL"])
    print(machine_line())
    flask = timed("import flask", args.runs)
    app = timed("from formsvc import create_app; create_app()", args.runs)
    loaded = subprocess.run(
        [sys.executable, "-c", SIGN_IN], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"startup bench · median of {args.runs} new processes")
    print(f"  create_app()        {app:.2f} s   (baseline: python -c 'import flask' {flask:.2f} s)")
    print(f"  after a sign-in the worker has imported: {loaded} (of weasyprint, openpyxl)")
    checks = [
        check("cold start: create_app()", round(app, 2), "s", "≤ 1 s", app <= 1.0, f"import flask {flask:.2f} s"),
        check("sign-in imports WeasyPrint/openpyxl", 0 if loaded == "none" else 1, "", "none", loaded == "none",
              note=f"imported: {loaded}"),
    ]  # fmt: skip
    write_results(args.json, "startup", checks)
    ok = all(item["ok"] for item in checks)
    print("  OK" if ok else "  NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
