""" "Remember me on this phone": the last entries, kept in a cookie on the device only.

A convenience, never something a flow depends on: WeChat and iOS clear cookies freely, and
nothing about the person ever goes into a URL.
"""

from __future__ import annotations

from flask import Response, current_app, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from formsvc.tokens import random_token

COOKIE = "fs_me"
MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes at about 400 days
REMEMBERED_FIELDS = ("child_name", "signed_by", "name", "relation", "phone", "village")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="device-memory")


def recall() -> dict[str, str]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: str(value) for key, value in data.items() if key in REMEMBERED_FIELDS and value}


def prefill(form) -> bool:
    """Fill the form's empty fields from the device; True when anything was filled."""
    remembered = recall()
    filled = False
    for key, value in remembered.items():
        field = getattr(form, key, None)
        if field is not None and not field.data:
            field.data = value
            filled = True
    return filled


def remember(response: Response, form) -> None:
    data = recall()
    for key in REMEMBERED_FIELDS:
        field = getattr(form, key, None)
        if field is not None and field.data:
            data[key] = field.data
    response.set_cookie(
        COOKIE,
        _serializer().dumps(data),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE)


# A random id for this browser, kept in the signed session cookie (it ends with the browser
# session): per-phone rate limits count by it, so one Wi-Fi shared by a village is not one
# phone. Dropping the cookie only yields a fresh id, which the per-address bound still counts.
DEVICE_ID_KEY = "device_id"


def device_id() -> str | None:
    value = session.get(DEVICE_ID_KEY)
    return value if isinstance(value, str) else None


def ensure_device_id() -> None:
    if device_id() is None:
        session[DEVICE_ID_KEY] = random_token(12)
