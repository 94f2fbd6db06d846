"""A new manager's account, as the district office makes it and the manager first uses it.

QA (a new home's first weeks):
- the role list started at 区妇联管理员: a clerk who ticked the new home and left the role as it
  was made the village manager a district admin who sees every home (the ticked home dropped
  without a word);
- before the first password change, the manager's phone could open no public page at all
  (her own poster, the rules) and 大字模式 did nothing: everything led to the password page;
- the forced password page asked for the "current password", which meant nothing to her.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from formsvc.accounts.models import Role, User
from formsvc.extensions import db
from tests.conftest import form_fields, login, page_text

ZH = {"Accept-Language": "zh-CN"}


def signed_in_admin(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


def test_a_new_account_starts_as_a_site_manager(app, make):
    client = signed_in_admin(app, make)
    html = client.get("/admin/users/new").data.decode()
    options = re.findall(r'<option[^>]*value="(\w+)"', html[html.index('name="role"') :])
    assert options[:3] == ["manager", "township_viewer", "admin"]
    site = make.site()
    # The role left as the page shows it: the browser sends the first option.
    fields = {**form_fields(html), "username": "pohe_wang", "role": options[0], "sites": str(site["id"])}
    assert client.post("/admin/users/new", data=fields).status_code == 302
    with app.app_context():
        made = db.session.execute(select(User).where(User.username == "pohe_wang")).scalar_one()
        assert made.role == Role.MANAGER and [home.id for home in made.sites] == [site["id"]]


def test_homes_ticked_for_a_district_admin_are_refused_not_dropped(app, make):
    client = signed_in_admin(app, make)
    site = make.site()
    fields = {
        **form_fields(client.get("/admin/users/new").data),
        "username": "pohe_wang",
        "role": "admin",
        "sites": str(site["id"]),
    }
    response = client.post("/admin/users/new", data=fields, headers=ZH)
    assert response.status_code == 200
    assert "只有儿童之家专干才勾选儿童之家" in page_text(response.data)
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "pohe_wang")).scalar_one_or_none() is None


def test_before_choosing_a_password_the_public_pages_and_the_switches_work(app, make):
    site = make.site()
    manager = make.user("liuhe_nong", sites=[site])
    with app.app_context():
        db.session.execute(select(User).where(User.username == "liuhe_nong")).scalar_one().must_change_password = True
        db.session.commit()
    phone = app.test_client()
    login(phone, manager)

    for page in (f"/s/{site['token']}", "/privacy/children"):
        response = phone.get(page)
        assert "/admin/password" not in response.headers.get("Location", ""), page
        assert response.status_code in (200, 302)
    switched = phone.get("/text/large?next=/s/" + site["token"])
    assert switched.status_code == 302 and switched.headers["Location"].endswith(f"/s/{site['token']}")
    assert "text=large" in switched.headers.get("Set-Cookie", "")

    workspace = phone.get("/admin/")
    assert workspace.status_code == 302 and workspace.headers["Location"].endswith("/admin/password")
    page = page_text(phone.get("/admin/password", headers=ZH).data)
    assert "临时密码（管理员告诉您的那个）" in page


def test_a_township_chosen_for_a_district_admin_is_refused_on_new_and_edit(app, make):
    """QA: the mirror of the ticked homes: a township chosen with the role left at district
    admin (or a viewer edited to admin, the township still chosen) made a district admin."""
    client = signed_in_admin(app, make)
    township = make.site()["township_id"]
    fields = {
        **form_fields(client.get("/admin/users/new").data),
        "username": "tv_new",
        "role": "admin",
        "township": str(township),
    }
    response = client.post("/admin/users/new", data=fields, headers=ZH)
    assert response.status_code == 200 and "只有乡镇查看员才选乡镇" in page_text(response.data)

    fields.update(username="tv2", role="township_viewer")
    assert client.post("/admin/users/new", data=fields).status_code == 302
    with app.app_context():
        viewer = db.session.execute(select(User).where(User.username == "tv2")).scalar_one()
    edit = f"/admin/users/{viewer.id}"
    changed = {**form_fields(client.get(edit).data), "role": "admin", "township": str(township)}  # still chosen
    response = client.post(edit, data=changed, headers=ZH)
    assert response.status_code == 200 and "只有乡镇查看员才选乡镇" in page_text(response.data)
    with app.app_context():
        assert db.session.get(User, viewer.id).role == Role.TOWNSHIP_VIEWER
        assert db.session.execute(select(User).where(User.role == Role.ADMIN)).scalars().all()[0].username == "boss"


def test_the_command_line_refuses_a_scope_for_another_role(app, make):
    site = make.site()
    runner = app.test_cli_runner()
    for extra in (["--site", str(site["id"])], ["--township", str(site["township_id"])]):
        args = ["users", "create", "--username", "c1", "--role", "admin", "--password", "a-new-pass-9", *extra]
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "c1")).scalar_one_or_none() is None
