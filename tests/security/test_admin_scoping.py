"""Walk every workspace URL as people who must not get through, and check nothing leaks or changes.

The URL map is read at test time, so a new admin route is covered the day it is added. Ids in
the URLs point at the *other* site's records; a manager of site A asking for site B's page,
export, PDF or record must get 404 (as for a record that does not exist), never the data, and a
refused POST must change nothing in the database. 403 is for a page the person may not use at
all (a manager at the accounts list, a township viewer at a form that changes her own homes).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, inspect, select, text

from formsvc.accounts.scoping import RECORD_ARGUMENTS
from formsvc.activities.models import Activity, ActivitySeries
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from tests.conftest import form_fields, login

DAY = date(2026, 11, 27)
OTHER_SITE_NAME = "河西村儿童之家"
OTHER_CHILD_NAME = "黄子轩秘密"
# Pages that are for everyone signed in, whatever their sites: they list only what is theirs.
OPEN_TO_ANY_SIGNED_IN = re.compile(r"^/admin/(login|logout|password)?$")


def admin_rules(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint == "static":
            continue
        if rule.rule in ("/admin/login", "/admin/logout"):
            continue
        yield rule


def build_world(app, make):
    mine = make.site("新华村儿童之家", township="城关镇")
    other = make.site(OTHER_SITE_NAME, township="那坡乡")
    amy = make.user("amy", sites=[mine])
    make.user("bob", sites=[other])
    boss = make.user("boss", role="admin")
    ids = {"site_id": other["id"], "township_id": other["township_id"], "user_id": boss["id"]}
    lecture = make.activity(other, day=DAY, children=True, guardians=True)
    ids["activity_id"] = lecture["id"]
    child_id = make.child(other, OTHER_CHILD_NAME)
    ids["child_id"] = child_id
    with app.app_context():
        from formsvc.accounts.models import Role
        from formsvc.accounts.services import create_user

        create_user(
            username="viewer", password="viewer-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=other["township_id"]
        )
        db.session.add(
            ActivitySeries(
                site_id=other["id"],
                kind="other",
                title="托管",
                weekdays="12345",
                opens=__import__("datetime").time(16),
                closes=__import__("datetime").time(18),
                starts_on=DAY,
            )
        )
        attendance = Attendance(activity_id=lecture["id"], child_id=child_id, source="roll_call")
        signin = AdultSignIn(
            activity_id=lecture["id"], role="guardian", name="黄家长秘密", name_key="黄家长秘密", source="qr"
        )
        db.session.add_all([attendance, signin])
        db.session.commit()
        ids["series_id"] = db.session.execute(select(ActivitySeries.id)).scalar_one()
        ids["attendance_id"] = attendance.id
        ids["signin_id"] = ids["adult_signin_id"] = signin.id
    return amy, ids


def url_for_rule(rule, ids) -> tuple[str, list[str]]:
    unknown = []
    values = {}
    for argument in rule.arguments:
        if argument in ids:
            values[argument] = ids[argument]
        elif argument == "action":
            values[argument] = None
        else:
            unknown.append(argument)
            values[argument] = 999_999
    url = rule.rule
    for argument, value in values.items():
        if value is None:
            # any(...) converters: take the first allowed word
            match = re.search(r"<any\(([^)]*)\):" + argument + ">", url)
            value = match.group(1).split(",")[0].strip() if match else "x"
        url = re.sub(r"<(?:[^:<>]+:)?" + argument + r"(?:\([^)]*\))?>", str(value), url)
        url = re.sub(r"<any\([^)]*\):" + argument + ">", str(value), url)
    return url, unknown


def database_fingerprint(app) -> dict[str, int]:
    with app.app_context():
        names = [name for name in inspect(db.engine).get_table_names() if name not in ("alembic_version",)]
        ignored = {"login_attempts", "audit_entries"}
        return {
            name: db.session.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
            for name in names
            if name not in ignored
        } | {
            "voided": db.session.execute(select(func.count()).where(Attendance.voided_at.is_not(None))).scalar_one(),
            "cancelled": db.session.execute(select(func.count()).where(Activity.cancelled.is_(True))).scalar_one(),
            "children_status": hash(tuple(db.session.execute(select(Child.status)).scalars())),
        }


def csrf_token_for(client) -> str:
    return form_fields(client.get("/admin/password").data)["csrf_token"]


@pytest.fixture
def world(app, make):
    return build_world(app, make)


def test_anonymous_visitors_are_sent_to_the_login_page(app, world):
    _amy, ids = world
    client = app.test_client()
    for rule in admin_rules(app):
        url, _unknown = url_for_rule(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401, 403, 404, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/admin/login" in response.headers["Location"], (method, url)


def test_a_manager_of_another_site_gets_nothing_from_any_admin_url(app, world):
    amy, ids = world
    client = app.test_client()
    login(client, amy)
    token = csrf_token_for(client)
    before = database_fingerprint(app)
    checked = []
    for rule in admin_rules(app):
        url, unknown = url_for_rule(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "reason": "x", "nonce": "n" * 20, "present": "y", "names": "王"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            body = response.get_data().decode("utf-8", "replace")
            leaked = OTHER_CHILD_NAME in body or "黄家长秘密" in body
            if rule.arguments & RECORD_ARGUMENTS:  # another home's record, or one that does not exist
                assert response.status_code == 404, (method, url, response.status_code)
            elif rule.arguments - {"action"} and not unknown:
                assert response.status_code in (403, 404, 405), (method, url, response.status_code)
            else:
                assert response.status_code in (200, 302, 400, 403, 404, 405), (method, url, response.status_code)
            assert not leaked, (method, url)
            checked.append((method, url))
    assert database_fingerprint(app) == before
    assert len(checked) > 10


def test_a_township_viewer_can_read_but_every_write_is_refused(app, world):
    _amy, ids = world
    client = app.test_client()
    login(client, {"username": "viewer", "password": "viewer-pass-1"})
    token = csrf_token_for(client)
    # Read first: on a weekday the page makes the day's opening and series day, as for anyone.
    assert client.get(f"/admin/sites/{ids['site_id']}").status_code == 200
    before = database_fingerprint(app)
    for rule in admin_rules(app):
        if "POST" not in rule.methods or rule.rule == "/admin/password":
            continue
        url, _unknown = url_for_rule(rule, ids)
        data = {"csrf_token": token, "reason": "x", "nonce": "n" * 20, "present": "y", "names": "王"}
        response = client.post(url, data=data)
        assert response.status_code in (400, 403, 404, 405), (url, response.status_code)
    assert database_fingerprint(app) == before


def test_every_record_an_admin_url_names_is_scoped(app):
    """A new route naming a record by a new argument gets its owner in scoping._OWNING_SITE."""
    arguments = {argument for rule in admin_rules(app) for argument in rule.arguments}
    assert {argument for argument in arguments if argument.endswith("_id")} <= RECORD_ARGUMENTS


def test_a_township_viewer_gets_404_for_another_townships_records(app, world):
    """QA: /admin/sites/<id>/edit, a series' stop, a survey's question pages answered 403 where
    the home's own page answered 404."""
    _amy, ids = world
    with app.app_context():
        from formsvc.accounts.models import Role
        from formsvc.accounts.services import create_user
        from formsvc.sites.models import Site

        mine = db.session.execute(select(Site.township_id).where(Site.id != ids["site_id"])).scalar_one()
        create_user(username="viewer2", password="viewer-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=mine)
        db.session.commit()
    client = app.test_client()
    login(client, {"username": "viewer2", "password": "viewer-pass-1"})
    token = csrf_token_for(client)
    before = database_fingerprint(app)
    checked = 0
    for rule in admin_rules(app):
        if not rule.arguments & RECORD_ARGUMENTS:
            continue
        url, _unknown = url_for_rule(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "reason": "x", "nonce": "n" * 20, "present": "y", "names": "王"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert database_fingerprint(app) == before
    assert checked > 30


def test_a_page_only_admins_use_is_403_for_a_manager_of_the_home_it_names(app, make):
    """Her own home is hers to see, so the address names nothing hidden from her: the page is refused."""
    site = make.site()
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    assert client.get(f"/admin/sites/{site['id']}").status_code == 200
    assert client.get(f"/admin/sites/{site['id']}/edit").status_code == 403
    assert client.get(f"/admin/sites/{site['id'] + 1000}/edit").status_code == 404
    assert client.get("/admin/users/").status_code == 403
