"""Rate limits on sign-in: per phone and activity first, per address only as a generous bound.

Counted in memory by the test app (emptied after every test), on a frozen clock; one test
runs the same limits against Redis (database 5, its own key prefix, flushed afterwards).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from formsvc import create_app
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.extensions import db, limiter
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local, page_text, skip_or_fail

DAY = date(2026, 11, 27)
START = local(2026, 11, 27, 14, 5)
EN = {"Accept-Language": "en"}
REDIS_URL = "redis://127.0.0.1:6379/5"
REDIS_PREFIX = "formsvc-test-h4"


frozen = clock_stopped_at(START)


@pytest.fixture
def site(make):
    return make.site()


@pytest.fixture
def lecture(make, site):
    return make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, children=True)


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def guardian_form(client, activity, address="127.0.0.1"):
    url = f"/a/{activity['token']}/guardian"
    fields = form_fields(client.get(url, environ_base={"REMOTE_ADDR": address}).data)
    return url, fields


def sign_in(client, activity, name, address="127.0.0.1"):
    url, fields = guardian_form(client, activity, address)
    return client.post(
        url, data={**fields, "name": name, "relation": "mother"}, headers=EN, environ_base={"REMOTE_ADDR": address}
    )


def test_a_grandparent_signs_in_several_grandchildren(app, client, lecture):
    url = f"/a/{lecture['token']}/child"
    for name in ("王小明", "王小红", "王小刚", "王小丽", "王小军"):
        fields = form_fields(client.get(url).data)
        assert client.post(url, data={**fields, **CONSENT, "child_name": name}).status_code == 302
    assert count(app, Attendance) == 5


def test_one_phone_is_limited_per_activity_with_a_translated_page(app, client, make, site, lecture):
    url, fields = guardian_form(client, lecture)
    data = {**fields, "name": "陆建国", "relation": "father"}
    responses = [client.post(url, data=data) for _ in range(20)]  # a very impatient thumb
    assert {response.status_code for response in responses} == {302}
    limited = client.post(url, data=data, headers=EN)
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 61
    text = page_text(limited.data)
    assert "Too many attempts" in text and f"Please wait {wait} s, then try again." in text
    assert b'name="viewport"' in limited.data
    chinese = client.post(url, data=data, headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 429 and "尝试次数太多" in page_text(chinese.data)
    # The same phone at another activity, and the form page itself, are not held back.
    other = make.activity(site, day=DAY, opens="14:00", closes="16:45", title="另一场", guardians=True)
    assert sign_in(client, other, "陆建国").status_code == 302
    assert client.get(url).status_code == 200
    assert count(app, AdultSignIn) == 2


def test_the_phone_may_send_again_after_the_window(client, frozen, lecture):
    url, fields = guardian_form(client, lecture)
    data = {**fields, "name": "陆建国", "relation": "father"}
    for _ in range(20):
        client.post(url, data=data)
    assert client.post(url, data=data).status_code == 429
    frozen.shift(61)
    assert client.post(url, data=data).status_code == 302


def test_a_village_on_one_wifi_is_not_blocked(app, lecture):
    """Sixty phones behind one address, a third of them double-tapping: all get in."""
    for number in range(60):
        phone = app.test_client()
        url, fields = guardian_form(phone, lecture, address="10.8.8.8")
        data = {**fields, "name": f"家长{number}", "relation": "mother"}
        taps = 2 if number % 3 == 0 else 1
        for _ in range(taps):
            response = phone.post(url, data=data, environ_base={"REMOTE_ADDR": "10.8.8.8"})
            assert response.status_code == 302, page_text(response.data)
    assert count(app, AdultSignIn) == 60


def test_the_address_bound_stops_a_machine_that_drops_its_cookies(app, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNIN_PER_IP", "5/minute")
    statuses = [sign_in(app.test_client(), lecture, f"机器人{n}", address="203.0.113.9").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]
    # Another address (another village) is not affected.
    assert sign_in(app.test_client(), lecture, "真人", address="198.51.100.7").status_code == 302


def test_posts_without_a_session_count_only_against_the_address(app, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNIN_PER_DEVICE", "2/minute")
    url = f"/a/{lecture['token']}/guardian"
    for _ in range(5):  # no cookies at all: the CSRF check turns them away, nothing is written
        response = app.test_client().post(url, data={"name": "x", "relation": "mother"}, headers=EN)
        assert response.status_code == 200
        assert "press the button again" in page_text(response.data)
    assert count(app, AdultSignIn) == 0


def test_the_device_limit_is_configurable(app, client, lecture, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNIN_PER_DEVICE", "2/minute")
    url, fields = guardian_form(client, lecture)
    data = {**fields, "name": "陆建国", "relation": "father"}
    assert [client.post(url, data=data).status_code for _ in range(3)] == [302, 302, 429]


def test_scans_have_an_address_bound(app, make, site, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SCAN_PER_IP", "3/minute")
    lecture = make.activity(site, day=DAY, opens="14:00", closes="16:45", guardians=True, rotating_code=True)
    client = app.test_client()
    statuses = [client.get(f"/k/{lecture['token']}/AAAAAAAA").status_code for _ in range(4)]
    assert statuses == [410, 410, 410, 429]


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_app(app):
    """A second app on the same database, counting in Redis; the test app's memory comes back after."""
    try:
        import redis

        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        connection.ping()
    except Exception as error:  # not installed or not running
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable: {error.__class__.__name__}")
    other = create_app(
        {
            **{key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BASE_URL", "TIMEZONE")},
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": REDIS_PREFIX},
            "RATELIMIT_SIGNIN_PER_DEVICE": "3/minute",
        }
    )
    limiter.storage.reset()
    try:
        yield other, connection
    finally:
        limiter.storage.reset()  # only keys under our prefix, in our database number
        limiter.init_app(app)  # the test app counts in memory again
        with other.app_context():
            db.engine.dispose()
        connection.close()


def test_limits_are_counted_in_redis_when_configured(redis_app, lecture):
    other, connection = redis_app
    first_phone, second_phone = other.test_client(), other.test_client()
    url, fields = guardian_form(first_phone, lecture)
    data = {**fields, "name": "陆建国", "relation": "father"}
    assert [first_phone.post(url, data=data).status_code for _ in range(4)] == [302, 302, 302, 429]
    assert sign_in(second_phone, lecture, "韦丽娟").status_code == 302  # its own count
    keys = [key.decode() for key in connection.scan_iter(f"{REDIS_PREFIX}:*")]
    assert any("signin-device" in key for key in keys)
    assert any("signin-address" in key for key in keys)
