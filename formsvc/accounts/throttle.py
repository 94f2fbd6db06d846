"""Slowing down password guessing, per account and per address, in the database.

Kept in the database rather than in memory so every worker and every host sees the same
count. The per-account limit counts by the username as typed, existing or not, so a locked
message never tells whether an account exists.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from formsvc.accounts.models import LoginAttempt
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _

WINDOW = timedelta(minutes=15)


class TooManyAttempts(DomainError):
    code = "too_many_login_attempts"


def _failures_since(column, value: str, since) -> int:
    return db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    ).scalar_one()


def check_login_allowed(username: str, ip: str) -> None:
    """Refuse a login try when this account or this address failed too often lately."""
    config = current_app.config
    since = utcnow() - WINDOW
    if (
        _failures_since(LoginAttempt.username, username.strip().lower()[:40], since)
        >= config["LOGIN_FAILURES_PER_ACCOUNT"]
    ):
        raise TooManyAttempts(_("Too many wrong passwords for this account. Please wait 15 minutes and try again."))
    if ip and _failures_since(LoginAttempt.ip, ip, since) >= config["LOGIN_FAILURES_PER_IP"]:
        raise TooManyAttempts(_("Too many wrong passwords from this network. Please wait 15 minutes and try again."))


def note_login_attempt(username: str, ip: str, succeeded: bool) -> None:
    db.session.add(LoginAttempt(username=username.strip().lower()[:40], ip=ip[:45], succeeded=succeeded))


def forget_old_attempts(older_than: timedelta = timedelta(days=30)) -> int:
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than))
    return result.rowcount or 0
