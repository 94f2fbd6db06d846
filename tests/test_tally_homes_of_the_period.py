"""Which homes a tally lists (and counts as 儿童之家 N): those open on some day of its period.

QA: the 2025 tally listed homes entered in 2026 with zeros, and deactivating a home today took
it out of every earlier period's count, so last year's key figure changed with later clicks.
"""

from __future__ import annotations

from datetime import date

from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.sites.services import create_site
from formsvc.tallies.services import compute_tally
from tests.conftest import clock_stopped_at, local

entered = clock_stopped_at(local(2026, 11, 20, 10, 0))


def listed(scope_period: tuple[date, date]) -> set[str]:
    tally = compute_tally("district", *scope_period)
    return {row.site for block in tally.townships for row in block.sites}


def test_a_period_lists_the_homes_open_then(app):
    with app.app_context():
        create_site(township_name="城关镇", name="老村儿童之家", opened_on=date(2020, 9, 1))
        create_site(township_name="城关镇", name="新建村儿童之家", opened_on=date(2026, 12, 1))
        create_site(township_name="城关镇", name="刚录入儿童之家")  # no opening day: entered today
        closed = create_site(township_name="那坡乡", name="停办村儿童之家", opened_on=date(2020, 9, 1))
        closed.set_active(False, date(2026, 11, 20))
        db.session.commit()

        assert listed((date(2025, 1, 1), date(2025, 12, 31))) == {"老村儿童之家", "停办村儿童之家"}
        assert listed((date(2026, 11, 1), date(2026, 11, 30))) == {"老村儿童之家", "刚录入儿童之家", "停办村儿童之家"}
        assert listed((date(2026, 12, 1), date(2026, 12, 31))) == {"老村儿童之家", "新建村儿童之家", "刚录入儿童之家"}
        assert compute_tally("district", date(2025, 1, 1), date(2025, 12, 31)).total.site_count == 2


def test_reopening_a_home_forgets_the_day_it_closed(app):
    with app.app_context():
        site = create_site(township_name="城关镇", name="老村儿童之家", opened_on=date(2020, 9, 1))
        site.set_active(False, date(2026, 3, 1))
        assert (site.active, site.closed_on) == (False, date(2026, 3, 1))
        site.set_active(True, date(2026, 11, 20))
        db.session.commit()
        assert (db.session.get(Site, site.id).active, db.session.get(Site, site.id).closed_on) == (True, None)
