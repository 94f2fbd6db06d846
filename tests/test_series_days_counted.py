"""A tally counts a repeating series' days without making their rows: viewing it writes nothing.

It made them before counting (so its figure did not depend on which days someone had
opened): a read-only viewer's page view wrote to the database, and a district's first view
of a year made thousands of rows. The days with no row are now counted from the series'
schedule, by the same selection ``make_series_days`` makes them from; the figures are the
ones the tally gave after making the rows.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

import pytest
from sqlalchemy import event, func, select

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.series import make_series_days, stop_repeating, stop_repeating_at
from formsvc.activities.services import ActivityPlan, activities_on, edit_activity, schedule
from formsvc.attendance.models import Attendance, Source
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.tallies.services import compute_tally
from formsvc.timeutil import date_range
from tests.conftest import clock_stopped_at, local, login, page_text

# A Friday at noon: today's 19:00 series day has not started yet.
frozen_noon = clock_stopped_at(local(2026, 11, 27, 12, 0))
TODAY = date(2026, 11, 27)


def _series(site_id: int, kind: str, weekdays: str, starts_on: date, opens: int, until: date | None = None):
    plan = ActivityPlan(
        kind=ActivityKind(kind),
        title=f"{kind}-{weekdays}",
        day=starts_on,
        opens=time(opens),
        closes=time(opens + 1),
        for_children=True,
        weekdays=weekdays,
        until=until,
    )
    return schedule(plan, [db.session.get(Site, site_id)])[0]


@pytest.fixture
def homes(app, make):
    """Series of every shape at five homes in two townships; a few of their days already made."""
    sites = {
        "a": make.site("新华村儿童之家", "城关镇"),
        "b": make.site("河西村儿童之家", "城关镇"),
        "c": make.site("那坡村儿童之家", "那坡乡"),
        "d": make.site("百合村儿童之家", "那坡乡"),
        # closed before homes' series were stopped on closing: its series still runs
        "e": make.site("龙湾村儿童之家", "那坡乡", active=False),
    }
    child = make.child(sites["b"], "王小明")
    with app.app_context():
        ids = {key: site["id"] for key, site in sites.items()}
        _series(ids["a"], "volunteer", "135", date(2026, 10, 5), 16)
        _series(ids["a"], "parent_training", "6", date(2026, 10, 3), 9, until=date(2026, 11, 14))
        _series(ids["a"], "festival", "1234567", date(2026, 12, 1), 10)  # not begun
        weekday_evenings = _series(ids["b"], "other", "12345", date(2026, 11, 2), 19)  # today's not started
        stopped = _series(ids["c"], "festival", "7", date(2026, 10, 4), 15)
        _series(ids["d"], "parent_training", "246", date(2026, 10, 6), 9)
        _series(ids["e"], "visit", "23", date(2026, 10, 6), 14)
        db.session.flush()
        # days a day view opened; one of them with a roll-call, one cancelled, one moved away
        site_b = db.session.get(Site, ids["b"])
        for day in (date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 10)):
            activities_on(site_b, day)
        day_of = {a.on_date: a for a in db.session.scalars(select(Activity).where(Activity.series_id.isnot(None)))}
        db.session.add(Attendance(activity_id=day_of[date(2026, 11, 3)].id, child_id=child, source=Source.ROLL_CALL))
        day_of[date(2026, 11, 4)].cancelled = True
        edit_activity(
            day_of[date(2026, 11, 10)],
            day=date(2026, 11, 14),
            title=weekday_evenings.title,
            opens=time(10),
            closes=time(11),
            for_children=True,
            for_guardians=False,
            for_volunteers=False,
        )
        stop_repeating(stopped, date(2026, 11, 8))
        site_d = db.session.get(Site, ids["d"])
        site_d.active = False  # the home closed on 12 November, as the sites page does it
        stop_repeating_at(site_d, date(2026, 11, 12))
        db.session.commit()
    return sites


TALLIES = [
    ("district", date(2026, 1, 1), date(2026, 12, 31)),
    ("district", date(2026, 10, 1), date(2026, 10, 31)),
    ("district", date(2026, 11, 1), date(2026, 11, 30)),
    ("district", date(2026, 12, 1), date(2026, 12, 31)),  # to come: nothing held
    ("township:a", date(2026, 11, 1), date(2026, 11, 30)),
    ("township:c", date(2026, 10, 1), date(2026, 12, 31)),
    ("site:b", date(2026, 11, 1), date(2026, 11, 30)),
    ("site:e", date(2026, 10, 1), date(2026, 12, 31)),
    ("site:a", TODAY, TODAY),
]


def _scope(text: str, homes: dict) -> str:
    """``site:b`` is home b, ``township:c`` the township of home c."""
    kind, _sep, key = text.partition(":")
    if kind == "site":
        return f"site:{homes[key]['id']}"
    if kind == "township":
        return f"township:{homes[key]['township_id']}"
    return text


def _activity_rows() -> int:
    return db.session.execute(select(func.count()).select_from(Activity)).scalar_one()


@contextmanager
def no_writes():
    """Fails if a statement that writes reaches the database meanwhile."""
    written = []

    def keep(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"}:
            written.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield written
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert written == []


@pytest.mark.parametrize("hour", [12, 20])  # before and after today's 16:00 and 19:00 series days began
def test_the_tally_counts_unmade_days_as_it_counted_them_made(app, homes, frozen_noon, hour):
    frozen_noon.move_to(local(2026, 11, 27, hour, 0))
    with app.app_context():
        scopes = [(_scope(text, homes), date_from, date_to) for text, date_from, date_to in TALLIES]
        rows_before = _activity_rows()
        with no_writes():
            counted = [compute_tally(*tally) for tally in scopes]
        assert _activity_rows() == rows_before
        every_site = [site["id"] for site in homes.values()]
        made = make_series_days(every_site, date(2026, 1, 1), TODAY)
        db.session.commit()
        assert made > 50  # the rows the old tally made first
        assert [compute_tally(*tally) for tally in scopes] == counted

        by_site = {row.site: row.figures.activities_by_kind for row in counted[0].rows if row.row_type == "site"}
    begun = hour == 20  # today's days of the 16:00 and the 19:00 series
    # counted by hand: Saturdays 3 October to 14 November
    assert by_site["新华村儿童之家"]["parent_training"] == 7
    # weekdays 2 to 26 November and today's once begun, less the cancelled 4th; the 10th moved to the 14th
    assert by_site["河西村儿童之家"]["other"] == 19 - 1 + begun
    assert by_site["那坡村儿童之家"]["festival"] == 6  # Sundays 4 October to 8 November, then stopped
    assert by_site["龙湾村儿童之家"]["visit"] == 16  # Tuesdays and Wednesdays from 6 October, closed or not
    # and Mondays, Wednesdays and Fridays from 5 October, today's once begun; none of December's series
    assert sum(by_site["新华村儿童之家"].values()) == 7 + 23 + begun


def test_a_viewers_tally_page_writes_nothing(app, homes):
    with app.app_context():
        township = homes["a"]["township_id"]
        create_user(username="viewer", password="secret-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=township)
        db.session.commit()
    client = app.test_client()
    login(client, {"username": "viewer", "password": "secret-pass-1"})
    with app.app_context():
        rows_before = _activity_rows()
        with no_writes():
            page = client.get(f"/admin/tallies?scope=township:{homes['a']['township_id']}&period=2026-11")
        assert _activity_rows() == rows_before
    assert page.status_code == 200 and "河西村儿童之家" in page_text(page.data)


@pytest.mark.parametrize(
    ("weekdays", "starts_on", "ends_on", "stopped"),
    [
        ("12345", date(2026, 11, 2), None, False),
        ("6", date(2026, 10, 3), date(2026, 11, 14), False),
        ("7", date(2026, 12, 20), None, False),  # begins after the span
        ("246", date(2026, 9, 1), date(2026, 9, 30), False),  # ended before it
        ("1234567", date(2026, 10, 6), None, True),
    ],
)
def test_run_days_are_the_days_runs_on_says(weekdays, starts_on, ends_on, stopped):
    series = ActivitySeries(weekdays=weekdays, starts_on=starts_on, ends_on=ends_on, stopped=stopped)
    first, last = date(2026, 10, 1), date(2026, 12, 31)
    assert series.run_days(first, last) == [day for day in date_range(first, last) if series.runs_on(day)]
