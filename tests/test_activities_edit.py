"""Editing an activity: moving it to another day, and every problem of the form shown beside its field."""

from __future__ import annotations

import re
from datetime import date, time
from html import unescape

import pytest
from sqlalchemy import select

from formsvc.activities.models import Activity, ActivityKind
from formsvc.activities.services import ActivityPlan, edit_activity, schedule
from formsvc.audit.models import AuditEntry
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.surveys.models import SurveyLink
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text
from tests.survey_helpers import make_template, spec, use_at_activity
from tests.workspace_helpers import EN, guardian_sign_in, qr_sign_in

FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)

friday_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


def manager_client(app, make, site):
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    return client


def edit(client, activity_id, **values):
    url = f"/admin/activities/{activity_id}/edit"
    fields = form_fields(client.get(url).data)
    return client.post(url, data={**fields, **values}, headers=EN)


def activity(app, activity_id) -> Activity:
    with app.app_context():
        found = db.session.get(Activity, activity_id)
        db.session.expunge(found)
        return found


def error_beside(html: bytes, field_id: str) -> str | None:
    """The error shown beside a field (the field macro's and the fieldsets' ``<id>-error``)."""
    match = re.search(rf'id="{field_id}-error">([^<]*)<', html.decode())
    return unescape(match.group(1)) if match else None


def test_a_lecture_moves_to_the_next_day_keeping_its_row_links_and_survey(app, make):
    site = make.site()
    lecture = make.activity(site, day=FRIDAY, opens="14:00", closes="16:00")
    survey_token = use_at_activity(app, make_template(app, [spec("rating", "讲得怎么样？")]), lecture["id"])
    client = manager_client(app, make, site)
    assert form_fields(client.get(f"/admin/activities/{lecture['id']}/edit").data)["day"] == "2026-11-27"

    response = edit(client, lecture["id"], day="2026-11-28")

    assert response.status_code == 302 and "day=2026-11-28" in response.location
    moved = activity(app, lecture["id"])
    assert moved.on_date == SATURDAY and moved.public_token == lecture["token"]
    assert (moved.opens_at, moved.closes_at) == (local(2026, 11, 28, 14), local(2026, 11, 28, 16))
    with app.app_context():
        link = db.session.execute(select(SurveyLink).where(SurveyLink.public_token == survey_token)).scalar_one()
        assert link.activity_id == lecture["id"]
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "activity.edit")).scalar_one()
        assert entry.details == {"moved_from": "2026-11-27", "day": "2026-11-28"}
    friday = page_text(client.get(f"/admin/sites/{site['id']}?day=2026-11-27", headers=EN).data)
    saturday = page_text(client.get(f"/admin/sites/{site['id']}?day=2026-11-28", headers=EN).data)
    assert "家庭教育讲座" not in friday and "家庭教育讲座" in saturday


@pytest.mark.parametrize("who", ["child", "guardian"])
def test_an_activity_with_sign_ins_stays_on_its_day(app, make, who):
    site = make.site()
    lecture = make.activity(site, day=FRIDAY, children=True, guardians=True)
    if who == "child":
        make.child(site, "王小明")
        qr_sign_in(app, lecture["id"], "王小明")
    else:
        guardian_sign_in(app, lecture["id"])
    client = manager_client(app, make, site)

    response = edit(client, lecture["id"], day="2026-11-28", title="改期的讲座")

    assert response.status_code == 200
    assert error_beside(response.data, "day") == (
        "People have already signed in to this activity, so it stays on its day. "
        "For another day, schedule a new activity."
    )
    assert form_fields(response.data)["day"] == "2026-11-28"
    assert form_fields(response.data)["title"] == "改期的讲座"
    unchanged = activity(app, lecture["id"])
    assert (unchanged.on_date, unchanged.title) == (FRIDAY, "家庭教育讲座")
    # the rest can still be edited while it stays on its day
    assert edit(client, lecture["id"], title="改名的讲座").status_code == 302
    assert activity(app, lecture["id"]).title == "改名的讲座"


