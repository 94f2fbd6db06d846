"""Which scan-only activities this phone signed in to: what their surveys ask for.

The survey of a lecture that takes sign-ins only through the changing QR code on the screen
(lecture mode) is for the people who were there. Its link is offered on the receipt, and a link
is easily forwarded to a WeChat group; so a sign-in to such an activity also leaves a mark on the
phone that sent it — a signed cookie listing the activity — and the survey answers only where
that mark is. A cookie, not the session: the survey stays open until the evening after
(surveys.answering.OPEN_AFTER_CLOSE), long after WeChat may have ended the browser session.

Only activity ids are kept, each until its survey closes, at most KEPT of them.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from formsvc.activities.models import Activity
from formsvc.db import utcnow
from formsvc.surveys.answering import OPEN_AFTER_CLOSE

COOKIE = "fs_at"
KEPT = 8


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="signed-in-at-the-venue")


def _marks(now: datetime) -> dict[str, int]:
    """The activities in the phone's cookie whose surveys may still be open, with their end."""
    try:
        data = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    moment = int(now.timestamp())
    return {key: until for key, until in data.items() if isinstance(until, int) and until > moment}


def activity_ids(now: datetime | None = None) -> frozenset[int]:
    """The scan-only activities this phone signed in to (their surveys not yet closed)."""
    return frozenset(int(key) for key in _marks(now or utcnow()) if key.isdigit())


def remember(response: Response, activity: Activity, now: datetime | None = None) -> None:
    """After a sign-in from this phone to a scan-only activity: its survey may be answered here."""
    now = now or utcnow()
    marks = _marks(now)
    marks[str(activity.id)] = int((max(activity.closes_at, now) + OPEN_AFTER_CLOSE).timestamp())
    # The marks that last longest are kept; the cookie stays small however many lectures a phone visits.
    kept = dict(sorted(marks.items(), key=lambda item: item[1], reverse=True)[:KEPT])
    response.set_cookie(
        COOKIE,
        _serializer().dumps(kept),
        max_age=max(kept.values()) - int(now.timestamp()),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
