"""The district admin setting up the year: homes and accounts say what they did, and ask first.

QA (the admin on a PC and a phone): deactivating a home stopped its repeating activities for
good on one click and without a word, and activating it again did not bring them back; an
account's enable/disable said nothing; a manager could not be made township viewer until her
homes were unticked; an opening date in 2030 was taken silently (the home takes no sign-ins
before it opens); a misspelt township on the home form became a second township unnoticed;
a wrong password was said twice on the login page.
"""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from formsvc.accounts.models import Role, User
from formsvc.activities.models import ActivityKind, ActivitySeries
from formsvc.activities.services import ActivityPlan, schedule
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site, Township
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text

EN = {"Accept-Language": "en"}

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def boss(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


@pytest.fixture
def home_with_saturdays(app, make):
    """A home with a repeating Saturday class, running since 7 November."""
    site = make.site()
    with app.app_context():
        plan = ActivityPlan(
            kind=ActivityKind.PARENT_TRAINING,
            title="周六家长课堂",
            day=date(2026, 11, 7),
            opens=time(9),
            closes=time(11),
            for_guardians=True,
            weekdays="6",
        )
        series = schedule(plan, [db.session.get(Site, site["id"])])[0]
        db.session.commit()
        return {**site, "series_id": series.id}


def press(client, url: str, page: str):
    """A button of ``page`` (the question before it, if any, answered yes); the page it leads to."""
    token = form_fields(client.get(page).data)["csrf_token"]
    return client.post(url, data={"csrf_token": token}, headers=EN, follow_redirects=True)


def series_stopped(app, series_id: int) -> bool:
    with app.app_context():
        return db.session.get(ActivitySeries, series_id).stopped


# --- 1. deactivating a home ---------------------------------------------------------------


def test_deactivating_a_home_asks_first_and_says_how_many_repeating_activities_stop(app, boss, home_with_saturdays):
    site = home_with_saturdays
    html = boss.get("/admin/sites/", headers=EN).data.decode()
    action = f"/admin/sites/{site['id']}/deactivate"
    # The button only opens the question (<details>, no JavaScript needed); the form is inside it.
    asked = re.search(
        r'<details class="confirm">\s*<summary class="button">Deactivate</summary>(.*?)</details>', html, re.S
    )
    assert asked and f'action="{action}"' in asked.group(1)
    assert html.count(f'action="{action}"') == 1
    question = page_text(asked.group(1))
    assert "Deactivate 新华村儿童之家?" in question
    assert "repeating activities (1) stop for good" in question and "does not restart them" in question
    assert not series_stopped(app, site["series_id"])


def test_a_home_without_repeating_activities_is_asked_about_plainly(app, make, boss):
    site = make.site()
    html = boss.get("/admin/sites/", headers=EN).data.decode()
    question = page_text(re.search(r'<details class="confirm">(.*?)</details>', html, re.S).group(1))
    assert "Deactivate 新华村儿童之家? Sign-ins close at once." in question and "repeating" not in question
    page = page_text(press(boss, f"/admin/sites/{site['id']}/deactivate", "/admin/sites/").data)
    assert "新华村儿童之家 is deactivated: sign-ins are closed. Repeating activities stopped: 0." in page


def test_deactivating_and_activating_a_home_say_what_happened(app, boss, home_with_saturdays):
    site = home_with_saturdays
    done = press(boss, f"/admin/sites/{site['id']}/deactivate", "/admin/sites/")
    assert "新华村儿童之家 is deactivated: sign-ins are closed. Repeating activities stopped: 1." in page_text(
        done.data
    )
    assert series_stopped(app, site["series_id"])

    again = press(boss, f"/admin/sites/{site['id']}/activate", "/admin/sites/")
    text = page_text(again.data)
    assert "新华村儿童之家 is active again: sign-ins are open." in text
    assert "Its stopped repeating activities (1) stay stopped; schedule them again on the activities page." in text
    # Kept stopped: nobody planned the reopened home's weeks yet.
    assert series_stopped(app, site["series_id"])
    with app.app_context():
        assert db.session.get(Site, site["id"]).active


def test_a_second_tap_on_deactivate_changes_and_records_nothing_more(app, boss, home_with_saturdays):
    site = home_with_saturdays
    press(boss, f"/admin/sites/{site['id']}/deactivate", "/admin/sites/")
    second = press(boss, f"/admin/sites/{site['id']}/deactivate", "/admin/sites/")
    assert "新华村儿童之家 is already deactivated." in page_text(second.data)
    with app.app_context():
        entries = db.session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "site.deactivate")
        ).scalar_one()
    assert entries == 1


# --- 2. enabling and disabling an account -------------------------------------------------


def test_enabling_and_disabling_an_account_say_so(app, make, boss):
    amy = make.user("amy", sites=[make.site()])
    disabled = page_text(press(boss, f"/admin/users/{amy['id']}/disable", "/admin/users/").data)
    assert "amy is disabled: signed out, and cannot log in until enabled again." in disabled
    enabled = page_text(press(boss, f"/admin/users/{amy['id']}/enable", "/admin/users/").data)
    assert "amy is enabled and can log in again." in enabled


# --- 3. changing an account's role --------------------------------------------------------


