"""A ledger row on a day the home's daily opening was cancelled: the preview names the row and says why.

A home has one daily opening a day, cancelled or not, so such a row has nowhere to go. It used
to pass the preview and then always fail with "the records changed, please try again", which
trying again never fixed; now the clerk is told which row and what to do before anything is written.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from formsvc.activities.cancelling import cancel_activity, restore_activity
from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.test_ledger_import import HEADER, confirm, upload
from tests.workspace_helpers import NOW, count, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)
CLOSED = date(2026, 10, 8)
REASON = (
    "The daily opening of 河西村儿童之家 on October 8, 2026 was cancelled. Correct the date; if the home was "
    "open that day, restore the opening on that day's page first."
)
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def district(app, make):
    hexi = make.site("河西村儿童之家", township="城关镇")
    opening = make.daily(hexi, CLOSED)
    with app.app_context():
        cancel_activity(db.session.get(Activity, opening["id"]))
        db.session.commit()
    return {"hexi": hexi, "opening": opening, "boss": make.user("boss", role="admin")}


def ledger(district) -> bytes:
    hexi = district["hexi"]["id"]
    return (
        HEADER
        + f"{hexi},2026-10-07,daily,,王小明,child,,,,\n"
        + f"{hexi},2026-10-08,daily,,王小明,child,,,,\n"
        + f"{hexi},2026-10-08,parent_training,家庭教育讲座,韦大姐,guardian,河西村,mother,,\n"
        + f"{hexi},2026-10-08,daily,,李秀英,volunteer,,,,\n"
    ).encode()


def test_the_preview_names_each_row_of_the_closed_day_and_nothing_can_be_imported(app, district):
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    text = page_text(preview.data)
    assert "The file has errors; nothing was imported." in text
    assert f"3 date {REASON}" in text and f"5 date {REASON}" in text
    assert "2 date" not in text and "4 date" not in text  # the day before, and the lecture that day
    assert "upload" not in form_fields(preview.data)  # no "Import now"
    assert count(app, Attendance) == 0 and count(app, AdultSignIn) == 0
    assert count(app, Activity) == 1  # no second opening of the day


def test_restored_the_opening_takes_the_rows_of_its_day(app, district):
    with app.app_context():
        restore_activity(db.session.get(Activity, district["opening"]["id"]))
        db.session.commit()
    client = signed_in_client(app, district["boss"])
    preview = upload(client, ledger(district))
    assert "The file has errors" not in page_text(preview.data)
    assert confirm(client, preview).status_code == 302
    with app.app_context():
        on_the_day = db.session.execute(
            select(Attendance.activity_id).join(Activity).where(Activity.on_date == CLOSED)
        ).scalar_one()
    assert on_the_day == district["opening"]["id"]
    assert count(app, Attendance) == 2 and count(app, AdultSignIn) == 2


def test_the_command_line_gives_the_same_reason_and_writes_nothing(app, runner, district, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger(district))
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code != 0
    # One language on the command line, English, the reason included (it used to come in Chinese).
    assert "row 3, column date: The daily opening of 河西村儿童之家 on October 8, 2026 was cancelled." in result.output
    assert "row 5, column date:" in result.output and "row 4, column date:" not in result.output
    assert count(app, Attendance) == 0 and count(app, AdultSignIn) == 0


def test_the_reason_is_said_in_the_readers_language(app, district):
    client = signed_in_client(app, district["boss"])
    fields = form_fields(client.get("/admin/ledger/import").data)
    preview = client.post(
        "/admin/ledger/import",
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(ledger(district)), "台账.csv")},
        content_type="multipart/form-data",
        headers=ZH,
    )
    in_chinese = (
        "河西村儿童之家 2026年10月8日 的日常开放已取消。"
        + "请改正日期；如果那天确实开放了，请先在那天的页面上恢复日常开放。"
    )
    assert in_chinese in page_text(preview.data)


def test_the_day_page_offers_the_restore_the_message_asks_for(app, district):
    """QA: the message said to restore the opening, yet the day page offered nothing for a daily
    opening (no edit link for that kind)."""
    client = signed_in_client(app, district["boss"])
    day_page = f"/admin/sites/{district['hexi']['id']}?day={CLOSED.isoformat()}"
    page = client.get(day_page, headers={"Accept-Language": "en"}).data.decode()
    restore_link = f"/admin/activities/{district['opening']['id']}/edit#restore"
    assert restore_link in page and "Restore this activity" in page
    edit = client.get(restore_link.split("#")[0]).data.decode()
    assert 'id="restore"' in edit
    fields = form_fields(edit.encode())
    restored = client.post(
        f"/admin/activities/{district['opening']['id']}/restore", data={"csrf_token": fields["csrf_token"]}
    )
    assert restored.status_code == 302
    with app.app_context():
        assert db.session.get(Activity, district["opening"]["id"]).cancelled is False
    page = client.get(day_page, headers={"Accept-Language": "en"}).data.decode()
    assert "Restore this activity" not in page  # an open daily opening is neither edited nor cancelled here
