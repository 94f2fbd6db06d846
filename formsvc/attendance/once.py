"""Exactly-once writes for the manager's forms: a roll-call tap, an added child, a paper sheet.

The public forms look for an existing record before they claim their nonce (see
``services._submit_once``). A manager's write can touch several rows (a new child and its
attendance, a whole paper sheet), so here the nonce is claimed first: its ``Submission`` row
is inserted before any other write, in the same savepoint. A second sending of the same form
then either finds the nonce at once, or (sent at the same moment) blocks on the unique index
until the first commits and finds it then; either way it writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from formsvc.activities.models import Activity
from formsvc.attendance.models import Submission
from formsvc.attendance.services import submission_by_nonce
from formsvc.extensions import db
from formsvc.tokens import looks_like_nonce

T = TypeVar("T")


@dataclass(frozen=True)
class Once(Generic[T]):
    submission: Submission
    # What ``work`` returned; None when the form had been sent before.
    value: T | None = None
    repeated: bool = False


def run_once(nonce: str, work: Callable[[Submission], T]) -> Once[T]:
    """Claim ``nonce``, then run ``work(submission)``; all of it or nothing is written."""
    prior = submission_by_nonce(nonce)
    if prior is not None:
        return Once(prior, repeated=True)
    submission = Submission(nonce=nonce)
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
            value = work(submission)
    except IntegrityError:
        prior = submission_by_nonce(nonce)
        if prior is None:
            raise
        return Once(prior, repeated=True)
    return Once(submission, value)


def nonce_used(nonce: str) -> bool:
    # Asked before the form is validated: a made-up value (a NUL byte fails inside PostgreSQL)
    # is no nonce this app ever sent, so it was not used.
    return looks_like_nonce(nonce) and submission_by_nonce(nonce) is not None


def moment_within(activity: Activity, now: datetime) -> datetime:
    """When a record entered by the manager is said to have happened.

    A late roll-call or a paper sheet typed in days later still belongs to its activity:
    the time is clamped into the activity's window (the typing time is in ``created_at``).
    """
    return max(activity.opens_at, min(now, activity.closes_at))
