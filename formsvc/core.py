"""Pieces every page shares: the language switch, response headers, template helpers."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Blueprint, abort, current_app, has_request_context, make_response, redirect, request, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from formsvc.i18n import LOCALE_COOKIE, LOCALES
from formsvc.timeutil import format_day_and_time
from formsvc.urls import safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    return redirect(url_for("manage.dashboard"))


@bp.route("/lang/<locale>")
def switch_language(locale: str):
    target = safe_next(request.args.get("next"), "/")
    response = make_response(redirect(target))
    if locale in LOCALES:
        secure = current_app.config["SESSION_COOKIE_SECURE"]
        response.set_cookie(
            LOCALE_COOKIE, locale, max_age=400 * 24 * 3600, samesite="Lax", httponly=True, secure=secure
        )
    return response


# "Larger text" on this phone: a cookie the server reads, so no script is needed.
TEXT_SIZE_COOKIE = "text"


@bp.route("/text/<any(large, standard):size>")
def switch_text_size(size: str):
    target = safe_next(request.args.get("next"), "/")
    response = make_response(redirect(target))
    if size == "large":
        secure = current_app.config["SESSION_COOKIE_SECURE"]
        response.set_cookie(
            TEXT_SIZE_COOKIE, "large", max_age=400 * 24 * 3600, samesite="Lax", httponly=True, secure=secure
        )
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE)
    return response


def large_text() -> bool:
    return has_request_context() and request.cookies.get(TEXT_SIZE_COOKIE) == "large"


@bp.route("/healthz")
def healthz():
    """For a load balancer: 503 while this host cannot reach its database, so it is taken out."""
    from sqlalchemy import text

    from formsvc.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: the database is unreachable")
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}


# Their forms (OnceForm) refuse a cross-site POST themselves and give the form back filled in.
_FORMS_CHECK_ORIGIN = ("public", "survey_public")


def refuse_cross_site_posts():
    """403 for a POST, PUT, PATCH or DELETE whose Origin or Referer names another site."""
    from formsvc.forms import foreign_origin

    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.blueprint not in _FORMS_CHECK_ORIGIN:
        if foreign_origin():
            abort(403)


def set_response_headers(response):
    if response.mimetype == "text/html":
        # Pages carry personal data, and iOS WeChat keeps HTML for hours past its expiry.
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    return response


@lru_cache(maxsize=64)
def _static_version(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A static file's URL with its content hash, so it can be cached for a year."""
    path = f"{current_app.static_folder}/{filename}"
    return url_for("static", filename=filename, v=_static_version(path))


@bp.app_template_filter("reject_page")
def reject_page(arguments: dict) -> dict:
    """Query arguments without ``page``, for building the next and previous page links."""
    return {key: value for key, value in arguments.items() if key != "page"}


def csrf_token_field() -> Markup:
    """A hidden CSRF field for small button forms (sign out) that have no form object of their own."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def template_globals() -> dict:
    locale = str(get_locale() or "zh_Hans")
    return {
        "static_url": static_url,
        "csrf_token_field": csrf_token_field,
        "format_date": format_date,
        "format_time": format_time,
        "format_datetime": format_datetime,
        "format_day_and_time": format_day_and_time,
        "current_locale": locale,
        "html_lang": "zh-Hans" if locale.startswith("zh") else locale,
        "locales": [("zh_Hans", "中文"), ("en", "English")],
        "large_text": large_text(),
    }
