"""The district always keeps an admin: nobody changes their own role, and the last enabled
admin cannot be demoted or disabled."""

from __future__ import annotations

import re
import time

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from formsvc.accounts import services
from formsvc.accounts.models import Role, User
from formsvc.accounts.services import create_user, set_enabled, update_user
from formsvc.errors import DomainError
from formsvc.extensions import db
from tests.conftest import form_fields, login, page_text, race

EN = {"Accept-Language": "en"}
OWN_ROLE = "You cannot change your own role. Another district admin can."
LAST_ADMIN = "At least one district admin must stay. Make another account a district admin first."


def signed_in(app, user: dict):
    client = app.test_client()
    login(client, user)
    return client


def role_of(app, user: dict) -> Role:
    with app.app_context():
        return db.session.get(User, user["id"]).role


def test_an_admin_cannot_make_themself_a_site_manager(app, make):
    site = make.site()
    boss = make.user("boss", role="admin")
    make.user("deputy", role="admin")
    client = signed_in(app, boss)
    url = f"/admin/users/{boss['id']}"
    fields = {**form_fields(client.get(url).data), "role": "manager", "sites": str(site["id"])}
    response = client.post(url, data=fields, headers=EN)
    html = response.data.decode()
    assert response.status_code == 200
    role_error = re.search(r'<p class="error" id="role-error">([^<]*)</p>', html)
    assert role_error and role_error.group(1) == OWN_ROLE  # beside the role field
    assert role_of(app, boss) == Role.ADMIN
    assert client.get("/admin/users/").status_code == 200


def test_an_admin_still_renames_themself(app, make):
    boss = make.user("boss", role="admin")
    client = signed_in(app, boss)
    url = f"/admin/users/{boss['id']}"
    fields = {**form_fields(client.get(url).data), "role": "admin", "display_name": "区妇联 李"}
    assert client.post(url, data=fields).status_code == 302
    with app.app_context():
        assert db.session.get(User, boss["id"]).display_name == "区妇联 李"


def test_an_admin_demotes_another_admin(app, make):
    boss = make.user("boss", role="admin")
    deputy = make.user("deputy", role="admin")
    client = signed_in(app, boss)
    url = f"/admin/users/{deputy['id']}"
    township = make.site()["township_id"]
    fields = {**form_fields(client.get(url).data), "role": "township_viewer", "township": str(township)}
    assert client.post(url, data=fields).status_code == 302
    assert role_of(app, deputy) == Role.TOWNSHIP_VIEWER


def test_an_admin_cannot_disable_themself(app, make):
    boss = make.user("boss", role="admin")
    make.user("deputy", role="admin")
    client = signed_in(app, boss)
    token = form_fields(client.get("/admin/users/").data)["csrf_token"]
    client.post(f"/admin/users/{boss['id']}/disable", data={"csrf_token": token}, headers=EN)
    assert "You cannot disable your own account." in page_text(client.get("/admin/users/", headers=EN).data)
    assert client.get("/admin/users/").status_code == 200


# --- the last enabled admin (the services, as the command line would call them) --------------


@pytest.fixture
def admins(ctx):
    boss = create_user(username="boss", password="boss-pass-2026", role=Role.ADMIN)
    deputy = create_user(username="deputy", password="deputy-pass-2026", role=Role.ADMIN)
    db.session.flush()
    return boss, deputy


def test_the_last_enabled_admin_cannot_be_demoted(admins):
    boss, deputy = admins
    set_enabled(deputy, False, by=boss)
    with pytest.raises(DomainError) as error, force_locale("en"):
        update_user(boss, display_name="", role=Role.TOWNSHIP_VIEWER, site_ids=[], township_id=1, by=deputy)
    assert error.value.code == "last_admin" and error.value.message == LAST_ADMIN
    assert boss.role == Role.ADMIN


def test_the_last_enabled_admin_cannot_be_disabled(admins):
    boss, deputy = admins
    set_enabled(deputy, False, by=boss)
    with pytest.raises(DomainError) as error:
        set_enabled(boss, False, by=deputy)
    assert error.value.code == "last_admin" and boss.enabled


def test_two_admins_demoting_each_other_at_once_leave_one(app, make, monkeypatch):
    township = make.site()["township_id"]
    check = services._check_an_admin_remains

    def slow_check(*args, **kwargs):
        check(*args, **kwargs)
        time.sleep(0.3)  # both requests past the check before either writes, unless they take turns

    monkeypatch.setattr(services, "_check_an_admin_remains", slow_check)
    ids = [make.user("boss", role="admin")["id"], make.user("deputy", role="admin")["id"]]

    def demote_the_other(index):
        me, other = db.session.get(User, ids[index]), db.session.get(User, ids[1 - index])
        update_user(other, display_name="", role=Role.TOWNSHIP_VIEWER, site_ids=[], township_id=township, by=me)

    errors = race(app, 2, demote_the_other)
    assert [getattr(error, "code", error) for error in errors] == ["last_admin"]
    with app.app_context():
        admins = db.session.execute(select(User.username).where(User.role == Role.ADMIN)).scalars().all()
        assert len(admins) == 1
