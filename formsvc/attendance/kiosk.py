"""Lecture mode on the projector or the manager's phone: the changing QR code and a live count.

The page works without JavaScript (it reloads itself when the code changes); with it,
static/kiosk.js polls the JSON twin of the page and swaps the code and the count in place,
keeping the last good code on screen while the connection drops.
"""

from __future__ import annotations

import math

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from formsvc.accounts.permissions import writer_required
from formsvc.activities.admin import activity_for
from formsvc.attendance.lecture import live_tally
from formsvc.attendance.rotating import shown_code
from formsvc.db import utcnow
from formsvc.documents.qr import qr_svg

bp = Blueprint("kiosk", __name__, url_prefix="/admin/activities")

# How often the page asks for news (the count); it asks sooner when the code is due to change.
POLL_SECONDS = 3


@bp.route("/<int:activity_id>/kiosk")
@writer_required
def kiosk(activity_id: int):
    activity = activity_for(current_user, activity_id, write=True)
    now = utcnow()
    code = shown_code(activity, now)
    return render_template(
        "admin/kiosk.html",
        activity=activity,
        code=code,
        qr=qr_svg(code.url),
        tally=live_tally(activity, now),
        poll_seconds=POLL_SECONDS,
        refresh_in=max(1, math.ceil(code.changes_in)),
    )


@bp.route("/<int:activity_id>/kiosk.json")
def kiosk_state(activity_id: int):
    if not current_user.is_authenticated:  # a script cannot follow the login redirect
        return jsonify(error="signed_out"), 401
    activity = activity_for(current_user, activity_id, write=True)
    now = utcnow()
    code = shown_code(activity, now)
    tally = live_tally(activity, now)
    # The screen says which code it shows; the SVG (a few KB) is sent only when it changed.
    fresh = request.args.get("slot") != str(code.slot)
    response = jsonify(
        slot=code.slot,
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
    )
    response.headers["Cache-Control"] = "no-store"
    return response
