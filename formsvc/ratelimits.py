"""Rate limits on the public sign-in: per phone first, per network address only as an outer bound.

A whole village signs in over one Wi-Fi, mobile carriers put thousands of phones behind one
address, and WeChat's proxies change a person's address between two requests — so the limit
that matters counts sign-in POSTs per phone (the device id in the session) and activity,
generous enough for a grandparent signing in several grandchildren. The per-address limit is
only there to stop one machine that throws its cookies away on every request.

The limits are read from the configuration on every request (RATELIMIT_SIGNIN_PER_DEVICE,
RATELIMIT_SIGNIN_PER_IP, RATELIMIT_SCAN_PER_IP) and counted in RATELIMIT_STORAGE_URI: Redis,
shared by every worker and host, or memory (one count per worker process) when it is not set.
"""

from __future__ import annotations

import math
import time

from flask import current_app, make_response, request

from formsvc.attendance import device
from formsvc.errors import render_error
from formsvc.extensions import limiter
from formsvc.i18n import _

_FALLBACK_WAIT = 60  # seconds, when the storage cannot say when the window ends


def _signin_per_device() -> str:
    return current_app.config["RATELIMIT_SIGNIN_PER_DEVICE"]


def _signin_per_address() -> str:
    return current_app.config["RATELIMIT_SIGNIN_PER_IP"]


def _scan_per_address() -> str:
    return current_app.config["RATELIMIT_SCAN_PER_IP"]


def device_activity_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return f"device:{device.device_id()}:{token}"


def address_key() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def _no_device_id() -> bool:
    # A request without a session cannot pass the CSRF check and writes nothing; only the
    # per-address bound counts it, so cookie-less junk never blocks a village's phones.
    return device.device_id() is None


def signin_limits(view):
    """Limits for a sign-in form: its POSTs per phone and activity, and per address."""
    view = limiter.shared_limit(
        _signin_per_device,
        scope="signin-device",
        key_func=device_activity_key,
        methods=["POST"],
        exempt_when=_no_device_id,
    )(view)
    return limiter.shared_limit(_signin_per_address, scope="signin-address", key_func=address_key, methods=["POST"])(
        view
    )


def scan_limits(view):
    """The outer bound on scans of the changing code (each one is cheap; guessing is hopeless)."""
    return limiter.shared_limit(_scan_per_address, scope="scan-address", key_func=address_key)(view)


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets it through again."""
    broken = limiter.current_limit
    if broken is None:
        return _FALLBACK_WAIT
    try:
        reset_at = broken.reset_at
    except Exception:  # the storage went away between the check and this page
        current_app.logger.warning("rate limit storage gave no reset time", exc_info=True)
        return _FALLBACK_WAIT
    return max(1, math.ceil(reset_at - time.time()))


def render_too_many_requests():
    """The translated 429 page, saying how long to wait, with a matching Retry-After header."""
    seconds = retry_after_seconds()
    if seconds < 120:
        detail = _("Please wait {seconds} s, then try again.").format(seconds=seconds)
    else:
        detail = _("Please wait {minutes} min, then try again.").format(minutes=math.ceil(seconds / 60))
    body, status = render_error(429, detail=detail)
    response = make_response(body, status)
    response.headers["Retry-After"] = str(seconds)
    return response
