"""Every table of the survey results workbook keeps its headings in view, the comments' too.

QA: the 意见建议 (comments) sheet scrolled its headings away; a clerk reading a hundred comments
no longer saw which column was the home and which the date.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import clock_stopped_at, local, login
from tests.test_surveys_results import DAY, lecture_survey  # noqa: F401  (fixture)

ZH = {"Accept-Language": "zh-CN"}
during_the_lecture = clock_stopped_at(local(2026, 11, 27, 16, 30))  # as the fixture's module has it


def test_the_comments_and_each_version_freeze_their_headings(client, lecture_survey):  # noqa: F811
    login(client, lecture_survey["admin"])
    response = client.get(f"/admin/surveys/{lecture_survey['template_id']}/results.xlsx", headers=ZH)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    comments = workbook["意见建议"]
    assert [cell.value for cell in comments[1]] == ["版本", "序号", "题目", "日期", "儿童之家", "意见"]
    assert comments.freeze_panes == "A2" and comments.print_title_rows == "$1:$1"
    assert comments.max_row >= 3  # the headings, then the comments under them
    for row in comments.iter_rows(min_row=2):
        assert isinstance(row[0].value, int) and isinstance(row[1].value, int)  # numbers as numbers
        assert row[3].is_date and row[3].value.date() == DAY  # a date Excel sorts and filters as one
    version = workbook["第 1 版"]
    assert version.freeze_panes == "A3" and version.print_title_rows == "$1:$2"
    assert [cell.value for cell in version[2]][:3] == ["序号", "题目", "类型"]
