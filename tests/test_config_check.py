"""Settings the service cannot run with stop it at start, naming the variable.

QA (ops): RETENTION=30x, TIMEZONE=Mars/Olympus or DAILY_OPENS=7am started without a word, then
answered 500 on the sign-in pages; BASE_URL without http(s):// printed QR codes a phone reads
as text; PROXY_COUNT=one stopped it with a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from formsvc import create_app
from formsvc.config import ConfigError, from_environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("RETENTION", "30x"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DAILY_OPENS", "7am"),
        ("DAILY_CLOSES", "25:00"),
        ("BASE_URL", "etzj.example.gov.cn"),
        ("BASE_URL", " https://etzj.example.gov.cn"),
        ("RATELIMIT_SIGNIN_PER_DEVICE", "lots"),
        ("RATELIMIT_STORAGE_URI", "memcached://127.0.0.1"),
    ],
)
def test_a_bad_setting_stops_the_start_and_is_named(setting, value):
    with pytest.raises(ConfigError, match=f"^{setting}="):
        create_app({setting: value})


def test_the_daily_opening_must_close_after_it_opens():
    with pytest.raises(ConfigError, match="DAILY_CLOSES='07:00': a time later than DAILY_OPENS"):
        create_app({"DAILY_OPENS": "09:00", "DAILY_CLOSES": "07:00"})


def test_every_bad_setting_is_named_at_once():
    with pytest.raises(ConfigError) as refused:
        create_app({"RETENTION": "forever", "TIMEZONE": "Mars/Olympus"})
    assert "RETENTION='forever'" in str(refused.value) and "TIMEZONE='Mars/Olympus'" in str(refused.value)


def test_a_number_setting_that_is_not_a_number(monkeypatch, tmp_path):
    monkeypatch.setenv("PROXY_COUNT", "one")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="PROXY_COUNT='one': a whole number"):
        from_environment(tmp_path)


def test_the_server_says_why_in_one_line_without_a_traceback(tmp_path):
    environment = {**os.environ, "RETENTION": "30x", "SECRET_KEY": "x" * 40}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    started = subprocess.run(
        [sys.executable, "-c", "import app"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 3  # gunicorn halts on it rather than booting workers for ever
    assert started.stderr.strip() == "formsvc cannot start: RETENTION='30x': a number and y, m or d, e.g. 3y"


def test_gunicorn_stops_instead_of_booting_workers_for_ever(tmp_path):
    """QA: with sys.exit(1) gunicorn booted a new worker again and again; nginx answered 502."""
    environment = {**os.environ, "TIMEZONE": "Mars/Base", "SECRET_KEY": "x" * 40}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    started = subprocess.run(
        [str(gunicorn), "--workers", "2", "--bind", "127.0.0.1:0", "app:app"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # It stopped (run() returned, not the timeout) and said why: the workers' boot error (3).
    # gunicorn exits with 3, or with 1 when the dead worker is reaped while the arbiter is still
    # spawning the others (a busy machine): its HaltServer then carries the 3 in the traceback.
    assert started.returncode == 3 or (
        started.returncode == 1 and "HaltServer: <HaltServer 'Worker failed to boot.' 3>" in started.stderr
    )
    assert "formsvc cannot start: TIMEZONE='Mars/Base'" in started.stderr
