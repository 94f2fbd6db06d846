"""POSTs without a CSRF token, with another session's token, or from another site's page.

Public forms refuse them the way an expired token is refused: the form comes back with what
was sent, and nothing is written. Workspace POSTs from another site get a 403.
"""

from __future__ import annotations

import pytest

from tests.conftest import CONSENT, form_fields, login, page_text
from tests.security.attack_world import EN, build, database_fingerprint

FOREIGN = "https://evil.example"


@pytest.fixture
def world(app, make, today):
    return build(app, make, today)


def public_forms(world) -> dict[str, tuple[str, dict]]:
    token = world.activity["token"]
    return {
        "child": (f"/a/{token}/child", {"child_name": "黄小明", **CONSENT}),
        "guardian": (f"/a/{token}/guardian", {"name": "黄大妈", "relation": "grandmother", "village": "新华村"}),
        "volunteer": (f"/a/{token}/volunteer", {"name": "黄志愿", "village": "县医院"}),
        "survey": (f"/q/{world.survey_token}", {"q1": "5", "q2": "黄小明说好"}),
    }


ATTACKS = ["no token", "another session's token", "Origin of another site", "Referer of another site", "Origin null"]


def attack(app, path: str, typed: dict, how: str):
    phone = app.test_client()
    fields = {**form_fields(phone.get(path, headers=EN).data), **typed}
    headers = dict(EN)
    if how == "no token":
        del fields["csrf_token"]
    elif how == "another session's token":
        fields["csrf_token"] = form_fields(app.test_client().get(path).data)["csrf_token"]
    elif how == "Origin of another site":
        headers["Origin"] = FOREIGN
    elif how == "Referer of another site":
        headers["Referer"] = FOREIGN + "/phish.html"
    elif how == "Origin null":
        headers["Origin"] = "null"
    return phone.post(path, data=fields, headers=headers)


@pytest.mark.parametrize("how", ATTACKS)
@pytest.mark.parametrize("form", ["child", "guardian", "volunteer", "survey"])
def test_public_forms_refuse_and_keep_what_was_sent(app, world, form, how):
    path, typed = public_forms(world)[form]
    before = database_fingerprint(app)
    response = attack(app, path, typed, how)
    assert response.status_code == 200, response.status_code
    text = page_text(response.data)
    assert "press the button again" in text or "another website" in text, text[:300]
    kept = form_fields(response.data)
    for key, value in typed.items():
        if key != "consent":
            assert kept.get(key) == value, (key, kept.get(key))
    assert database_fingerprint(app) == before


def test_the_same_origin_and_a_missing_origin_are_accepted(app, world):
    path, typed = public_forms(world)["guardian"]
    phone = app.test_client()
    fields = {**form_fields(phone.get(path).data), **typed}
    response = phone.post(path, data=fields, headers={"Origin": "http://formsvc.test"})
    assert response.status_code == 302
    fields = {**form_fields(phone.get(path).data), **typed, "name": "另一位"}
    assert phone.post(path, data=fields).status_code == 302  # an old WebView sends neither header


@pytest.mark.parametrize(
    "path, data",
    [
        ("/admin/sites/new", {"township": "城关镇", "name": "钓鱼儿童之家", "level": "standard"}),
        ("/admin/privacy/consent", {"body_zh": "钓鱼网站改写的同意书"}),
        ("/admin/users/new", {"username": "mallory", "role": "admin"}),
    ],
)
def test_workspace_posts_from_another_site_are_forbidden(app, world, path, data):
    client = app.test_client()
    login(client, world.admin)
    token = form_fields(client.get("/admin/password").data)["csrf_token"]
    before = database_fingerprint(app)
    response = client.post(path, data={**data, "csrf_token": token}, headers={**EN, "Origin": FOREIGN})
    assert response.status_code == 403
    assert "not allowed" in page_text(response.data)
    assert database_fingerprint(app) == before


def test_the_consent_refusal_from_another_site_is_forbidden(app, world):
    phone = app.test_client()
    path = f"/a/{world.activity['token']}/child"
    fields = form_fields(phone.get(path).data)
    response = phone.post(f"{path}/refuse", data=fields, headers={"Origin": FOREIGN})
    assert response.status_code == 403
