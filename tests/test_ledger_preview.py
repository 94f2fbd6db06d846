"""The ledger preview a clerk reads: a cancelled activity's row links to the day page where it is
restored, a refused file shows no counts it never worked out, and days are written as the
messages write them."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from formsvc.activities.cancelling import cancel_activity
from formsvc.activities.models import Activity
from formsvc.extensions import db
from formsvc.imports.ledger import plan_ledger_import
from tests.conftest import clock_stopped_at, page_text
from tests.test_ledger_import import HEADER, upload
from tests.test_ledger_import_cancelled_activity import CALLED_OFF, with_a_cancelled_lecture
from tests.workspace_helpers import NOW, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def district(app, make):
    return with_a_cancelled_lecture(app, make)


def rows(district, *lines: str) -> bytes:
    return (HEADER + "".join(line.format(hexi=district["hexi"]["id"]) + "\n" for line in lines)).encode()


CANCELLED_ROW = "{hexi},2026-10-08,parent_training,家教宣讲,韦大姐,guardian,河西村,mother,,"
NEW_CHILD_ROW = "{hexi},2026-10-09,daily,,王小明,child,,,,留守"


def problem_cells(html: str) -> list[str]:
    """The "Problem" cell of each row of the preview's problem table, as HTML."""
    table = re.search(r"<th scope=\"col\">Problem</th>.*?<tbody>(.*?)</tbody>", html, flags=re.S).group(1)
    return re.findall(r"<tr>(?:<td[^>]*>.*?</td>){2}<td>(.*?)</td></tr>", table, flags=re.S)


def test_the_row_of_a_cancelled_activity_links_to_its_day_page(app, district):
    client = signed_in_client(app, district["boss"])
    unknown_site = "999999,2026-10-08,daily,,李四,child,,,,"
    html = upload(client, rows(district, CANCELLED_ROW, unknown_site)).get_data(as_text=True)
    cancelled, other = problem_cells(html)
    day_page = f"/admin/sites/{district['hexi']['id']}?day=2026-10-08#activity-{district['lecture']['id']}"
    assert re.findall(r'href="([^"]*)"', unescape(cancelled)) == [day_page]
    assert "Open the day page" in page_text(cancelled)
    assert "href" not in other  # a row whose fix is in the file links nowhere


def test_the_plan_carries_the_day_page_as_data_not_markup(app, district):
    with app.app_context(), force_locale("en"):
        (problem,) = plan_ledger_import(rows(district, CANCELLED_ROW), "台账.csv").problems
    assert problem.day_page == (district["hexi"]["id"], CALLED_OFF, district["lecture"]["id"])
    assert "<" not in problem.message


def test_a_title_written_as_markup_is_shown_as_text(app, make, district):
    make.activity(district["hexi"], day=date(2026, 10, 10), title="<b>讲座</b>")
    with app.app_context():
        marked = db.session.execute(select(Activity).where(Activity.title == "<b>讲座</b>")).scalar_one()
        cancel_activity(marked)
        db.session.commit()
    client = signed_in_client(app, district["boss"])
    row = "{hexi},2026-10-10,parent_training,<b>讲座</b>,韦大姐,guardian,河西村,mother,,"
    (cell,) = problem_cells(upload(client, rows(district, row)).get_data(as_text=True))
    assert "<b>" not in cell and "&lt;b&gt;讲座&lt;/b&gt;" in cell


def test_a_refused_file_shows_no_counts_it_did_not_work_out(app, district):
    client = signed_in_client(app, district["boss"])
    text = page_text(upload(client, rows(district, CANCELLED_ROW, NEW_CHILD_ROW)).data)
    assert "The file has errors; nothing was imported." in text
    assert "Rows: 2. Rows with errors: 1." in text
    assert "New children" not in text and "New activities" not in text and "Category periods" not in text


@pytest.mark.parametrize(("language", "day"), [("en", "Oct 9, 2026"), ("zh-CN", "2026年10月9日")], ids=["en", "zh"])
def test_the_preview_writes_days_as_its_messages_do(app, district, language, day):
    client = signed_in_client(app, district["boss"])
    response = upload(client, rows(district, NEW_CHILD_ROW), headers={"Accept-Language": language})
    text = page_text(response.data)
    assert f"河西村儿童之家 {day}" in text and "2026-10-09" not in text


def test_the_preview_in_chinese_takes_a_chinese_colon(app, district):
    client = signed_in_client(app, district["boss"])
    twice = rows(district, NEW_CHILD_ROW, NEW_CHILD_ROW)  # the repeated rows' summary: "重复的行: 1"
    text = page_text(upload(client, twice, headers={"Accept-Language": "zh-CN"}).data)
    assert "重复的行：1" in text and re.findall(r"[\u4e00-\u9fff]: ", text) == []
