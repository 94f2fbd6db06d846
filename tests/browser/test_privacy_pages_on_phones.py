"""The privacy pages on a district admin's phone (375 px): what we hold about a child, and the
consent text's versions.

QA: their tables squeezed to about a character a column at 375 px (nine columns of guardians'
sign-ins in 343 px), and one page wrote its dates three ways (2026年11月20日, 2026/11/20 14:05,
2026-11-20 14:05; in English "11/20/26, 2:05 PM" beside "14:05"). Now their wide tables scroll
sideways in a box of their own, as the audit log and the tallies do, and they write a day as
the workspace's tables do ("medium") and a moment as that day and the 24-hour time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from formsvc.attendance.models import (
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    Relation,
    Source,
)
from formsvc.extensions import db
from formsvc.privacy.models import Consent, ConsentText
from tests.browser_support import PHONE, log_in

pytestmark = pytest.mark.browser

WIDTH = 375
DAY = date(2026, 11, 20)
# Stored in UTC, shown in Shanghai (8 hours ahead).
ADDED = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
SIGNED_IN = datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
TEXT_SAVED = datetime(2026, 11, 10, 0, 15, tzinfo=UTC)
LOCALES = {
    "zh-CN": {
        "day": "2026年11月20日",
        "added": "2026年11月2日 09:30",
        "accepted": "2026年11月20日 14:05",
        "saved": "2026年11月10日 08:15",
        "period": "留守儿童 (2026年9月1日–2027年1月31日)",
        # Any other way of writing a day or a time: ISO, slashes, two-digit years, a 12-hour clock.
        "other_ways": r"\d{4}-\d{1,2}-\d{1,2}|\d{1,4}/\d{1,2}/\d{2,4}|上午|下午",
        "a_moment": r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d",
    },
    "en-US": {
        "day": "Nov 20, 2026",
        "added": "Nov 2, 2026, 09:30",
        "accepted": "Nov 20, 2026, 14:05",
        "saved": "Nov 10, 2026, 08:15",
        "period": "Left-behind (Sep 1, 2026–Jan 31, 2027)",
        "other_ways": r"\d{4}-\d{1,2}-\d{1,2}|\d{1,4}/\d{1,2}/\d{2,4}|\b[AP]M\b",
        "a_moment": r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d",
    },
}

# Every cell of the page's tables: its text, width and font size, and the sideways-scrolling
# box it sits in (if any), in CSS pixels.
CELLS = """() => [...document.querySelectorAll("main td, main th")].map(cell => {
  const box = cell.getBoundingClientRect(), style = getComputedStyle(cell), words = document.createRange();
  words.selectNodeContents(cell);  // the cell's box is as tall as its row: its words are measured
  const scroller = cell.closest(".table-scroll"), room = scroller && scroller.getBoundingClientRect();
  return {text: cell.innerText.trim(), width: box.width, px: parseFloat(style.fontSize),
          lines: Math.round(words.getBoundingClientRect().height / parseFloat(style.lineHeight)),
          table: cell.closest("table").getBoundingClientRect().right, inList: !!cell.closest("table").tHead,
          scroller: room && {left: room.left, right: room.right}};
})"""


@pytest.fixture
def family_request(app, make):
    """王小明's record: a category period, a sign-in, a guardian's sign-in naming him, their two
    consents, and a second version of the consent text; every moment fixed."""
    site = make.site(name="城关镇东门社区儿童之家", village="东门社区")
    child_id = make.child(site, "王小明")
    activity = make.activity(site, day=DAY, title="家庭教育讲座", children=True, guardians=True)
    with app.app_context():
        child = db.session.get(Child, child_id)
        child.created_at = ADDED
        db.session.add(
            ChildCategoryPeriod(
                child_id=child_id, category=ChildCategory.LEFT_BEHIND, since=date(2026, 9, 1), until=date(2027, 1, 31)
            )
        )
        text = ConsentText(
            version=2,
            body_zh="签到时，儿童之家会保存孩子的姓名、性别、出生年份和签到时间，只用于活动签到和统计，保存三年后删除。"
            "监护人可以随时要求查看、更正或删除。",
            body_en="When a child signs in, the home keeps the child's name, gender, year of birth and the time.",
            created_at=TEXT_SAVED,
        )
        db.session.add(text)
        visit = Attendance(activity_id=activity["id"], child_id=child_id, source=Source.QR, signed_in_at=SIGNED_IN)
        guardian = AdultSignIn(
            activity_id=activity["id"], role=AdultRole.GUARDIAN, name="王奶奶", name_key="王奶奶",
            relation=Relation.GRANDMOTHER, phone="13812345678", village="东门社区", child_name="王小明",
            child_id=child_id, source=Source.QR, signed_in_at=SIGNED_IN,
        )  # fmt: skip
        db.session.add_all([visit, guardian])
        db.session.flush()
        for link in ({"attendance_id": visit.id}, {"adult_signin_id": guardian.id}):
            db.session.add(
                Consent(text_id=text.id, site_id=site["id"], activity_id=activity["id"], accepted_at=SIGNED_IN, **link)
            )
        db.session.commit()
    return {
        "admin": make.user("boss", role="admin"),
        "pages": {"held": f"/admin/privacy/children/{child_id}", "consent": "/admin/privacy/consent"},
    }


def open_phone(browser, live_server, user, *, locale: str, large_text: bool):
    context = browser.new_context(**{**PHONE, "viewport": {"width": WIDTH, "height": 667}, "locale": locale})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server, user)
    if large_text:
        page.goto(f"{live_server}/text/large?next=/admin/")
        assert page.evaluate("document.documentElement.classList.contains('large-text')")
    return context, page


def fits_the_phone(page, where: str) -> None:
    """No sideways scrolling of the page; each table readable in its cells, or in a box that scrolls."""
    # With a mobile viewport Chromium widens innerWidth to the page when the page is too wide:
    # the page is measured against the phone's width itself.
    widths = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert widths[0] <= WIDTH and widths[1] == WIDTH, f"{where}: the page is {widths} px wide on a {WIDTH} px phone"
    cells = page.evaluate(CELLS)
    assert cells, f"{where}: no table"
    for cell in cells:
        what = f"{where}: {cell['text'][:20]!r}"
        assert cell["px"] >= 14, f"{what} is written {cell['px']} px"
        # A list's column keeps at least four Chinese characters a line (a date or a home's name
        # is not a column of single characters), the child's details at least three beside their
        # names (a 儿童之家 of two lines in larger text); a table may be wider than the phone
        # only inside its scrolling box.
        least = 4 if cell["inList"] else 3
        assert cell["width"] >= least * cell["px"], f"{what} is squeezed to {cell['width']:.0f} px"
        if cell["table"] > WIDTH:
            assert cell["scroller"], f"{what}: its table is wider than the phone and does not scroll"
        if cell["scroller"]:
            assert cell["scroller"]["left"] >= 0 and cell["scroller"]["right"] <= WIDTH, f"{what}: its box runs off"


def page_words(page) -> str:
    return page.locator("main").inner_text()


@pytest.mark.parametrize("large_text", [False, True], ids=["standard-text", "larger-text"])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_privacy_pages_fit_a_phone_and_write_dates_one_way(
    browser, live_server, family_request, locale, large_text
):
    expected = LOCALES[locale]
    context, page = open_phone(browser, live_server, family_request["admin"], locale=locale, large_text=large_text)
    try:
        for name, path in family_request["pages"].items():
            page.goto(f"{live_server}{path}")
            where = f"{locale} {name}{' large' if large_text else ''}"
            fits_the_phone(page, where)
            words = page_words(page)
            others = re.findall(expected["other_ways"], words)
            assert not others, f"{where}: dates written another way: {others}"
            # A date or a moment in a list's column is on one line (not "Nov / 29, / 2026, / 20:01").
            for cell in page.evaluate(CELLS):
                is_date = re.fullmatch(expected["a_moment"], cell["text"]) or cell["text"] == expected["day"]
                if is_date and cell["inList"]:
                    assert cell["lines"] == 1, f"{where}: {cell['text']!r} is broken over {cell['lines']} lines"
        held, consent = family_request["pages"].values()
        page.goto(f"{live_server}{held}")
        row = page.locator("main tr", has=page.locator("th", has_text=re.compile("^(录入时间|Added)$")))
        assert row.locator("td").inner_text() == expected["added"]
        assert expected["period"] in page_words(page)
        signin = page.locator(".table-scroll[aria-labelledby=held-signins] tbody td")
        assert signin.first.inner_text() == expected["accepted"]  # the day and the time in one column
        accepted = page.locator(".table-scroll[aria-labelledby=held-consents] tbody tr td:first-child")
        assert accepted.all_inner_texts() == [expected["accepted"]] * 2
        assert re.search(expected["a_moment"], page.locator("main > p", has_text=re.compile("截至|As of")).inner_text())
        page.goto(f"{live_server}{consent}")
        version_2 = page.locator(".table-scroll[aria-labelledby=versions] tbody tr").first
        assert version_2.locator("td").nth(1).inner_text() == expected["saved"]
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_held_page_prints_whole_on_paper(browser, live_server, family_request, locale):
    """Paper cannot scroll sideways: a family's printed copy shows every column of every table."""
    # A4 portrait with the browser's default margins leaves about 718 CSS px.
    paper = 718
    context = browser.new_context(viewport={"width": paper, "height": 1000}, locale=locale)
    try:
        page = context.new_page()
        log_in(page, live_server, family_request["admin"])
        page.emulate_media(media="print")
        page.goto(f"{live_server}{family_request['pages']['held']}")
        tables = page.evaluate(
            """[...document.querySelectorAll("main table")].map(table => {
                const box = table.closest(".table-scroll"), right = table.getBoundingClientRect().right;
                return {right, clipped: !!box && box.scrollWidth > box.clientWidth};
            })"""
        )
        assert len(tables) == 4
        assert all(table["right"] <= paper and not table["clipped"] for table in tables), tables
        assert page.evaluate("document.scrollingElement.scrollWidth") <= paper
    finally:
        context.close()
