"""Lecture mode, on the phone: a scan of the changing code on the screen leads to the form."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from formsvc.activities.services import activity_by_token
from formsvc.attendance import device, scanpass
from formsvc.attendance.public import FORM_ENDPOINTS
from formsvc.attendance.rotating import code_is_valid
from formsvc.ratelimits import scan_limits
from formsvc.sites.rotation import retired_token

bp = Blueprint("scan", __name__)


@bp.route("/k/<token>/<code>")
@scan_limits
def scan_code(token: str, code: str):
    activity = activity_by_token(token)
    if activity is None:
        return _retired_code_page(token)
    if not activity.site.active or not activity.audiences:
        abort(404)
    device.ensure_device_id()
    if not code_is_valid(activity, code):
        # Expired or made up: the same friendly page either way, and nothing is counted.
        return scanpass.scan_again_page(activity, scanpass.code_changed_message(), status=410)
    scanpass.grant(activity)
    audiences = activity.audiences
    if len(audiences) == 1:
        return redirect(url_for(FORM_ENDPOINTS[audiences[0]], token=activity.public_token))
    return render_template(
        "public/site.html",
        site=activity.site,
        choices=[(activity, audience) for audience in audiences],
        later=[],
        endpoints=FORM_ENDPOINTS,
    )


def _retired_code_page(token: str):
    """A code the screen showed before the manager gave the home new links (sites/rotation.py).

    The screen shows the new link's code by now (at its next poll or reload), so the person is
    sent back to it like after an expired code, with the lecture named when the rotation kept
    which it was; a token that was never in use stays a 404.
    """
    retired = retired_token(token)
    if retired is None or not retired.site.active:
        abort(404)
    activity = retired.activity
    return scanpass.scan_again_page(activity, scanpass.code_changed_message(), status=410, site=retired.site)
