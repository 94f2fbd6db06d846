"""Lecture mode on the projector or the manager's phone: the changing QR code and a live count.

The page works without JavaScript (it reloads itself when the code changes, and every
NO_SCRIPT_RELOAD_SECONDS); with it, static/kiosk.js polls the JSON twin of the page and swaps
the code and the count in place, keeping the last good code on screen while the connection
drops, and the page never reloads.

A screen must not stop mid-lecture because its manager logged out on their phone (*Log out*
ends every session of the account). So opening the screen while logged in also leaves a
screen pass on that device: a signed cookie for this one activity's screen, good for
SCREEN_PASS_HOURS, that shows the screen without a session. It stops working when the
account is disabled, loses the site, or gets a new password (a suspected leak).
"""

from __future__ import annotations

import hashlib
import math

from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import Forbidden, NotFound

from formsvc.accounts.models import User
from formsvc.activities.admin import activity_for
from formsvc.activities.models import Activity
from formsvc.attendance.lecture import live_tally
from formsvc.attendance.rotating import shown_code
from formsvc.db import utcnow
from formsvc.documents.qr import qr_svg
from formsvc.extensions import db, login_manager

bp = Blueprint("kiosk", __name__, url_prefix="/admin/activities")

# How often the page asks for news (the count); it asks sooner when the code is due to change.
POLL_SECONDS = 3
# Without JavaScript the page reloads when the code changes and at least this often, so a code
# whose link the manager has just retired (new poster links), the count, and sign-in opening or
# ending show within these seconds, not only at the next code (ROTATING_QR_SECONDS may be long).
NO_SCRIPT_RELOAD_SECONDS = 10

SCREEN_PASS_COOKIE = "lecture_screen"
SCREEN_PASS_HOURS = 12


def _screen_passes() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="lecture-screen-pass")


def _password_mark(user: User) -> str:
    """Changes with the password, so a new password ends the passes given under the old one."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _screen_pass_path(activity_id: int) -> str:
    """The cookie goes only to this activity's screen and its JSON (…/<id>/kiosk, …/<id>/kiosk.json)."""
    return url_for("kiosk.kiosk", activity_id=activity_id).rsplit("/", 1)[0] + "/"


def _give_screen_pass(response, user: User, activity_id: int) -> None:
    response.set_cookie(
        SCREEN_PASS_COOKIE,
        _screen_passes().dumps([user.id, activity_id, _password_mark(user)]),
        max_age=SCREEN_PASS_HOURS * 3600,
        path=_screen_pass_path(activity_id),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _screen_activity(activity_id: int) -> Activity | None:
    """The activity to show, for the manager logged in here, else for the one whose pass this device holds.

    None when neither: no session and no pass, or a pass that no longer holds (expired, made
    for another activity, its account disabled, given a new password or moved off the site).
    """
    if current_user.is_authenticated:
        return activity_for(current_user, activity_id, write=True)
    try:
        user_id, pass_activity, mark = _screen_passes().loads(
            request.cookies.get(SCREEN_PASS_COOKIE, ""), max_age=SCREEN_PASS_HOURS * 3600
        )
    except (BadData, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if pass_activity == activity_id else None
    if user is None or not user.enabled or _password_mark(user) != mark:
        return None
    try:
        return activity_for(user, activity_id, write=True)
    except (NotFound, Forbidden):
        return None


@bp.route("/<int:activity_id>/kiosk")
def kiosk(activity_id: int):
    activity = _screen_activity(activity_id)
    if activity is None:
        return login_manager.unauthorized()
    now = utcnow()
    code = shown_code(activity, now)
    response = make_response(
        render_template(
            "admin/kiosk.html",
            activity=activity,
            code=code,
            qr=qr_svg(code.url),
            tally=live_tally(activity, now),
            poll_seconds=POLL_SECONDS,
            reload_in=min(NO_SCRIPT_RELOAD_SECONDS, max(1, math.ceil(code.changes_in))),
        )
    )
    if current_user.is_authenticated:
        _give_screen_pass(response, current_user, activity.id)
    return response


@bp.route("/<int:activity_id>/kiosk.json")
def kiosk_state(activity_id: int):
    activity = _screen_activity(activity_id)
    if activity is None:  # a script cannot follow the login redirect
        return jsonify(error="signed_out"), 401
    now = utcnow()
    code = shown_code(activity, now)
    tally = live_tally(activity, now)
    # The screen says which code it shows; the SVG (a few KB) is sent only when it changed: a new
    # slot, or a new activity token (the manager rotated the poster's links, and the old one is dead).
    fresh = request.args.get("slot") != str(code.slot) or request.args.get("token") != activity.public_token
    response = jsonify(
        slot=code.slot,
        token=activity.public_token,
        url=code.url,
        svg=str(qr_svg(code.url)) if fresh else None,
        period=code.period,
        changes_in=code.changes_in,
        valid_for=code.valid_for,
        poll_in=POLL_SECONDS,
        count=tally.count,
        recent=tally.recent,
        notice=tally.notice,
        cancelled=activity.cancelled,
        scannable=tally.notice is None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
