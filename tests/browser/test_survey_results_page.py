"""The survey results page in a real browser: a comment keeps the lines it was written in.

QA: "第一，讲得好。\n第二，时间太短。" showed as one run-on line on the results page and in the PDF.
"""

from __future__ import annotations

import pytest

from tests.browser_support import log_in
from tests.survey_helpers import answer, make_template, spec, use_at_site

pytestmark = pytest.mark.browser

COMMENT = "第一，讲得好。\n第二，时间太短。"


def test_a_comment_keeps_its_lines_on_the_results_page(app, live_server, open_phone_with, make):
    site = make.site()
    template_id = make_template(app, [spec("long_text", "意见建议")])
    token = use_at_site(app, template_id, site["id"])
    assert answer(app.test_client(), token, {"q1": COMMENT}).status_code == 302
    page = open_phone_with(js=True).page
    log_in(page, live_server, make.user("boss", role="admin"))
    page.goto(f"{live_server}/admin/surveys/{template_id}/results")
    assert page.locator("td", has_text="讲得好").inner_text() == COMMENT
