"""The paper sheet's preview on a 360 px phone: what is wrong with a line is on the screen.

QA found the preview table 492 px wide on a 360 px phone: its last column, "处理结果", the only
place that said what was wrong with a line, sat behind a sideways scroll inside the table's box
that a grandmother helping at the home would not find. The problem now stands under the line's
text, and the table fits the phone, at the standard and the larger text size.
"""

from __future__ import annotations

import pytest

from tests.browser_support import PHONE_WIDTH, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

TEXT_SIZES = ["standard", "large"]
GUARDIAN_LINES = [
    "诸葛孔明 爷爷 13800001111 城关镇卧龙岗村第二村民小组村 诸葛瞻",
    "欧阳修文 外婆 13900002222 河西社区 欧阳娜娜·艾尼瓦尔",
    "司马 1380000",  # not a mobile number
    "奶奶 13800001111",  # no name
    "阿卜杜热合曼·买买提 妈妈 13812345678 13987654321",  # two numbers
]
CHILD_LINES = ["阿卜杜热合曼·买买提 奶奶", "奶奶", "欧阳娜娜·艾尼瓦尔 13800001111", "王小明"]


@pytest.fixture
def site(make):
    return make.site(name="城关镇新华村留守儿童之家")


@pytest.fixture
def manager(make, site):
    return make.user("xinhua-paper", sites=[site])


def signed_in_phone(open_phone_with, live_server, manager, text_size):
    page = open_phone_with(js=True).page
    log_in(page, live_server, manager)
    page.goto(f"{live_server}/text/{text_size}?next=/admin/")
    page.wait_for_load_state()
    return page


def check_lines(page, url: str, lines: list[str]) -> None:
    page.goto(url)
    page.locator("textarea[name=lines]").fill("\n".join(lines))
    page.locator("[name=check]").click()
    expect(page.locator(".preview table")).to_be_visible()


def assert_problems_on_screen(page, expected: int) -> None:
    problems = page.locator(".preview td .error")
    expect(problems).to_have_count(expected)
    for index in range(expected):
        problem = problems.nth(index)
        box = problem.bounding_box()  # not scrolled into view: that would scroll the table's box sideways
        text = problem.inner_text()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, (text, box)
    # The table fits its box: no column, "What happens" included, hides behind a sideways scroll.
    overflow = page.evaluate(
        "() => { const box = document.querySelector('.preview .table-scroll');"
        " return box.scrollWidth - box.clientWidth; }"
    )
    assert overflow <= 0, f"the preview table is {overflow} px wider than its box"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_a_guardian_lines_problem_is_on_a_phones_screen(live_server, open_phone_with, manager, lecture, text_size):
    page = signed_in_phone(open_phone_with, live_server, manager, text_size)
    check_lines(page, f"{live_server}/admin/activities/{lecture['id']}/paper", GUARDIAN_LINES)
    assert_problems_on_screen(page, expected=3)
    expect(page.locator(".preview")).to_contain_text("不是 11 位手机号")


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_a_childs_lines_problem_is_on_a_phones_screen(live_server, open_phone_with, manager, after_school, text_size):
    page = signed_in_phone(open_phone_with, live_server, manager, text_size)
    check_lines(page, f"{live_server}/admin/activities/{after_school['id']}/paper", CHILD_LINES)
    assert_problems_on_screen(page, expected=2)
