"""Oversized and malformed bodies to the public forms: a clear, translated refusal, never a 500.

Through the test client (CSRF on, a real session), and through a live server with raw
http.client requests where the bytes on the wire matter (bytes that are not UTF-8, a body
larger than it says, a Content-Length beyond the limit).
"""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import CONSENT, form_fields, page_text
from tests.security.attack_world import ZH, build, database_fingerprint

ONE_MB = 1024 * 1024
# The translated titles of the error pages (formsvc/errors.py) and the field-length message.
REFUSED_400 = "请求有点问题"
REFUSED_413 = "发送的内容太大"


@pytest.fixture
def world(app, make, today):
    return build(app, make, today)


def forms(world) -> dict[str, tuple[str, str, dict]]:
    """Each public form: its path, its main text field, and a valid filling."""
    token = world.activity["token"]
    return {
        "child": (f"/a/{token}/child", "child_name", {"child_name": "黄小明", **CONSENT}),
        "guardian": (f"/a/{token}/guardian", "name", {"name": "黄大妈", "relation": "grandmother"}),
        "volunteer": (f"/a/{token}/volunteer", "name", {"name": "黄志愿"}),
        "survey": (f"/q/{world.survey_token}", "q2", {"q1": "5", "q2": "很好"}),
    }


def encode(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return b"&".join(
        quote(key).encode() + b"=" + (quote(value).encode() if isinstance(value, str) else value)
        for key, value in pairs
    )


def malformed(fields: dict, main: str) -> dict[str, tuple[bytes, str]]:
    """Bodies no rendered form sends: name → (body, content type)."""
    urlencoded = "application/x-www-form-urlencoded"
    pairs = list(fields.items())
    with_main = lambda value: [(k, value if k == main else v) for k, v in pairs]  # noqa: E731
    return {
        "bad UTF-8": (encode(with_main(b"%FF%FE%C3%28")), urlencoded),
        "NUL byte": (encode(with_main("黄\x00小明")), urlencoded),
        "unexpected fields": (
            encode([*pairs, ("source", "paper"), ("status", "active"), ("site_id", "2")]),
            urlencoded,
        ),
        "repeated field": (encode([*pairs, (main, "第二个名字")]), urlencoded),
        "multipart to a urlencoded form": (
            b"--XyZ\r\n"
            + b"".join(
                f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n--XyZ\r\n'.encode() for k, v in pairs
            )[:-2]
            + b"--\r\n",
            "multipart/form-data; boundary=XyZ",
        ),
        "text/plain": (encode(pairs), "text/plain"),
    }


@pytest.mark.parametrize(
    "case",
    ["bad UTF-8", "NUL byte", "unexpected fields", "repeated field", "multipart to a urlencoded form", "text/plain"],
)
@pytest.mark.parametrize("form", ["child", "guardian", "volunteer", "survey"])
def test_malformed_bodies_get_a_translated_400_and_change_nothing(app, world, form, case):
    path, main, typed = forms(world)[form]
    phone = app.test_client()
    fields = {**form_fields(phone.get(path).data), **typed}
    body, content_type = malformed(fields, main)[case]
    before = database_fingerprint(app)
    response = phone.post(path, data=body, content_type=content_type, headers=ZH)
    assert response.status_code == 400, (case, response.status_code)
    assert REFUSED_400 in page_text(response.data)
    assert database_fingerprint(app) == before


@pytest.mark.parametrize("form", ["child", "guardian", "volunteer", "survey"])
def test_a_1_mb_name_gets_a_translated_413_and_a_long_one_the_length_message(app, world, form):
    path, main, typed = forms(world)[form]
    phone = app.test_client()
    fields = {**form_fields(phone.get(path).data), **typed}
    before = database_fingerprint(app)
    huge = phone.post(path, data={**fields, main: "王" * ONE_MB}, headers=ZH)
    assert huge.status_code == 413
    assert REFUSED_413 in page_text(huge.data)
    long = phone.post(path, data={**fields, main: "王" * 2000}, headers={"Accept-Language": "en"})
    assert long.status_code == 200
    assert "at most" in page_text(long.data)
    assert database_fingerprint(app) == before


def test_a_huge_number_of_fields_is_refused(app, world):
    path, _main, typed = forms(world)["child"]
    phone = app.test_client()
    fields = {**form_fields(phone.get(path).data), **typed}
    before = database_fingerprint(app)
    many = encode([*fields.items(), *((f"f{index}", "x") for index in range(5000))])
    response = phone.post(path, data=many, content_type="application/x-www-form-urlencoded", headers=ZH)
    assert response.status_code in (400, 413)
    assert REFUSED_400 in page_text(response.data) or REFUSED_413 in page_text(response.data)
    assert database_fingerprint(app) == before


def test_unexpected_fields_never_reach_the_record(app, world):
    """What a form does not have cannot be set: not even in a request that is otherwise fine."""
    path, _main, typed = forms(world)["child"]
    phone = app.test_client()
    fields = {**form_fields(phone.get(path).data), **typed, "status": "active", "source": "paper"}
    assert phone.post(path, data=fields).status_code == 400


# --- raw bytes on the wire -------------------------------------------------------------


def raw_request(live_server: str, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders()
        if body:
            connection.send(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def open_form_raw(live_server: str, path: str) -> tuple[str, dict]:
    status, headers, body = raw_request(live_server, "GET", path, headers={"Accept-Language": "zh-CN"})
    assert status == 200
    cookie = "; ".join(part.split(";", 1)[0] for part in headers.get("Set-Cookie", "").split(", ") if "=" in part)
    return cookie, form_fields(body)


RAW_CASES = {
    "bytes that are not UTF-8": lambda fields: encode(list(fields.items())).replace(
        b"child_name=" + quote("黄小明").encode(), b"child_name=\xff\xfe\xc3("
    ),
    "a raw NUL byte": lambda fields: encode(list(fields.items())).replace(
        quote("黄小明").encode(), quote("黄").encode() + b"\x00"
    ),
}


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_raw_malformed_bytes_are_refused(app, world, live_server, case):
    path, _main, typed = forms(world)["child"]
    cookie, fields = open_form_raw(live_server, path)
    body = RAW_CASES[case]({**fields, **typed})
    before = database_fingerprint(app)
    status, _headers, page = raw_request(
        live_server,
        "POST",
        path,
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
            "Cookie": cookie,
            "Accept-Language": "zh-CN",
        },
    )
    assert status == 400, status
    assert REFUSED_400 in page_text(page)
    assert database_fingerprint(app) == before


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(app, world, live_server):
    path, _main, _typed = forms(world)["child"]
    cookie, _fields = open_form_raw(live_server, path)
    before = database_fingerprint(app)
    status, _headers, page = raw_request(
        live_server,
        "POST",
        path,
        b"child_name=x",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(100 * ONE_MB),
            "Cookie": cookie,
            "Accept-Language": "zh-CN",
        },
    )
    assert status == 413
    assert REFUSED_413 in page_text(page)
    assert database_fingerprint(app) == before


def test_a_raw_1_mb_name_is_refused_with_413(app, world, live_server):
    path, _main, typed = forms(world)["child"]
    cookie, fields = open_form_raw(live_server, path)
    body = encode(list({**fields, **typed, "child_name": "王" * ONE_MB}.items()))
    before = database_fingerprint(app)
    status, _headers, page = raw_request(
        live_server,
        "POST",
        path,
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
            "Cookie": cookie,
            "Accept-Language": "zh-CN",
        },
    )
    assert status == 413
    assert REFUSED_413 in page_text(page)
    assert database_fingerprint(app) == before
