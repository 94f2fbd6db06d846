"""Back after a receipt, when the form had come back once with something to correct.

QA: the form answered the first (wrong) POST itself; after the second POST's receipt, Back
went to that answer, which no-store keeps out of every cache, so Chromium (WeChat's engine)
showed its own "Confirm Form Resubmission / ERR_CACHE_MISS" page to a grandparent.
static/post-answer.js makes such an answer's history entry a plain visit of the form.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make):
    return make.site()


def test_back_from_the_receipt_opens_the_form_not_a_resubmission_page(live_server, open_phone_with, after_school):
    page = open_phone_with(js=True).page
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    form_url = f"{live_server}/a/{after_school['token']}/child"
    page.goto(form_url)
    name = page.get_by_label("孩子姓名", exact=True)
    name.fill("张" * 31)  # too long: the form comes back, as the answer to the POST
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_load_state()
    name.fill("王小明")
    consent = page.get_by_label("我已阅读并同意", exact=True)
    if consent.count():
        consent.check()
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_url("**/r/**")
    sent = len(posts)

    page.go_back()
    page.wait_for_load_state()
    assert page.url == form_url
    assert page.get_by_label("孩子姓名", exact=True).is_visible()  # the form, not the browser's error page
    assert len(posts) == sent  # nothing sent again
