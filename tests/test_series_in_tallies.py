"""A repeating activity's past days count in the tally whether or not anyone opened them.

QA: a series' days were made only when a page first showed them, and the tally counts the
activities that exist. A month's tally, signed and stamped, later printed a different number
of parent trainings held once an admin had merely looked at two old Saturdays. The tally
now counts the period's past days whether their rows exist or not (tests/test_series_days_counted.py);
stopping a series keeps the days it ran.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.services import ActivityPlan, schedule
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text
from tests.workspace_helpers import signed_in_client

# A Friday; the series runs on Saturdays from 7 November: 7, 14 and 21 November have been held.
frozen_friday = clock_stopped_at(local(2026, 11, 27, 16, 30))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def saturdays(app, make, frozen_friday):
    site = make.site()
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="周六家长课堂",
            day=date(2026, 11, 7),
            opens=time(9),
            closes=time(11),
            for_guardians=True,
            weekdays="6",
            until=date(2026, 12, 26),
        )
        series = schedule(plan, [db.session.get(Site, site["id"])])[0]
        db.session.commit()
        return {"site": site, "series_id": series.id}


def trainings_held(app, site) -> int:
    with app.app_context():
        tally = compute_tally(f"site:{site['id']}", *NOVEMBER)
        db.session.commit()
        return tally.total.figures.activities_by_kind["parent_training"]


def test_the_saturdays_held_count_though_nobody_opened_them(app, saturdays):
    assert trainings_held(app, saturdays["site"]) == 3


def test_looking_at_an_old_saturday_changes_nothing(app, make, saturdays):
    before = trainings_held(app, saturdays["site"])
    manager = signed_in_client(app, make.user("amy", sites=[saturdays["site"]]))
    for day in ("2026-11-14", "2026-11-21", "2026-11-28"):
        assert manager.get(f"/admin/sites/{saturdays['site']['id']}?day={day}").status_code == 200
    assert trainings_held(app, saturdays["site"]) == before == 3
    with app.app_context():
        days = db.session.execute(
            select(func.count()).select_from(Activity).where(Activity.series_id == saturdays["series_id"])
        ).scalar_one()
    assert days == 3  # the three days the day view opened, none twice; the tally made none (7 November)


def test_a_stopped_series_keeps_the_days_it_ran(app, make, client, saturdays):
    login(client, make.user("amy", sites=[saturdays["site"]]))
    day_view = client.get(f"/admin/sites/{saturdays['site']['id']}").data
    stop = f"/admin/activities/series/{saturdays['series_id']}/stop"
    assert client.post(stop, data={"csrf_token": form_fields(day_view)["csrf_token"]}).status_code == 302
    with app.app_context():
        assert db.session.get(ActivitySeries, saturdays["series_id"]).stopped
    assert trainings_held(app, saturdays["site"]) == 3
    assert trainings_held(app, saturdays["site"]) == 3  # and a second tally makes nothing more


def test_a_closed_home_stops_repeating_and_keeps_the_days_it_ran(app, make, saturdays):
    """QA: a home closed in June went on holding its weekly activity in the year's tally."""
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    sites_page = client.get("/admin/sites/").data
    action = f"/admin/sites/{saturdays['site']['id']}/deactivate"
    assert client.post(action, data={"csrf_token": form_fields(sites_page)["csrf_token"]}).status_code == 302
    with app.app_context():
        assert db.session.get(ActivitySeries, saturdays["series_id"]).stopped
    assert trainings_held(app, saturdays["site"]) == 3  # 7, 14 and 21 November
    with app.app_context():
        december = compute_tally(
            f"site:{saturdays['site']['id']}", date(2026, 12, 1), date(2026, 12, 31), as_of=local(2026, 12, 31, 23, 59)
        )
        db.session.commit()
    assert december.total.figures.activities_by_kind["parent_training"] == 0


def test_a_repeating_activity_typed_as_starting_months_ago_is_refused(app, make, frozen_friday):
    site = make.site()
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    page = client.get("/admin/activities/new")
    typed = {
        **form_fields(page.data),
        "kind": "volunteer",
        "title": "周末志愿辅导",
        "day": "2026-01-05",  # for 2026-11-05
        "opens": "09:00",
        "closes": "11:00",
        "for_children": "y",
        "sites": str(site["id"]),
        "weekdays": ["1", "2", "3", "4", "5"],
    }
    response = client.post("/admin/activities/new", data=typed)
    assert response.status_code == 200 and "重复的活动最早只能从一周前开始" in page_text(response.data)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ActivitySeries)).scalar_one() == 0
    assert client.post("/admin/activities/new", data={**typed, "day": "2026-11-23"}).status_code == 302
