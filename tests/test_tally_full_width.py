"""The tally's period and dates typed full-width (２０２６－１１), as a Chinese keyboard may, mean 2026-11.

QA: a clerk typing "２０２６－１１" in the period box got a format error; names and phones
already read full-width input.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import clock_stopped_at, local, login, page_text

frozen = clock_stopped_at(local(2026, 11, 27, 10, 0))
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def clerk(client, make):
    home = make.site()
    make.activity(home, day=date(2026, 11, 20))  # held in November and in Q4, not in October
    make.activity(home, day=date(2026, 3, 2))
    login(client, make.user("clerk", role="admin"))
    return client


def counts(response) -> str:
    """The figures at the top of the page (homes, activities, visits …), as read."""
    assert response.status_code == 200
    html = response.data.decode()
    return page_text(html.split('<dl class="counts">', 1)[1].split("</dl>", 1)[0])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("２０２６－１１", "2026-11"),
        ("２０２６－Ｑ４", "2026-Q4"),
        ("２０２６－ｑ４", "2026-q4"),
        ("２０２６", "2026"),
        ("　２０２６－１１　", "2026-11"),  # ideographic spaces around it
    ],
)
def test_a_period_typed_full_width_is_the_period(clerk, typed, meant):
    wanted = clerk.get(f"/admin/tallies?scope=district&period={meant}", headers=ZH)
    got = clerk.get(f"/admin/tallies?scope=district&period={typed}", headers=ZH)
    text = page_text(got.data)
    assert "时间段请写成" not in text
    assert counts(got) == counts(wanted)
    assert f'value="{meant}"' in got.data.decode()  # the box shows what it was read as
    for fmt in ("pdf", "xlsx", "csv"):
        assert clerk.get(f"/admin/tallies.{fmt}?scope=district&period={typed}").status_code == 200


def test_dates_typed_full_width_where_the_browser_offers_a_text_box(clerk):
    wanted = clerk.get("/admin/tallies?scope=district&period=2026-11", headers=ZH)
    typed = "date_from=２０２６－１１－０１&date_to=２０２６－１１－３０"
    got = clerk.get(f"/admin/tallies?scope=district&{typed}", headers=ZH)
    assert counts(got) == counts(wanted)
    assert clerk.get(f"/admin/tallies.csv?scope=district&{typed}").status_code == 200


def test_what_is_still_not_a_period_is_refused_and_shown_as_typed(clerk):
    got = clerk.get("/admin/tallies?scope=district&period=２０２６－１３", headers={"Accept-Language": "en"})
    assert "Please write a period as 2026, 2026-Q4 or 2026-11 (“2026-13” is none of these)." in page_text(got.data)
    bad_date = clerk.get("/admin/tallies?scope=district&date_from=２０２６－１１－３１&date_to=２０２６－１２－０１")
    assert "２０２６－１１－３１" in bad_date.data.decode()  # shown back for correcting
    assert clerk.get("/admin/tallies.csv?scope=district&period=２０２６－１３").status_code == 400
