"""The printed tally's sign-off (填报单位, 填报人, 审核人, 日期 and the stamp) shares its page with the figures.

QA: with the six demo homes the figures filled page 1 and the sign-off stood alone on page 2
(with 66 homes, alone on page 4 of 4): a clerk would sign and stamp a sheet that can be taken
away from the data it vouches for. Now the total row and the breakdowns are on the signed page.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from formsvc.extensions import db
from formsvc.sites.services import create_site
from tests.conftest import clock_stopped_at, local, login
from tests.pdftools import pdf_pages

frozen = clock_stopped_at(local(2026, 11, 27, 10, 0))

LECTURE_DAY = date(2026, 11, 20)
LECTURES = 5  # one at each of the first five homes: the total row reads 5 activities
CHINESE = {
    "total": r"合计（{homes} 个）",
    "by kind": "按活动类型",
    "by category": "按儿童类别",
    "lecture": "家教宣讲",
    "sign-off": ("填报单位：", "填报人：", "审核人：", "日期：", "盖章"),
}
ENGLISH = {
    "total": r"Total \({homes} homes\)",
    "by kind": "By activity kind",
    "by category": "By child category",
    "lecture": "Parent training",
    "sign-off": ("Reporting unit:", "Prepared by:", "Reviewed by:", "Date:", "Stamp"),
}


def homes(app, make, count: int, townships: int) -> list[dict]:
    with app.app_context():
        sites = [
            create_site(township_name=f"第{n % townships + 1:02d}镇", name=f"第{n:03d}村儿童之家", village=f"{n}村")
            for n in range(count)
        ]
        db.session.commit()
        sites = [{"id": site.id, "township_id": site.township_id} for site in sites]
    for site in sites[:LECTURES]:
        make.activity(site, day=LECTURE_DAY)
    return sites


def signed_pages(client, query: str, words: dict) -> tuple[list[str], list[int]]:
    """Every page's lines, and the numbers of the pages that carry any part of the sign-off."""
    headers = {"Accept-Language": "en" if words is ENGLISH else "zh-CN"}
    response = client.get(f"/admin/tallies.pdf?{query}&period=2026", headers=headers)
    assert response.status_code == 200
    pages = pdf_pages(response.data, layout=True)
    signed = [number for number, text in enumerate(pages) if any(word in text for word in words["sign-off"])]
    return pages, signed


def figures_after(label: str, text: str) -> list[int]:
    """The numbers on the line that starts with ``label`` (a regular expression)."""
    (line,) = [line for line in text.splitlines() if re.match(rf"\s*{label}\s", line)]
    return [int(number) for number in re.findall(r"\d+", re.sub(label, "", line))]


@pytest.mark.parametrize(
    ("count", "townships", "words"),
    [
        (6, 6, CHINESE),  # the page QA printed: six homes, six subtotals
        (6, 2, CHINESE),  # the demo's two townships
        (6, 6, ENGLISH),
        (30, 12, CHINESE),
        (66, 12, CHINESE),  # QA: the sign-off alone on page 4 of 4
        (125, 12, CHINESE),  # the district
    ],
)
def test_the_sign_off_page_carries_the_total_row_and_the_breakdowns(app, client, make, count, townships, words):
    homes(app, make, count, townships)
    login(client, make.user("clerk", role="admin"))
    pages, signed = signed_pages(client, "scope=district", words)

    assert len(signed) == 1, f"the sign-off is split over pages {signed}"
    (page,) = signed
    assert page == len(pages) - 1, "the sign-off ends the tally"
    text = pages[page]
    for word in words["sign-off"]:
        assert word in text
    total = words["total"].format(homes=count)
    assert re.search(total, text), "the signed page has no total row"
    assert figures_after(total, text)[0] == LECTURES, "the signed page has the total row, with its figures"
    assert words["by kind"] in text and words["by category"] in text
    assert figures_after(words["lecture"], text.split(words["by kind"], 1)[1])[0] == LECTURES
    # Nothing went missing on the way: every home is printed once, the total once, on the signed page.
    everything = "\n".join(pages)
    assert sorted(re.findall(r"第\d{3}村儿童之家", everything)) == [f"第{n:03d}村儿童之家" for n in range(count)]
    assert len(re.findall(total, everything)) == 1


def test_a_township_of_many_homes_signs_its_total_too(app, client, make):
    """A township's tally has no subtotals: the row the sign-off takes along is the total's."""
    sites = homes(app, make, 45, 1)
    login(client, make.user("clerk", role="admin"))
    pages, signed = signed_pages(client, f"scope=township:{sites[0]['township_id']}", CHINESE)
    assert len(pages) > 1 and signed == [len(pages) - 1]
    assert figures_after(CHINESE["total"].format(homes=45), pages[-1])[0] == LECTURES
    assert CHINESE["by kind"] in pages[-1]