def test_a_voided_sign_in_does_not_hold_an_activity_to_its_day(app, make):
    from formsvc.accounts.models import User
    from formsvc.attendance.models import Attendance
    from formsvc.attendance.voiding import void_attendance

    site = make.site()
    lecture = make.activity(site, day=FRIDAY, children=True)
    make.child(site, "王小明")
    attendance_id = qr_sign_in(app, lecture["id"], "王小明")
    manager = make.user("amy", sites=[site])
    with app.app_context():
        user = db.session.get(User, manager["id"])
        void_attendance(db.session.get(Attendance, attendance_id), user=user, reason="wrong_activity")
        db.session.commit()
    client = app.test_client()
    login(client, manager)
    assert edit(client, lecture["id"], day="2026-11-28").status_code == 302
    assert activity(app, lecture["id"]).on_date == SATURDAY


def test_the_daily_opening_has_no_date_to_change(app, make, ctx):
    site = make.site()
    daily = make.daily(site, FRIDAY)
    client = manager_client(app, make, site)
    fields = form_fields(client.get(f"/admin/activities/{daily['id']}/edit").data)
    assert "day" not in fields
    assert edit(client, daily["id"], day="2026-11-28", closes="20:00").status_code == 302
    assert activity(app, daily["id"]).on_date == FRIDAY
    # the service refuses too, whoever calls it
    opening = db.session.get(Activity, daily["id"])
    with pytest.raises(DomainError) as refused:
        edit_activity(
            opening,
            day=SATURDAY,
            title="",
            opens=time(7),
            closes=time(21),
            for_children=True,
            for_guardians=False,
            for_volunteers=False,
        )
    assert refused.value.code == "daily_fixed"


def test_one_day_of_a_series_moves_as_a_one_off_and_the_series_does_not_come_back_on_the_old_day(app, make):
    site = make.site()
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.OTHER,
            title="课后托管",
            day=date(2026, 11, 23),
            opens=time(16),  # open now, so the poster would list it
            closes=time(18),
            for_children=True,
            weekdays="12345",
        )
        schedule(plan, [db.session.get(Site, site["id"])])
        db.session.commit()
    client = manager_client(app, make, site)
    client.get(f"/admin/sites/{site['id']}?day=2026-11-27")  # makes Friday's day of the series
    with app.app_context():
        friday = db.session.execute(select(Activity).where(Activity.title == "课后托管")).scalar_one()
        friday_id, friday_token = friday.id, friday.public_token
    page = page_text(client.get(f"/admin/activities/{friday_id}/edit", headers=EN).data)
    assert "becomes a one-off on the new date" in page

    onto_monday = edit(client, friday_id, day="2026-11-30")  # the series' own day: two of it there
    assert error_beside(onto_monday.data, "day") == (
        "This repeating activity already takes place on November 30, 2026; choose another day."
    )
    in_chinese = client.post(
        f"/admin/activities/{friday_id}/edit",
        data={**form_fields(client.get(f"/admin/activities/{friday_id}/edit").data), "day": "2026-11-30"},
    )
    assert "2026年11月30日" in error_beside(in_chinese.data, "day")
    assert "2026-11-30" not in error_beside(in_chinese.data, "day")
    assert edit(client, friday_id, day="2026-11-28").status_code == 302

    moved = activity(app, friday_id)
    assert (moved.on_date, moved.series_id, moved.public_token) == (SATURDAY, None, friday_token)
    for _visit in range(2):  # the day view and the poster make series days on first need
        client.get(f"/admin/sites/{site['id']}?day=2026-11-27")
        poster = page_text(app.test_client().get(f"/s/{site['token']}", headers=EN).data)
        assert "课后托管" not in poster
    with app.app_context():
        days = db.session.execute(
            select(Activity.on_date, Activity.series_id.is_not(None), Activity.cancelled)
            .where(Activity.title == "课后托管")
            .order_by(Activity.on_date)
        ).all()
    assert [tuple(day) for day in days] == [(FRIDAY, True, True), (SATURDAY, False, False)]
    client.get(f"/admin/sites/{site['id']}?day=2026-11-30")  # the series goes on next week
    assert len(activity_days(app, date(2026, 11, 30))) == 1


