"""A ledger import meeting another writer between its plan and its writes.

A repeating series' day and a home's daily opening are rows made on first need, by the
manager's day view, the poster page or a ledger import, one per (series, day) and per (home,
day) by unique indexes. When the day view made the row after the import planned it, the
import used to stop with "the records changed"; now it finds that row and puts its records
there. When the import wrote first, the day view waits for it and shows the import's row.

An activity cancelled or a child taken off the roster after the plan refuses the file
instead: its records would count where nothing may count.
"""

from __future__ import annotations

from datetime import date
from datetime import time as dt_time

import pytest
from sqlalchemy import func, select

from formsvc.accounts.models import User
from formsvc.activities.cancelling import cancel_activity
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.series import series_day
from formsvc.activities.services import ActivityPlan, activities_on, schedule
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.attendance.review import take_off_roster
from formsvc.extensions import db
from formsvc.imports.ledger import plan_ledger_import
from formsvc.imports.ledger_apply import apply_ledger_import
from formsvc.imports.services import FileImportError
from formsvc.sites.models import Site
from tests.conftest import Elsewhere, clock_stopped_at
from tests.workspace_helpers import EN, NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
HEADER = "site,date,kind,title,name,role,village,relation,phone,categories\n"
SATURDAY = date(2026, 11, 14)


@pytest.fixture
def home(app, make):
    site = make.site("新华村儿童之家")
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="周六家长课堂",
            day=date(2026, 11, 7),
            opens=dt_time(9),
            closes=dt_time(11),
            for_guardians=True,
            weekdays="6",
        )
        series_id = schedule(plan, [db.session.get(Site, site["id"])])[0].id
        db.session.commit()
    return {"site": site, "series": series_id, "manager": make.user("amy", sites=[site])}


LEDGER = HEADER + (
    "新华村儿童之家,2026-11-14,parent_training,周六家长课堂,韦大姐,guardian,新华村,mother,,\n"
    "新华村儿童之家,2026-11-14,daily,,王小明,child,,,,\n"
)


def day_view(home):
    """What the manager's day view does first: make the day's rows that are due (series, daily opening)."""
    site = db.session.get(Site, home["site"]["id"])
    return sorted(activity.id for activity in activities_on(site, SATURDAY, with_daily_opening=True))


def rows_of_the_day(app, home) -> dict[str, list[int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Activity.id, Activity.series_id).where(Activity.on_date == SATURDAY).order_by(Activity.id)
        ).all()
    return {
        "series": [row.id for row in rows if row.series_id == home["series"]],
        "other": [row.id for row in rows if row.series_id is None],
    }


def test_the_import_finds_the_rows_the_day_view_made_since_it_planned(app, home):
    with app.app_context():
        plan = plan_ledger_import(LEDGER.encode(), "台账.csv")
        assert plan.new_activities == 2  # the series' day and the daily opening: no rows yet
        made = Elsewhere(app, lambda: day_view(home)).outcome()  # the manager opens the day meanwhile
        result = apply_ledger_import(plan, user=None)
        db.session.commit()
    assert len(made) == 2 and result.records == 2 and result.activities_created == 0
    rows = rows_of_the_day(app, home)
    assert len(rows["series"]) == 1 and len(rows["other"]) == 1  # one of each, the day view's
    assert sorted(rows["series"] + rows["other"]) == made
    with app.app_context():
        signin = db.session.execute(select(AdultSignIn)).scalar_one()
        attendance = db.session.execute(select(Attendance)).scalar_one()
        assert (signin.activity_id, attendance.activity_id) == (rows["series"][0], rows["other"][0])
        assert db.session.get(Activity, rows["other"][0]).for_children  # the audience the ledger needs


def test_the_day_view_waits_for_the_import_and_shows_its_rows(app, home):
    client = signed_in_client(app, home["manager"])
    with app.app_context():
        result = apply_ledger_import(plan_ledger_import(LEDGER.encode(), "台账.csv"), user=None)
        assert result.activities_created == 2  # written, not committed yet
        page = Elsewhere(app, lambda: client.get(f"/admin/sites/{home['site']['id']}?day=2026-11-14", headers=EN))
        assert page.waiting(), "the day view made its rows without waiting for the import's"
        db.session.commit()
    response = page.outcome()
    assert response.status_code == 200 and "韦大姐" in response.data.decode()
    rows = rows_of_the_day(app, home)
    assert len(rows["series"]) == 1 and len(rows["other"]) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AdultSignIn)).scalar_one() == 1


def test_a_series_day_moved_away_meanwhile_stops_the_import_with_a_message(app, home):
    """The row found is the series' day cancelled by a move: the records have nowhere to go.

    Planned again, the row is refused as one of a cancelled activity; it used to make a one-off
    twin of the series' day, which took the record and counted as held on the day moved from.
    """
    ledger = HEADER + "新华村儿童之家,2026-11-14,parent_training,周六家长课堂,韦大姐,guardian,新华村,mother,,\n"
    with app.app_context():
        plan = plan_ledger_import(ledger.encode(), "台账.csv")

        def cancelled_series_day():
            db.session.add(series_day(db.session.get(ActivitySeries, home["series"]), SATURDAY, cancelled=True))

        Elsewhere(app, cancelled_series_day).outcome()
        with pytest.raises(FileImportError) as refused:
            apply_ledger_import(plan, user=None)
        db.session.rollback()
    assert refused.value.code == "import_conflict"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AdultSignIn)).scalar_one() == 0
        replanned = plan_ledger_import(ledger.encode(), "台账.csv")
        assert [(problem.row, problem.column) for problem in replanned.problems] == [(2, "date")]
        assert "周六家长课堂" in replanned.problems[0].message
        with pytest.raises(FileImportError) as refused_again:
            apply_ledger_import(replanned, user=None)
    assert refused_again.value.code == "import_has_errors"
    rows = rows_of_the_day(app, home)
    assert len(rows["series"]) == 1 and rows["other"] == []  # the cancelled series' day, and no twin of it


def test_an_activity_cancelled_since_the_plan_refuses_the_file(app, make, home):
    lecture = make.activity(home["site"], day=SATURDAY, title="国庆游园", kind="festival", guardians=True)
    ledger = HEADER + "新华村儿童之家,2026-11-14,festival,国庆游园,韦大姐,guardian,新华村,mother,,\n"
    with app.app_context():
        plan = plan_ledger_import(ledger.encode(), "台账.csv")
        assert plan.new_activities == 0  # the lecture, found
        Elsewhere(app, lambda: cancel_activity(db.session.get(Activity, lecture["id"]))).outcome()
        with pytest.raises(FileImportError) as refused:
            apply_ledger_import(plan, user=None)
        db.session.rollback()
    assert refused.value.code == "import_conflict"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AdultSignIn)).scalar_one() == 0


def test_a_child_taken_off_the_roster_since_the_plan_refuses_the_file(app, make, home):
    child_id = make.child(home["site"], "王小明")
    with app.app_context():
        plan = plan_ledger_import(LEDGER.encode(), "台账.csv")
        assert list(plan.children.values())[0].id == child_id

        def take_off():
            manager = db.session.get(User, home["manager"]["id"])
            take_off_roster(db.session.get(Child, child_id), user=manager, reason="加错了")

        Elsewhere(app, take_off).outcome()
        with pytest.raises(FileImportError):
            apply_ledger_import(plan, user=None)
        db.session.rollback()
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Attendance)).scalar_one() == 0
