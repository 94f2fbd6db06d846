"""Requests no browser sends from the app's own pages, crafted by hand: answered, never a 500."""

from __future__ import annotations

from tests.conftest import form_fields, login


def test_a_nonce_with_a_nul_byte_is_refused_before_the_database_sees_it(app, make):
    site = make.site()
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    url = f"/admin/sites/{site['id']}/children/new"
    fields = form_fields(client.get(url).data)
    response = client.post(url, data={**fields, "name": "王小明", "gender": "m", "nonce": "abc\x00def" * 4})
    assert response.status_code == 200  # the form again, not a 500 from PostgreSQL


def test_the_language_cookie_is_secure_on_https(make, app):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = app.test_client().get("/lang/en")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "Secure" in cookie


def test_edit_forms_sent_without_a_text_field_save_it_empty(app, make):
    from formsvc.extensions import db
    from formsvc.sites.models import Site

    site = make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    url = f"/admin/sites/{site['id']}/edit"
    fields = form_fields(client.get(url).data)
    for missing in ("village", "address"):
        sent = {key: value for key, value in fields.items() if key != missing}
        response = client.post(url, data={**sent, "level": "standard"})
        assert response.status_code in (200, 302), missing
        with app.app_context():
            assert getattr(db.session.get(Site, site["id"]), missing) == ""
