"""The front page: this month against last, the 12-week trend, and homes gone quiet."""

from __future__ import annotations

from datetime import date, timedelta

from formsvc.activities.models import Activity
from formsvc.attendance.dashboard import month_comparison, weekly_trend
from formsvc.attendance.services import sign_in_child
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import clock_stopped_at, local, login, page_text

TODAY = date(2026, 11, 27)


frozen = clock_stopped_at(local(2026, 11, 27, 15, 0))


def attend(app, make, site, day, names):
    activity = make.activity(site, day=day, opens="08:00", closes="20:00", children=True, guardians=False)
    with app.app_context():
        row = db.session.get(Activity, activity["id"])
        for name in names:
            sign_in_child(
                row, child_name=name, signed_by=None, nonce=new_nonce(), now=local(day.year, day.month, day.day, 9)
            )
        db.session.commit()


def test_month_comparison_and_weekly_trend(app, make):
    site = make.site()
    attend(app, make, site, TODAY, ["甲", "乙"])
    attend(app, make, site, date(2026, 11, 2), ["甲"])
    attend(app, make, site, date(2026, 10, 15), ["甲", "乙", "丙"])
    attend(app, make, site, TODAY - timedelta(weeks=13), ["甲"])  # before the 12 weeks
    with app.app_context():
        months = month_comparison([site["id"]], TODAY)
        assert (months.this_month, months.last_month) == (3, 3)
        trend = weekly_trend([site["id"]], TODAY)
    assert len(trend) == 12
    assert trend[-1].starts_on == date(2026, 11, 23) and trend[-1].child_participations == 2
    assert sum(point.child_participations for point in trend) == 2 + 1 + 3


def test_dashboard_shows_the_chart_and_flags_quiet_homes(app, make):
    busy = make.site("甲儿童之家")
    quiet = make.site("乙儿童之家")
    attend(app, make, busy, TODAY - timedelta(days=3), ["甲"])
    attend(app, make, quiet, TODAY - timedelta(days=45), ["乙"])
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    html = client.get("/admin/", headers={"Accept-Language": "en"}).data.decode()
    assert "<svg" in html and "Child visits per week" in html
    rows = {line.split("</td>")[0]: line for line in html.split("<tr") if "儿童之家" in line}
    quiet_row = next(line for key, line in rows.items() if "乙儿童之家" in key)
    busy_row = next(line for key, line in rows.items() if "甲儿童之家" in key)
    assert "no sign-ins for 30 days" in page_text(quiet_row)
    assert "no sign-ins for 30 days" not in page_text(busy_row)