def account(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.site_ids = [site.id for site in user.sites]
        return user


def edit_page(client, user_id: int, **changes):
    """The account's edit page sent back as the browser shows it (homes ticked), with ``changes``."""
    url = f"/admin/users/{user_id}"
    fields = form_fields(client.get(url).data)
    html = client.get(url).data.decode()
    role = re.search(r"<option (?:selected value=\"(\w+)\"|value=\"(\w+)\" selected)", html)
    fields["role"] = role.group(1) or role.group(2)
    return client.post(url, data={**fields, **changes}, headers=EN)


def test_a_manager_made_township_viewer_loses_the_homes_she_had_ticked(app, make, boss):
    site = make.site()
    amy = make.user("amy", sites=[site])
    # The edit page shows her home ticked; the admin only changes the role and picks a township.
    response = edit_page(boss, amy["id"], role="township_viewer", township=str(site["township_id"]))
    assert response.status_code == 302, page_text(response.data)
    changed = account(app, amy["id"])
    assert changed.role == Role.TOWNSHIP_VIEWER and changed.township_id == site["township_id"]
    assert changed.site_ids == []


def test_a_township_viewer_made_manager_loses_the_township_left_chosen(app, make, boss):
    site = make.site()
    tina = make.user("tina", role="township_viewer")
    with app.app_context():
        db.session.get(User, tina["id"]).township_id = site["township_id"]
        db.session.commit()
    response = edit_page(boss, tina["id"], role="manager", sites=str(site["id"]), township=str(site["township_id"]))
    assert response.status_code == 302, page_text(response.data)
    changed = account(app, tina["id"])
    assert changed.role == Role.MANAGER and changed.township_id is None and changed.site_ids == [site["id"]]


def test_a_manager_made_district_admin_with_her_homes_still_ticked_is_refused(app, make, boss):
    """A district admin sees every home: homes left ticked with that role may mean the role is
    the slip, so the rule still asks (as it does for a viewer's township)."""
    site = make.site()
    amy = make.user("amy", sites=[site])
    response = edit_page(boss, amy["id"], role="admin")
    assert response.status_code == 200
    assert "Children's Homes are ticked only for a site manager." in page_text(response.data)
    assert account(app, amy["id"]).role == Role.MANAGER


def test_homes_ticked_for_a_new_district_admin_are_still_refused(app, make, boss):
    site = make.site()
    fields = form_fields(boss.get("/admin/users/new").data)
    response = boss.post(
        "/admin/users/new",
        data={**fields, "username": "wang", "role": "admin", "sites": str(site["id"]), "township": "0"},
        headers=EN,
    )
    assert response.status_code == 200
    assert "Children's Homes are ticked only for a site manager." in page_text(response.data)
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "wang")).scalar_one_or_none() is None


# --- 4. the opening date ------------------------------------------------------------------


def new_home(client, **values):
    fields = form_fields(client.get("/admin/sites/new").data)
    data = {**fields, "township": "城关镇", "name": "新华村儿童之家", "level": "standard", **values}
    return client.post("/admin/sites/new", data=data, headers=EN)


def site_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Site.id))).scalar_one()


def test_an_opening_date_years_ahead_is_refused_with_what_was_typed_kept(app, boss):
    response = new_home(boss, opened_on="2030-01-01", village="新华村")
    assert response.status_code == 200
    assert "This opening date is more than a year ahead: please check the year." in page_text(response.data)
    kept = form_fields(response.data)
    assert kept["opened_on"] == "2030-01-01" and kept["village"] == "新华村"
    assert site_count(app) == 0


def test_an_opening_date_within_the_year_is_taken(app, boss):
    assert new_home(boss, opened_on="2027-03-01").status_code == 302
    with app.app_context():
        assert db.session.execute(select(Site.opened_on)).scalar_one() == date(2027, 3, 1)


def test_editing_a_home_refuses_an_opening_date_years_ahead(app, make, boss):
    site = make.site()
    url = f"/admin/sites/{site['id']}/edit"
    fields = form_fields(boss.get(url).data)
    response = boss.post(url, data={**fields, "level": "standard", "opened_on": "2030-01-01"}, headers=EN)
    assert response.status_code == 200 and "more than a year ahead" in page_text(response.data)
    with app.app_context():
        assert db.session.get(Site, site["id"]).opened_on is None


# --- 5. a township typed on the home form -------------------------------------------------


def test_a_new_township_typed_on_the_home_form_is_pointed_out(app, make, boss):
    make.site(township="城关镇")
    response = new_home(boss, township="城关真", name="东门社区儿童之家")
    assert response.status_code == 302
    text = page_text(boss.get("/admin/sites/", headers=EN).data)
    assert (
        "A new township was created: 城关真. It looks like 城关镇, already in the list: is the name misspelt?" in text
    )


def test_a_known_township_on_the_home_form_says_only_saved(app, make, boss):
    make.site(township="城关镇")
    new_home(boss, name="东门社区儿童之家")
    text = page_text(boss.get("/admin/sites/", headers=EN).data)
    assert "Saved." in text and "new township" not in text
    with app.app_context():
        assert db.session.execute(select(func.count(Township.id))).scalar_one() == 1


def test_moving_a_home_to_a_new_township_is_pointed_out(app, make, boss):
    site = make.site(township="城关镇")
    url = f"/admin/sites/{site['id']}/edit"
    fields = form_fields(boss.get(url).data)
    saved = boss.post(url, data={**fields, "level": "standard", "township": "那坡乡"}, headers=EN)
    assert saved.status_code == 302
    text = page_text(boss.get("/admin/sites/", headers=EN).data)
    assert "A new township was created: 那坡乡." in text and "looks like" not in text


# --- 6. a wrong password ------------------------------------------------------------------


def test_a_wrong_password_is_said_once(app, make):
    make.user("amy", sites=[make.site()])
    client = app.test_client()
    fields = form_fields(client.get("/admin/login").data)
    response = client.post("/admin/login", data={**fields, "username": "amy", "password": "not-it-1"}, headers=EN)
    html = response.data.decode()
    assert page_text(html).count("The username or password is not right.") == 1
    # On the password field, where the focus goes back.
    assert re.search(r'<p class="error" id="password-error">The username or password is not right.</p>', html)
    assert "Please check the fields marked below" not in page_text(html)
