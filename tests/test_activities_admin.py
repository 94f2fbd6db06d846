"""Scheduling: one site or many at once, repeating series, editing, cancelling, reopening times."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from formsvc.activities.models import Activity, ActivitySeries
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text

FRIDAY = date(2026, 11, 27)


friday_afternoon = clock_stopped_at(local(2026, 11, 27, 15, 0))


def schedule(client, **values):
    fields = form_fields(client.get("/admin/activities/new").data)
    fields.pop("for_guardians", None)
    data = {**fields, **values}
    return client.post("/admin/activities/new", data=data, headers={"Accept-Language": "en"})


def activities(app, *where):
    with app.app_context():
        return db.session.execute(select(Activity).where(*where).order_by(Activity.site_id)).scalars().all()


def test_a_lecture_at_every_home_of_a_township(app, make):
    first = make.site("甲儿童之家", township="城关镇")
    second = make.site("乙儿童之家", township="城关镇")
    elsewhere = make.site("丙儿童之家", township="那坡乡")
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    response = schedule(
        client,
        kind="parent_training",
        title="家庭教育讲座",
        day="2026-11-28",
        opens="09:00",
        closes="11:00",
        for_guardians="y",
        township=str(first["township_id"]),
    )
    assert response.status_code == 302
    made = activities(app, Activity.kind == "parent_training")
    assert [activity.site_id for activity in made] == [first["id"], second["id"]]
    assert elsewhere["id"] not in [activity.site_id for activity in made]
    with app.app_context():
        assert db.session.execute(select(func.count()).where(AuditEntry.action == "activity.create")).scalar() == 2


def test_a_manager_can_only_schedule_at_own_sites(app, make):
    mine = make.site("甲儿童之家")
    other = make.site("乙儿童之家")
    client = app.test_client()
    login(client, make.user("amy", sites=[mine]))
    response = schedule(
        client,
        kind="festival",
        day="2026-11-28",
        opens="09:00",
        closes="11:00",
        for_children="y",
        sites=[str(mine["id"]), str(other["id"])],
    )
    assert response.status_code == 200  # the other site is not a valid choice
    assert activities(app, Activity.kind == "festival") == []
    assert client.get(f"/admin/activities/new?site={other['id']}").status_code == 404


def test_a_backwards_window_is_refused_and_the_form_keeps_its_values(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    response = schedule(
        client,
        kind="visit",
        title="新春慰问",
        day="2026-11-28",
        opens="11:00",
        closes="09:00",
        for_children="y",
        sites=str(site["id"]),
    )
    assert "Sign-in must close after it opens." in page_text(response.data)
    assert form_fields(response.data)["title"] == "新春慰问"


@pytest.mark.parametrize(("day", "until"), [("1900-01-01", ""), ("2206-11-28", ""), ("2026-11-30", "2126-11-30")])
def test_a_date_far_from_today_is_taken_for_a_typo(app, make, day, until):
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    typed = dict(kind="visit", title="新春慰问", day=day, opens="09:00", closes="11:00", for_children="y")
    weekdays = {"weekdays": "6"} if until else {}
    response = schedule(client, **typed, **weekdays, until=until, sites=str(site["id"]))
    assert response.status_code == 200
    assert "Please give a date within two years of today." in page_text(response.data)
    assert form_fields(response.data)["day"] == day
    assert activities(app) == []
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ActivitySeries)).scalar_one() == 0
    # a date a year back (a late paper sheet) or a year ahead is fine
    for fine in ("2025-12-01", "2027-11-01"):
        assert schedule(client, **{**typed, "day": fine}, sites=str(site["id"])).status_code == 302


def test_a_weekday_series_makes_its_days_without_rows_by_hand(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    schedule(
        client,
        kind="other",
        title="课后托管",
        day="2026-11-23",
        opens="16:00",
        closes="18:00",
        for_children="y",
        sites=str(site["id"]),
        weekdays=["1", "2", "3", "4", "5"],
    )
    with app.app_context():
        assert db.session.execute(select(func.count(ActivitySeries.id))).scalar() == 1
    assert activities(app, Activity.series_id.is_not(None)) == []
    page = page_text(client.get(f"/admin/sites/{site['id']}?day=2026-11-27", headers={"Accept-Language": "en"}).data)
    assert "课后托管" in page
    client.get(f"/admin/sites/{site['id']}?day=2026-11-28")  # a Saturday: the series does not run
    made = activities(app, Activity.series_id.is_not(None))
    assert [activity.on_date for activity in made] == [FRIDAY]
    client.get(f"/admin/sites/{site['id']}?day=2026-11-27")
    assert len(activities(app, Activity.series_id.is_not(None))) == 1


def test_a_closed_series_day_says_when_it_reopens(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    schedule(
        client,
        kind="other",
        title="课后托管",
        day="2026-11-23",
        opens="13:00",
        closes="14:00",
        for_children="y",
        sites=str(site["id"]),
        weekdays=["1", "2", "3", "4", "5"],
    )
    client.get(f"/admin/sites/{site['id']}?day=2026-11-27")
    friday = activities(app, Activity.series_id.is_not(None))[0]
    page = app.test_client().get(f"/a/{friday.public_token}/child", headers={"Accept-Language": "en"})
    text = page_text(page.data)
    assert "Sign-in opens again on" in text and "November 30, 2026" in text and "13:00" in text


def test_edit_and_cancel_an_activity(app, make):
    site = make.site()
    lecture = make.activity(site, day=FRIDAY, opens="14:00", closes="16:00")
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    fields = form_fields(client.get(f"/admin/activities/{lecture['id']}/edit").data)
    assert fields["opens"] == "14:00"
    client.post(f"/admin/activities/{lecture['id']}/edit", data={**fields, "closes": "17:30"})
    page = form_fields(client.get(f"/admin/activities/{lecture['id']}/edit").data)
    assert page["closes"] == "17:30"
    client.post(f"/admin/activities/{lecture['id']}/cancel", data={"csrf_token": page["csrf_token"]})
    assert activities(app, Activity.id == lecture["id"])[0].cancelled
    public = app.test_client().get(f"/s/{site['token']}", headers={"Accept-Language": "en"})
    assert "家庭教育讲座" not in page_text(public.data)
    # a phone that still has the form's link (or scans a lecture screen) gets no form to fill
    phone = app.test_client().get(f"/a/{lecture['token']}/guardian", headers={"Accept-Language": "en"})
    assert phone.status_code == 200 and "This activity has been cancelled." in page_text(phone.data)
    assert b"<form" not in phone.data and f"/s/{site['token']}".encode() in phone.data


def test_a_township_viewer_reads_but_cannot_schedule(app, make):
    site = make.site()
    with app.app_context():
        from formsvc.accounts.models import Role
        from formsvc.accounts.services import create_user

        create_user(
            username="viewer", password="viewer-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=site["township_id"]
        )
        db.session.commit()
    client = app.test_client()
    login(client, {"username": "viewer", "password": "viewer-pass-1"})
    assert client.get(f"/admin/sites/{site['id']}").status_code == 200
    assert client.get("/admin/activities/new").status_code == 403


def test_the_repeating_activities_say_on_which_days_and_until_when(app, make):
    """QA: the list under a home's day named each repeating activity and its hours, not its
    weekdays or its end, right beside "stop repeating"."""
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    common = {"kind": "other", "day": "2026-11-23", "for_children": "y", "sites": str(site["id"])}
    schedule(client, **common, title="课后托管", opens="16:00", closes="18:00", weekdays=["1", "2", "3", "4", "5"])
    schedule(
        client, **common, title="周末阅读", opens="09:00", closes="11:00", weekdays=["1", "3", "5"], until="2026-12-31"
    )
    zh = page_text(client.get(f"/admin/sites/{site['id']}?day=2026-11-27", headers={"Accept-Language": "zh-CN"}).data)
    assert "课后托管 · 周一至周五 16:00–18:00 · 一直重复，直到停止" in zh
    assert "周末阅读 · 周一、周三、周五 09:00–11:00 · 到2026年12月31日为止" in zh
    en = page_text(client.get(f"/admin/sites/{site['id']}?day=2026-11-27", headers={"Accept-Language": "en"}).data)
    assert "课后托管 · Mon to Fri 16:00–18:00 · until stopped" in en
    assert "周末阅读 · Mon, Wed, Fri 09:00–11:00 · until December 31, 2026" in en
