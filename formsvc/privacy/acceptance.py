"""What a phone remembers of the guardian consent it accepted (formsvc/privacy/consent.py).

A signed, httponly cookie holds the version accepted and the adults who agreed to it on this
phone, most recent first: a grandmother's phone that her neighbour borrowed once asks neither
of them again. A few are kept (ADULTS_KEPT); an adult who has dropped off the end is asked
again, as on a new phone. A newer version starts the list afresh, as it asks everyone.

A cookie written before the adults were kept, an integer (the version alone), is still read
as an acceptance whose adult is not known.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from formsvc.text import name_key

COOKIE = "fs_consent"
MAX_AGE = 400 * 24 * 3600
# About 30 bytes each in the cookie; a phone shared by more adults than this is the home's own.
ADULTS_KEPT = 5


@dataclass(frozen=True)
class Agreement:
    """An adult who agreed on this phone."""

    # adult_key() of the adult. None when not known: ticked on the child form of a phone that
    # remembered no adult, or remembered before the adult was kept. It covers the child form,
    # which types no adult, but no adult who names a child on the guardian form.
    adult: str | None
    # The consent ticked with it, which the rows carried over for this adult point at; None when
    # not known (a resent form, or remembered before the id was kept).
    consent_id: int | None = None


@dataclass(frozen=True)
class Acceptance:
    """The consent version this phone accepted, and the adults who agreed to it here, most recent first."""

    version: int
    agreements: tuple[Agreement, ...] = (Agreement(None),)

    def of(self, adult: str | None) -> Agreement | None:
        """The agreement ``adult`` gave on this phone; an adult not known is nobody's."""
        if adult is None:
            return None
        return next((agreement for agreement in self.agreements if agreement.adult == adult), None)

    @property
    def most_recent(self) -> Agreement:
        return self.agreements[0]

    def adding(self, agreement: Agreement) -> Acceptance:
        """This acceptance with ``agreement`` first: one entry per adult, the oldest dropped past ADULTS_KEPT."""
        others = (kept for kept in self.agreements if kept.adult != agreement.adult)
        return replace(self, agreements=(agreement, *others)[:ADULTS_KEPT])


def adult_key(name: str | None) -> str | None:
    """Who an acceptance was given under, without another copy of the name in a cookie: a keyed
    digest of the name's key, so two spellings of one name (王 秀英, 王秀英) are one adult."""
    key = name_key(name or "")
    if not key:
        return None
    digest = hmac.new(current_app.secret_key.encode(), f"consent-adult:{key}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="guardian-consent")


def _whole_number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _agreement(value) -> Agreement | None:
    """One entry of the cookie's list, ``[adult key or null, consent id or null]``; None when malformed."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    adult, consent_id = value
    if adult is not None and not isinstance(adult, str):
        return None
    return Agreement(adult or None, _whole_number(consent_id))


def phone_acceptance() -> Acceptance | None:
    """What this phone accepted; None when nothing, or a cookie that is not ours."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if (version := _whole_number(value)) is not None:  # a cookie that kept the version alone
        return Acceptance(version)
    if not isinstance(value, dict) or (version := _whole_number(value.get("v"))) is None:
        return None
    listed = value.get("g")
    entries = listed if isinstance(listed, list) else []
    agreements = tuple(agreement for entry in entries if (agreement := _agreement(entry)) is not None)
    # Even a list with nothing readable left says this version was accepted on this phone.
    return Acceptance(version, agreements[:ADULTS_KEPT] or (Agreement(None),))


def remember_acceptance(response: Response, acceptance: Acceptance) -> None:
    agreements = [[agreement.adult, agreement.consent_id] for agreement in acceptance.agreements[:ADULTS_KEPT]]
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"v": acceptance.version, "g": agreements}),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def forget_acceptance(response: Response) -> None:
    response.delete_cookie(COOKIE)
