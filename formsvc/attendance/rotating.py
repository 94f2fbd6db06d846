"""The changing QR code of lecture mode: a short signed code for (activity, time slot).

The screen at the lecture shows ``/k/<activity token>/<code>``, where the code is an HMAC of
the activity's id and the current time slot (ROTATING_QR_SECONDS long), cut to 8 base32
characters (40 bits) so the URL, and with it the QR code, stays small. Nothing is stored: a
scan is checked by recomputing the codes of the current and the previous slot, and of the
slot before that during the first ROTATING_QR_GRACE_SECONDS of the current one. A code is
therefore good from the moment it appears until one period plus the grace after it left the
screen — enough for a slow scan on a weak phone, too short for a photo sent to a WeChat group.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from formsvc.activities.models import Activity
from formsvc.db import utcnow
from formsvc.urls import external_url

CODE_LENGTH = 8
_CODE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _period() -> int:
    return max(1, int(current_app.config["ROTATING_QR_SECONDS"]))


def _grace() -> int:
    return max(0, int(current_app.config["ROTATING_QR_GRACE_SECONDS"]))


def slot_at(moment: datetime) -> int:
    return int(moment.timestamp()) // _period()


def code_for(activity_id: int, slot: int) -> str:
    # A key of its own, derived from SECRET_KEY, so a code can never double as another signature.
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    key = hashlib.sha256(b"formsvc rotating qr\0" + secret).digest()
    digest = hmac.new(key, f"{activity_id}:{slot}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode()


def code_is_valid(activity: Activity, code: str, now: datetime | None = None) -> bool:
    """True for the code of the current or previous slot, or the one before within the grace."""
    if len(code) != CODE_LENGTH or not set(code) <= _CODE_ALPHABET:
        return False
    now = now or utcnow()
    slot = slot_at(now)
    candidates = [slot, slot - 1]
    if now.timestamp() - slot * _period() < _grace():
        candidates.append(slot - 2)
    # Every candidate is compared, so the time taken does not tell which slot matched.
    matches = [hmac.compare_digest(code, code_for(activity.id, candidate)) for candidate in candidates]
    return any(matches)


@dataclass(frozen=True)
class ShownCode:
    """What the screen shows now, and for how long."""

    slot: int
    url: str
    period: int
    # Seconds until the next code appears on the screen.
    changes_in: float
    # Seconds this code is still accepted if the screen stops updating (a lost connection).
    valid_for: float


def shown_code(activity: Activity, now: datetime | None = None) -> ShownCode:
    now = now or utcnow()
    period = _period()
    slot = slot_at(now)
    elapsed = now.timestamp() - slot * period
    return ShownCode(
        slot=slot,
        url=external_url("scan.scan_code", token=activity.public_token, code=code_for(activity.id, slot)),
        period=period,
        changes_in=round(period - elapsed, 1),
        valid_for=round(2 * period + _grace() - elapsed, 1),
    )
