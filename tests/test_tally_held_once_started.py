"""An activity counts as held once it has started, not from the start of its day.

QA: looked at over lunch, the tally already counted that evening's 19:00 parent lecture as
held. The page, its CSV and Excel downloads (one service, one set of numbers) now count it
from 19:00 on; the days before today are unchanged, and a day to come never counts.
"""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest
from openpyxl import load_workbook

from formsvc.activities.models import ActivityKind
from formsvc.activities.services import ActivityPlan, schedule
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, local, login

# A Friday, at noon in Shanghai.
frozen_noon = clock_stopped_at(local(2026, 11, 27, 12, 0), autouse=False)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def lecture_day(app, make, frozen_noon):
    site = make.site()
    make.activity(site, day=date(2026, 11, 26), opens="19:00", closes="21:00", kind="parent_training")
    make.activity(site, day=date(2026, 11, 27), opens="09:00", closes="11:00", kind="volunteer", title="上午志愿")
    make.activity(site, day=date(2026, 11, 27), opens="19:00", closes="21:00", kind="parent_training")
    make.activity(site, day=date(2026, 11, 28), opens="09:00", closes="11:00", kind="festival", title="明天的节日")
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.OTHER,
            title="周五晚间阅读",
            day=date(2026, 11, 20),
            opens=time(19),
            closes=time(20),
            for_children=True,
            weekdays="5",
        )
        schedule(plan, [db.session.get(Site, site["id"])])
        db.session.commit()
    return site


def held(app, site) -> dict[str, int]:
    with app.app_context():
        figures = compute_tally(f"site:{site['id']}", *NOVEMBER).total.figures
    return {kind: number for kind, number in figures.activities_by_kind.items() if number}


def test_at_noon_the_evening_lecture_is_not_held_yet(app, lecture_day):
    # yesterday's evening lecture, this morning's volunteers, last Friday's reading; not tonight's, not tomorrow's
    assert held(app, lecture_day) == {"parent_training": 1, "volunteer": 1, "other": 1}


def test_once_it_has_started_it_is_held(app, lecture_day, frozen_noon):
    frozen_noon.move_to(local(2026, 11, 27, 18, 59))
    assert held(app, lecture_day) == {"parent_training": 1, "volunteer": 1, "other": 1}
    frozen_noon.move_to(local(2026, 11, 27, 19, 30))
    assert held(app, lecture_day) == {"parent_training": 2, "volunteer": 1, "other": 2}


def test_a_day_to_come_is_never_held(app, lecture_day, frozen_noon):
    frozen_noon.move_to(local(2026, 11, 27, 23, 59))
    assert "festival" not in held(app, lecture_day)
    frozen_noon.move_to(local(2026, 11, 28, 9, 0))
    assert held(app, lecture_day)["festival"] == 1


def _downloaded_parent_trainings(client, site) -> tuple[int, int]:
    query = f"scope=site:{site['id']}&period=2026-11"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/admin/tallies.csv?{query}").data.decode("utf-8-sig"))))
    from_csv = int(rows[-1]["activities_parent_training"])
    response = client.get(f"/admin/tallies.xlsx?{query}", headers={"Accept-Language": "en"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    column = [cell.value for cell in sheet[3]].index("Activities: Parent training")
    from_xlsx = list(sheet.iter_rows(min_row=4, values_only=True))[-1][column]
    return from_csv, from_xlsx


def test_the_csv_and_excel_downloads_count_it_from_its_start_too(app, make, client, lecture_day, frozen_noon):
    login(client, make.user("amy", sites=[lecture_day]))
    assert _downloaded_parent_trainings(client, lecture_day) == (1, 1)
    frozen_noon.move_to(local(2026, 11, 27, 19, 30))
    assert _downloaded_parent_trainings(client, lecture_day) == (2, 2)
