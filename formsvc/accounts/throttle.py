"""Slowing down password guessing, per account and per address, in the database.

Kept in the database rather than in memory so every worker and every host sees the same
count. The per-account limit counts by the username as typed, existing or not, so a locked
message never tells whether an account exists.

An account counts only the failures since its last fresh start: a successful login, or a
district admin resetting its password, enabling or unlocking it. Otherwise four slips before
getting in, or a lock-out from before an admin's reset, would still weigh on the next try. The
per-address count keeps every failure of the window: one person getting in somewhere says
nothing about the other names tried from that address.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

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


def _as_typed(username: str) -> str:
    return username.strip().lower()[:40]


def locked_accounts(usernames: Iterable[str]) -> dict[str, datetime]:
    """When each of these accounts that is locked now opens again (UTC); open ones are left out."""
    limit = current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    rows = db.session.execute(
        select(LoginAttempt.username, LoginAttempt.succeeded, LoginAttempt.at)
        .where(
            LoginAttempt.username.in_(sorted({_as_typed(name) for name in usernames})),
            LoginAttempt.at > utcnow() - WINDOW,
        )
        # In the order written rather than by time: two tries in one clock tick keep their order.
        .order_by(LoginAttempt.id)
    )
    failures: dict[str, list[datetime]] = {}
    for username, succeeded, at in rows:
        if succeeded:
            failures[username] = []  # a fresh start: the failures before it no longer count
        else:
            failures.setdefault(username, []).append(at)
    # Locked while `limit` failures are in the window: until the oldest of the last `limit` leaves it.
    return {username: run[-limit] + WINDOW for username, run in failures.items() if len(run) >= limit}


def _failures_from_address(ip: str, since: datetime) -> int:
    return db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    ).scalar_one()


def check_login_allowed(username: str, ip: str) -> None:
    """Refuse a login try when this account or this address failed too often lately."""
    if locked_accounts([username]):
        raise TooManyAttempts(_("Too many wrong passwords for this account. Please wait 15 minutes and try again."))
    if ip and _failures_from_address(ip, utcnow() - WINDOW) >= current_app.config["LOGIN_FAILURES_PER_IP"]:
        raise TooManyAttempts(_("Too many wrong passwords from this network. Please wait 15 minutes and try again."))


def note_login_attempt(username: str, ip: str, succeeded: bool) -> None:
    db.session.add(LoginAttempt(username=_as_typed(username), ip=ip[:45], succeeded=succeeded))


def clear_account_failures(username: str) -> None:
    """Give the account a fresh start, as a successful login does; the per-address counts stay.

    Written as one more row rather than by deleting the failures, which the per-address limit
    still needs. It carries no address, so it never counts for one.
    """
    db.session.add(LoginAttempt(username=_as_typed(username), ip="", succeeded=True))


def forget_old_attempts(older_than: timedelta = timedelta(days=30)) -> int:
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than))
    return result.rowcount or 0
