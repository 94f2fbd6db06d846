"""A ledger row naming an activity a manager cancelled: the preview names the row and says why.

A cancelled activity did not happen. The import used to pass such rows over, make a second
activity of the same title on the same day and put the records there, so the tally counted a
lecture the home had called off; now the rows are refused like those of a cancelled daily
opening (test_ledger_import_cancelled_day.py), and the clerk corrects the sheet or restores the
activity first.
"""

from __future__ import annotations

import io
from datetime import date
from datetime import time as dt_time

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from formsvc.activities.cancelling import cancel_activity, restore_activity
from formsvc.activities.models import Activity, ActivityKind
from formsvc.activities.services import ActivityPlan, schedule
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db
from formsvc.imports.ledger import plan_ledger_import
from formsvc.sites.models import Site
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.test_ledger_import import HEADER, URL, confirm, upload
from tests.workspace_helpers import EN, NOW, count, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
CALLED_OFF = date(2026, 10, 8)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
REASON = (
    "“家教宣讲” at 河西村儿童之家 on October 8, 2026 was cancelled. Correct the date; if it took place "
    "that day, restore the activity on that day's page first."
)


@pytest.fixture
def district(app, make):
    return with_a_cancelled_lecture(app, make)


def with_a_cancelled_lecture(app, make) -> dict:
    """A home whose lecture of CALLED_OFF was cancelled, and an admin."""
    hexi = make.site("河西村儿童之家", township="城关镇")
    lecture = make.activity(hexi, day=CALLED_OFF, title="家教宣讲")
    with app.app_context():
        cancel_activity(db.session.get(Activity, lecture["id"]))
        db.session.commit()
    return {"hexi": hexi, "lecture": lecture, "boss": make.user("boss", role="admin")}


def ledger(district) -> bytes:
    hexi = district["hexi"]["id"]
    return (
        HEADER
        + f"{hexi},2026-10-08,parent_training,家教宣讲,韦大姐,guardian,河西村,mother,,\n"
        + f"{hexi},2026-10-08,家教宣讲,家教 宣讲,李秀英,guardian,河西村,grandmother,,\n"  # the same title, spaced
        + f"{hexi},2026-10-08,daily,,王小明,child,,,,\n"  # the home was open that day
        + f"{hexi},2026-10-09,parent_training,家教宣讲,韦大姐,guardian,河西村,mother,,\n"  # a lecture the next day
    ).encode()


def october(app, site) -> tuple[int, int]:
    """Parent trainings held and guardian sign-ins at the home in October, as the tally counts them."""
    with app.app_context():
        figures = compute_tally(f"site:{site['id']}", *OCTOBER).total.figures
        return figures.activities_by_kind[ActivityKind.PARENT_TRAINING.value], figures.guardian_signins


def test_the_plan_refuses_the_rows_of_the_cancelled_lecture_and_only_those(app, district):
    with app.app_context(), force_locale("en"):
        plan = plan_ledger_import(ledger(district), "台账.csv")
        assert [(problem.row, problem.column, problem.message) for problem in plan.problems] == [
            (2, "date", REASON),
            (3, "date", REASON),
        ]
        assert plan.records == []  # nothing planned for any row while one is refused


def test_the_preview_names_the_home_the_activity_and_that_it_was_cancelled_and_nothing_is_written(app, district):
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    text = page_text(preview.data)
    assert "The file has errors; nothing was imported." in text
    assert f"2 date {REASON}" in text and f"3 date {REASON}" in text
    assert "4 date" not in text and "5 date" not in text  # the daily opening that day, the lecture the next
    assert "upload" not in form_fields(preview.data)  # no "Import now"
    assert count(app, Activity) == 1  # the cancelled lecture, and no twin of it
    assert count(app, AdultSignIn) == 0 and count(app, Attendance) == 0
    assert october(app, district["hexi"]) == (0, 0)


def test_the_reason_is_said_in_the_readers_language(app, district):
    client = signed_in_client(app, district["boss"])
    fields = form_fields(client.get(URL).data)
    preview = client.post(
        URL,
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(ledger(district)), "台账.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "zh-CN"},
    )
    in_chinese = (
        "河西村儿童之家 2026年10月8日 的“家教宣讲”已取消。"
        + "请改正日期；如果那天确实举办了，请先在那天的页面上恢复这个活动。"
    )
    assert in_chinese in page_text(preview.data)


