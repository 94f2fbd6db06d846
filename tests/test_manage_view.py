"""The manager's live view: own sites only, today's and any day's sign-ins with counts."""

from __future__ import annotations

from datetime import date

from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, login, page_text

DAY = date(2026, 11, 27)


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


def sign_in_child(client, site, name):
    location = client.get(f"/s/{site['token']}").headers["Location"]
    fields = form_fields(client.get(location).data)
    assert client.post(location, data={**fields, **CONSENT, "child_name": name}).status_code == 302


def sign_in_guardian(client, activity, name, phone=""):
    url = f"/a/{activity['token']}/guardian"
    fields = form_fields(client.get(url).data)
    data = {**fields, "name": name, "relation": "mother", "phone": phone, "village": "新华村"}
    assert client.post(url, data=data).status_code == 302


def test_admin_pages_need_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_wrong_password_says_so_without_telling_which_part(client, make):
    make.user("amy", sites=[])
    page = form_fields(client.get("/admin/login").data)
    for username, password in (("amy", "wrong-password"), ("nobody", "wrong-password")):
        response = client.post(
            "/admin/login",
            data={**page, "username": username, "password": password},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 200
        assert "The username or password is not right." in page_text(response.data)


def test_manager_sees_own_sites_with_todays_counts(app, make):
    mine = make.site("新华村儿童之家")
    other = make.site("河西村儿童之家")
    manager = make.user("amy", sites=[mine])
    phone = app.test_client()
    sign_in_child(phone, mine, "王小明")
    sign_in_child(app.test_client(), mine, "李思琪")
    sign_in_child(app.test_client(), other, "黄子轩")

    client = app.test_client()
    login(client, manager)
    dashboard = page_text(client.get("/admin/", headers={"Accept-Language": "zh-CN"}).data)
    assert "新华村儿童之家" in dashboard
    assert "河西村儿童之家" not in dashboard

    day = client.get(f"/admin/sites/{mine['id']}", headers={"Accept-Language": "zh-CN"})
    text = page_text(day.data)
    assert day.status_code == 200
    assert "王小明" in text and "李思琪" in text and "黄子轩" not in text
    assert "新增，待核对" in text


def test_a_manager_asking_for_another_site_gets_404(app, make):
    mine = make.site("新华村儿童之家")
    other = make.site("河西村儿童之家")
    manager = make.user("amy", sites=[mine])
    client = app.test_client()
    login(client, manager)
    assert client.get(f"/admin/sites/{other['id']}").status_code == 404
    missing = client.get("/admin/sites/999999", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    text = page_text(missing.data)
    assert "not yours to see" in text and "scan the code again" not in text  # not a bad scan here
    assert 'href="/admin/"' in missing.get_data(as_text=True) and "Back to the workspace" in text
    public = client.get("/s/nosuchtoken00000", headers={"Accept-Language": "en"})
    assert "scan the code again" in page_text(public.data) and "Back to the workspace" not in page_text(public.data)


def test_counts_separate_participations_from_distinct_children(app, make):
    site = make.site()
    make.child(site, "王小明")
    daily = make.daily(site, DAY)
    lecture = make.activity(site, day=DAY, title="周末活动", children=True, guardians=True)
    for activity in (daily, lecture):
        url = f"/a/{activity['token']}/child"
        phone = app.test_client()
        fields = form_fields(phone.get(url).data)
        assert phone.post(url, data={**fields, **CONSENT, "child_name": "王小明"}).status_code == 302
    sign_in_guardian(app.test_client(), lecture, "王建国", "13812345678")
    sign_in_guardian(app.test_client(), lecture, "王建国")  # same person again: counts once

    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    html = client.get(f"/admin/sites/{site['id']}", headers={"Accept-Language": "en"}).data.decode()
    text = page_text(html)
    assert "Child visits 2" in text
    assert "Children 1" in text
    assert "Guardians 1" in text
    assert "138****5678" in text and "13812345678" not in text  # masked for the district, as on printouts
    manager = app.test_client()
    login(manager, make.user("amy", sites=[site]))
    own = page_text(manager.get(f"/admin/sites/{site['id']}", headers={"Accept-Language": "en"}).data)
    assert "13812345678" in own  # the site's own manager sees the number they collected


def test_any_day_can_be_viewed(app, make):
    site = make.site()
    sign_in_child(app.test_client(), site, "王小明")
    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    yesterday = client.get(f"/admin/sites/{site['id']}?day=2026-11-26", headers={"Accept-Language": "en"})
    assert "王小明" not in page_text(yesterday.data)
    today = client.get(f"/admin/sites/{site['id']}?day=2026-11-27", headers={"Accept-Language": "en"})
    assert "王小明" in page_text(today.data)
    garbage = client.get(f"/admin/sites/{site['id']}?day=not-a-date", headers={"Accept-Language": "en"})
    assert garbage.status_code == 200
    assert "“not-a-date” is not a date, so this page shows today." in page_text(garbage.data)
    assert "王小明" in page_text(garbage.data)


def test_the_daily_opening_is_there_before_anyone_scans_today_and_yesterday(app, make):
    """Roll-call starts before the first scan; yesterday's paper sheet can still be typed in."""
    site = make.site()
    manager = make.user("amy", sites=[site])
    client = app.test_client()
    login(client, manager)
    for day in ("2026-11-27", "2026-11-26"):
        page = client.get(f"/admin/sites/{site['id']}?day={day}", headers={"Accept-Language": "en"})
        text = page_text(page.data)
        assert "Daily opening" in text and "Roll-call" in text and "Enter a paper sheet" in text, day
    long_ago = client.get(f"/admin/sites/{site['id']}?day=2023-11-01", headers={"Accept-Language": "en"})
    assert "Daily opening" not in page_text(long_ago.data)  # older paper comes in through the ledger import


def test_a_closed_home_gets_no_daily_opening(app, make):
    site = make.site(active=False)
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    page = client.get(f"/admin/sites/{site['id']}", headers={"Accept-Language": "en"})
    assert "Daily opening" not in page_text(page.data)


def test_a_day_out_of_reach_shows_today_with_a_note(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    for day, said in (("9999-12-31", "December 31, 9999"), ("0001-01-01", "January 1, 1")):
        page = client.get(f"/admin/sites/{site['id']}?day={day}", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert f"{said} is too far from today, so this page shows today." in page_text(page.data)
    # the day as the reader's language writes it, not as the address does
    chinese = page_text(client.get(f"/admin/sites/{site['id']}?day=9999-12-31").data)
    assert "9999年12月31日" in chinese and "9999-12-31" not in chinese


def test_admin_sees_every_site(app, make):
    make.site("新华村儿童之家")
    make.site("河西村儿童之家", township="那坡乡")
    admin = make.user("boss", role="admin")
    client = app.test_client()
    login(client, admin)
    text = page_text(client.get("/admin/").data)
    assert "新华村儿童之家" in text and "河西村儿童之家" in text


def test_login_redirects_only_to_local_pages(app, make):
    user = make.user("amy")
    client = app.test_client()
    page = form_fields(client.get("/admin/login?next=https://evil.example/").data)
    response = client.post("/admin/login", data={**page, "username": "amy", "password": user["password"]})
    assert response.headers["Location"] == "/admin/"
