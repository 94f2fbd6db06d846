"""The printouts of survey results say when a conditional question was asked, as the page does,
and keep the lines a comment was written in.

QA: the results page shows "仅当上面第 4 题选择“否”时填写。" under a conditional question; the PDF
and the Excel workbook left it out, so a count of 3 answers out of 40 read as 37 skipped it.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import login, page_text, skip_or_fail
from tests.pdftools import pdf_text
from tests.survey_helpers import answer, make_template, spec, use_at_site

HINT_ZH = "仅当上面第 1 题选择“否”时填写。"
HINT_EN = "Only if you answered “No” to question 1 above."


def conditional_survey(app, make, client) -> int:
    site = make.site()
    template_id = make_template(
        app, [spec("yes_no", "还会再来吗", required=True), spec("long_text", "为什么不来", when=("q1", "no"))]
    )
    token = use_at_site(app, template_id, site["id"])
    assert answer(app.test_client(), token, {"q1": "no", "q2": "太远了"}).status_code == 302
    login(client, make.user("boss", role="admin"))
    return template_id


def test_the_workbook_gives_the_condition_of_a_conditional_question(app, client, make):
    template_id = conditional_survey(app, make, client)
    for headers, hint in (({"Accept-Language": "en"}, HINT_EN), ({}, HINT_ZH)):
        assert hint in page_text(client.get(f"/admin/surveys/{template_id}/results", headers=headers).data)
        data = client.get(f"/admin/surveys/{template_id}/results.xlsx", headers=headers).data
        rows = list(load_workbook(io.BytesIO(data)).worksheets[1].iter_rows(values_only=True))
        conditions = {row[1]: row[9] for row in rows[2:] if row[1]}
        assert conditions == {"还会再来吗": None, "为什么不来": hint}


def test_the_pdf_gives_the_condition_of_a_conditional_question(app, client, make):
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    template_id = conditional_survey(app, make, client)
    text = pdf_text(client.get(f"/admin/surveys/{template_id}/results.pdf").data).replace("\n", "")
    assert HINT_ZH in text


def test_a_comment_keeps_its_lines_in_the_pdf(app, client, make):
    """QA: a comment written in two lines ran on as one in the PDF."""
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    site = make.site()
    template_id = make_template(app, [spec("long_text", "意见建议")])
    token = use_at_site(app, template_id, site["id"])
    assert answer(app.test_client(), token, {"q1": "第一，讲得好。\n第二，时间太短。"}).status_code == 302
    login(client, make.user("boss", role="admin"))
    text = pdf_text(client.get(f"/admin/surveys/{template_id}/results.pdf").data)
    assert "第一，讲得好。\n第二，时间太短。" in text