def test_the_command_line_refuses_the_same_rows_and_writes_nothing(app, runner, district, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger(district))
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.lstrip().startswith("row ")]
    assert [line.split(":")[0].strip() for line in lines] == ["row 2, column date", "row 3, column date"]
    assert all(line.endswith(REASON) for line in lines)  # in the command line's language, English
    assert count(app, Activity) == 1 and count(app, AdultSignIn) == 0
    assert october(app, district["hexi"]) == (0, 0)


def test_a_lecture_of_the_same_title_still_held_that_day_takes_the_rows(app, make, district):
    """Cancelled, then scheduled again: the rows go to the one that took place, and no third is made."""
    again = make.activity(district["hexi"], day=CALLED_OFF, title="家教宣讲")
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    assert "The file has errors" not in page_text(preview.data)
    assert confirm(client, preview).status_code == 302
    on_the_day = select(AdultSignIn.activity_id).join(Activity).where(Activity.on_date == CALLED_OFF)
    with app.app_context():
        assert set(db.session.execute(on_the_day).scalars()) == {again["id"]}
    assert count(app, Activity, Activity.kind == ActivityKind.PARENT_TRAINING) == 3  # called off, again, the 9th
    assert october(app, district["hexi"]) == (2, 3)


def test_a_repeating_lecture_of_the_same_title_that_day_takes_the_rows(app, district):
    """Its day has no row yet (nobody opened it): the import makes it, as for any series' day."""
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="家教宣讲",
            day=date(2026, 10, 1),
            opens=dt_time(9),
            closes=dt_time(11),
            for_guardians=True,
            weekdays="4",  # Thursdays, as 8 October
        )
        series_id = schedule(plan, [db.session.get(Site, district["hexi"]["id"])])[0].id
        db.session.commit()
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    assert "The file has errors" not in page_text(preview.data)
    assert confirm(client, preview).status_code == 302
    on_the_day = select(Activity.series_id).join(AdultSignIn).where(Activity.on_date == CALLED_OFF)
    with app.app_context():
        assert list(db.session.execute(on_the_day).scalars()) == [series_id, series_id]


def test_restored_the_lecture_takes_the_rows_and_the_tally_counts_it_once(app, district):
    with app.app_context():
        restore_activity(db.session.get(Activity, district["lecture"]["id"]))
        db.session.commit()
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    assert "The file has errors" not in page_text(preview.data)
    assert confirm(client, preview).status_code == 302
    on_the_day = select(AdultSignIn.activity_id).join(Activity).where(Activity.on_date == CALLED_OFF)
    with app.app_context():
        assert set(db.session.execute(on_the_day).scalars()) == {district["lecture"]["id"]}
    assert count(app, AdultSignIn) == 3
    assert october(app, district["hexi"]) == (2, 3)  # the restored lecture and the 9th's, once each


def test_the_day_page_offers_the_restore_the_message_asks_for(app, district):
    """The day page offered "Edit or cancel" for a cancelled lecture; the message asks for a restore."""
    client = signed_in_client(app, district["boss"])
    day_page = f"/admin/sites/{district['hexi']['id']}?day={CALLED_OFF.isoformat()}"
    page = client.get(day_page, headers=EN).data.decode()
    restore_link = f"/admin/activities/{district['lecture']['id']}/edit#restore"
    assert restore_link in page and "Restore this activity" in page
    assert "Edit or cancel" not in page  # it is cancelled already
    edit = client.get(restore_link.split("#")[0], headers=EN).data.decode()
    assert 'id="restore"' in edit
    restored = client.post(
        f"/admin/activities/{district['lecture']['id']}/restore",
        data={"csrf_token": form_fields(edit.encode())["csrf_token"]},
    )
    assert restored.status_code == 302
    with app.app_context():
        assert db.session.get(Activity, district["lecture"]["id"]).cancelled is False
    page = client.get(day_page, headers=EN).data.decode()
    assert "Restore this activity" not in page and "Edit or cancel" in page