def activity_days(app, day):
    with app.app_context():
        return db.session.execute(
            select(Activity.id).where(Activity.title == "课后托管", Activity.on_date == day)
        ).all()


def test_a_date_far_from_today_is_refused_on_edit(app, make):
    site = make.site()
    lecture = make.activity(site, day=FRIDAY)
    client = manager_client(app, make, site)
    response = edit(client, lecture["id"], day="2206-11-28")
    assert error_beside(response.data, "day") == "Please give a date within two years of today."
    assert activity(app, lecture["id"]).on_date == FRIDAY


def test_an_old_activity_keeps_its_day_and_its_title_can_still_be_corrected(app, make):
    """A lecture from an old ledger (2023) is far from today, but the day it has is its own."""
    site = make.site()
    old = make.activity(site, day=date(2023, 9, 1), title="家长讲座（错字）")
    client = manager_client(app, make, site)
    response = edit(client, old["id"], title="家长讲座")
    assert response.status_code == 302, error_beside(response.data, "day")
    assert (activity(app, old["id"]).title, activity(app, old["id"]).on_date) == ("家长讲座", date(2023, 9, 1))


def schedule_page(client, **values):
    fields = form_fields(client.get("/admin/activities/new").data)
    fields.pop("for_guardians", None)
    return client.post("/admin/activities/new", data={**fields, **values}, headers=EN)


def test_every_problem_of_the_schedule_form_is_shown_at_once_beside_its_field(app, make):
    make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    response = schedule_page(
        client,
        kind="visit",
        title="新春慰问",
        day="2026-11-30",
        opens="11:00",
        closes="09:00",
        weekdays="1",
        until="2026-11-29",
    )
    assert response.status_code == 200
    assert error_beside(response.data, "closes") == "Sign-in must close after it opens."
    assert error_beside(response.data, "until") == "“Repeat until” cannot be before the date."
    assert error_beside(response.data, "sites") == "Choose at least one Children's Home."
    assert error_beside(response.data, "for_children") == "Choose who signs in: children, guardians or volunteers."
    assert "Please check the fields marked below." in page_text(response.data)
    kept = form_fields(response.data)
    assert (kept["title"], kept["opens"], kept["closes"], kept["until"]) == ("新春慰问", "11:00", "09:00", "2026-11-29")
    assert kept["weekdays"] == "1"


def test_every_problem_of_the_edit_form_is_shown_at_once_beside_its_field(app, make):
    site = make.site()
    lecture = make.activity(site, day=FRIDAY)
    client = manager_client(app, make, site)
    url = f"/admin/activities/{lecture['id']}/edit"
    fields = form_fields(client.get(url).data)
    fields.pop("for_guardians")
    response = client.post(url, data={**fields, "opens": "11:00", "closes": "09:00", "title": "讲" * 101}, headers=EN)
    assert error_beside(response.data, "closes") == "Sign-in must close after it opens."
    assert error_beside(response.data, "for_children") == "Choose who signs in: children, guardians or volunteers."
    assert error_beside(response.data, "title") == "Please keep the title to at most 100 characters."
    assert form_fields(response.data)["title"] == "讲" * 101


def test_a_title_too_long_is_not_answered_in_wtforms_words(app, make):
    make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    page = form_fields(client.get("/admin/activities/new").data)
    response = client.post(
        "/admin/activities/new", data={**page, "title": "讲" * 101}, headers={"Accept-Language": "zh"}
    )
    assert error_beside(response.data, "title")
    assert "字段长度" not in page_text(response.data)  # WTForms' own words, naming no field
