"""Retention purge, login throttling, backups."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from formsvc.activities.models import Activity
from formsvc.attendance.daybook import day_counts
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child
from formsvc.attendance.services import sign_in_adult, sign_in_child
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import new_nonce
from formsvc.privacy.retention import cutoff_before, parse_period
from tests.conftest import form_fields, local, login, page_text


def test_periods():
    assert cutoff_before(date(2026, 11, 27), "3y") == date(2023, 11, 27)
    assert cutoff_before(date(2026, 3, 31), "1m") == date(2026, 2, 28)
    assert cutoff_before(date(2026, 11, 27), "10d") == date(2026, 11, 17)
    for bad in ("", "3", "y", "0y", "3w", "-1y"):
        with pytest.raises(DomainError):
            parse_period(bad)


@pytest.mark.parametrize(
    ("today", "period", "kept_from"),
    [
        (date(2026, 11, 29), "3y", date(2023, 11, 29)),
        (date(2026, 11, 30), "3y", date(2023, 11, 30)),
        (date(2026, 12, 31), "1m", date(2026, 11, 30)),  # no 31 November: the last day instead
        (date(2026, 1, 31), "1m", date(2025, 12, 31)),
        (date(2026, 5, 31), "3m", date(2026, 2, 28)),
        (date(2028, 2, 29), "1y", date(2027, 2, 28)),  # no 29 February in 2027
        (date(2028, 2, 29), "4y", date(2024, 2, 29)),
        (date(2026, 3, 29), "13m", date(2025, 2, 28)),
        (date(2026, 11, 29), "18m", date(2025, 5, 29)),
    ],
)
def test_the_cutoff_is_the_same_calendar_day(today, period, kept_from):
    assert cutoff_before(today, period) == kept_from


def test_the_privacy_page_names_the_cutoff_day_and_the_period_in_words(app, make):
    admin = make.user("boss", role="admin")
    client = app.test_client()
    with time_machine.travel(local(2026, 11, 29, 10), tick=False):
        login(client, admin)  # in the travelled time: a session signed "later" would not be read
        chinese = page_text(client.get("/admin/privacy/", headers={"Accept-Language": "zh-CN"}).data)
        english = page_text(client.get("/admin/privacy/", headers={"Accept-Language": "en"}).data)
    assert "2023年11月29日" in chinese and "2023年11月28日" not in chinese
    assert "3年" in chinese and "3y" not in chinese
    assert "Nov 29, 2023" in english
    assert "kept for 3 years." in english and "3y" not in english


def test_the_privacy_page_says_in_plain_words_what_the_purge_does_and_who_runs_it(app, make):
    """QA: the page only said "run flask --app app purge on the server", to an admin who has no server."""
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    english = page_text(client.get("/admin/privacy/", headers={"Accept-Language": "en"}).data)
    assert "The purge is not run from this page: whoever looks after the server" in english
    assert "empties the names, phone numbers, villages and other personal details" in english
    assert "every count and tally is unchanged. It cannot be undone" in english
    assert "For the technician, on the server: flask --app app purge — add --dry-run" in english


def _sign_in(app, make, site, day, child, guardian):
    activity = make.activity(site, day=day, opens="08:00", closes="20:00", children=True, guardians=True)
    with app.app_context():
        row = db.session.get(Activity, activity["id"])
        moment = local(day.year, day.month, day.day, 9)
        sign_in_child(row, child_name=child, signed_by=None, nonce=new_nonce(), now=moment)
        sign_in_adult(
            row,
            role=AdultRole.GUARDIAN,
            name=guardian,
            relation=None,
            phone="13812345678",
            village="新华村",
            child_name=child,
            nonce=new_nonce(),
            now=moment,
        )
        db.session.commit()


def test_purge_anonymises_old_records_and_keeps_their_counts(app, make, runner):
    site = make.site()
    with time_machine.travel(local(2022, 5, 1, 9), tick=False):
        _sign_in(app, make, site, date(2022, 5, 1), "老孩子", "老家长")
    with time_machine.travel(local(2026, 11, 27, 9), tick=False):
        _sign_in(app, make, site, date(2026, 11, 27), "新孩子", "新家长")
        with app.app_context():
            before = day_counts([site["id"]], date(2022, 5, 1))[site["id"]]
        dry = runner.invoke(args=["purge", "--older-than", "3y", "--dry-run"])
        assert "1 adult sign-ins, 1 children" in dry.output
        with app.app_context():
            assert db.session.execute(select(func.count()).where(Child.name == "老孩子")).scalar() == 1
        result = runner.invoke(args=["purge", "--older-than", "3y", "--yes"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        names = set(db.session.execute(select(Child.name)).scalars())
        adults = set(db.session.execute(select(AdultSignIn.name)).scalars())
        phones = set(db.session.execute(select(AdultSignIn.phone)).scalars())
        assert names == {"", "新孩子"} and adults == {"", "新家长"} and phones == {"", "13812345678"}
        assert day_counts([site["id"]], date(2022, 5, 1))[site["id"]] == before
        assert db.session.execute(select(func.count(Attendance.id))).scalar() == 2
    again = runner.invoke(args=["purge", "--older-than", "3y", "--dry-run"])
    assert "0 adult sign-ins, 0 children" in again.output


def test_purge_takes_the_names_out_of_old_audit_entries_too(app, make, runner):
    from formsvc.audit.models import AuditEntry
    from formsvc.audit.services import record

    site = make.site()
    with time_machine.travel(local(2022, 5, 1, 9), tick=False), app.app_context():
        record(
            "child.update", site_id=site["id"], target="child:1", before={"name": "老孩子"}, after={"name": "老孩子2"}
        )
        record("entry.void", site_id=site["id"], target="adult_signins:1", reason="老家长写了两次", count=1)
        db.session.commit()
    with time_machine.travel(local(2026, 11, 27, 9), tick=False):
        with app.app_context():
            record("child.update", site_id=site["id"], target="child:2", before={"name": "新孩子"})
            db.session.commit()
        assert runner.invoke(args=["purge", "--older-than", "3y", "--yes"]).exit_code == 0
    with app.app_context():
        entries = {entry.action + entry.target: entry for entry in db.session.execute(select(AuditEntry)).scalars()}
        details = json.dumps([entry.details for entry in entries.values()], ensure_ascii=False)
        assert "老孩子" not in details and "老家长" not in details
        assert entries["entry.voidadult_signins:1"].details["count"] == 1  # what is not personal stays
        assert entries["child.updatechild:2"].details == {"before": {"name": "新孩子"}}  # within the period


def test_login_is_throttled_per_account_without_revealing_accounts(app, make):
    make.user("amy")
    client = app.test_client()
    for username in ("amy", "ghost"):
        for _attempt in range(5):
            fields = form_fields(client.get("/admin/login").data)
            client.post("/admin/login", data={**fields, "username": username, "password": "wrong-wrong"})
        fields = form_fields(client.get("/admin/login").data)
        response = client.post(
            "/admin/login",
            data={**fields, "username": username, "password": "secret-pass-1"},
            headers={"Accept-Language": "en"},
        )
        assert "Too many wrong passwords for this account" in page_text(response.data)


def test_login_is_throttled_per_address(app, make):
    app.config["LOGIN_FAILURES_PER_IP"] = 3
    try:
        make.user("amy")
        client = app.test_client()
        for index in range(3):
            fields = form_fields(client.get("/admin/login").data)
            client.post("/admin/login", data={**fields, "username": f"user{index}", "password": "wrong-wrong"})
        fields = form_fields(client.get("/admin/login").data)
        response = client.post(
            "/admin/login",
            data={**fields, "username": "amy", "password": "secret-pass-1"},
            headers={"Accept-Language": "en"},
        )
        assert "from this network" in page_text(response.data)
    finally:
        app.config["LOGIN_FAILURES_PER_IP"] = 50


def test_backup_under_write_load_then_restore_into_an_empty_database(app, make, runner, tmp_path):
    from formsvc import create_app

    site = make.site()
    activity_id = make.activity(site, day=date(2026, 11, 27), opens="00:00", closes="23:59", guardians=True)["id"]
    stop = threading.Event()
    under_way = threading.Event()

    def writer():
        index = 0
        with app.app_context():
            while not stop.is_set() and index < 400:
                row = db.session.get(Activity, activity_id)
                sign_in_adult(
                    row,
                    role=AdultRole.GUARDIAN,
                    name=f"家长{index}",
                    relation=None,
                    phone="",
                    village="",
                    child_name="",
                    nonce=new_nonce(),
                    now=local(2026, 11, 27, 10),
                )
                db.session.commit()
                index += 1
                if index == 20:
                    under_way.set()
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    assert under_way.wait(timeout=30)
    try:
        out = tmp_path / "backup.bin"
        result = runner.invoke(args=["backup", "--out", str(out)])
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join(timeout=60)

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        from sqlalchemy.engine import make_url

        from tests.conftest import _recreate_postgres_database

        target = make_url(url).set(database=make_url(url).database + "_restore")
        _recreate_postgres_database(target)
        target_url = target.render_as_string(hide_password=False)
    restored = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": target_url})
    restore = restored.test_cli_runner().invoke(args=["restore", str(out)])
    assert restore.exit_code == 0, restore.output
    with app.app_context():
        source_counts = day_counts([site["id"]], date(2026, 11, 27))
    with restored.app_context():
        restored_rows = db.session.execute(select(func.count(AdultSignIn.id))).scalar()
        restored_counts = day_counts([site["id"]], date(2026, 11, 27))
    assert 0 < restored_rows <= source_counts[site["id"]].guardians
    assert restored_counts[site["id"]].guardians == restored_rows
    again = restored.test_cli_runner().invoke(args=["restore", str(out)])
    assert again.exit_code != 0 and "not empty" in again.output
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
