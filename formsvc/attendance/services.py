"""Signing in, exactly once: children at activities, and guardians and volunteers.

Every public form carries a one-time nonce. A submission looks up its nonce first, so a
double tap or a resend after a dropped connection returns the original receipt and writes
nothing. The partial unique indexes on attendance and adult sign-ins then make sure one
person counts once per activity, even when two phones race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError

from formsvc.activities.models import Activity, ActivityKind
from formsvc.attendance.models import (
    ROSTER_STATUSES,
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildStatus,
    Relation,
    Source,
    Submission,
)
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site
from formsvc.text import clean_name, clean_text, name_key
from formsvc.tokens import looks_like_nonce, looks_like_token


class WindowClosed(DomainError):
    code = "window_closed"


class NotOnRoster(DomainError):
    code = "not_on_roster"


@dataclass(frozen=True)
class SignInResult:
    submission: Submission
    # True when this very form had been sent before (double tap, resend).
    repeated: bool = False

    @property
    def already_signed_in(self) -> bool:
        return self.submission.found_existing


def submission_by_nonce(nonce: str) -> Submission | None:
    return db.session.execute(select(Submission).where(Submission.nonce == nonce)).scalar_one_or_none()


def counted_sign_in(activity: Activity, nonce: str) -> Submission | None:
    """The sign-in at ``activity`` that a form with this nonce already made, or None.

    A form sent again (Back, then the button once more) has been counted whatever else is
    wrong with it now: its page expired, sign-in closed, it is the body of an earlier press
    that had a mistake in it.
    """
    if not looks_like_nonce(nonce):  # a made-up value is no nonce this app sent (NUL fails in PostgreSQL)
        return None
    submission = submission_by_nonce(nonce)
    record = submission and (submission.attendance or submission.adult_signin)
    return submission if record is not None and record.activity_id == activity.id else None


def submission_by_token(token: str) -> Submission | None:
    if not looks_like_token(token, 24):
        return None
    return db.session.execute(select(Submission).where(Submission.token == token)).scalar_one_or_none()


def check_window(activity: Activity, now: datetime) -> None:
    if activity.cancelled:
        raise WindowClosed(_("This activity has been cancelled."), code="cancelled")
    if now < activity.opens_at:
        raise WindowClosed(_("Sign-in for this activity has not opened yet."), code="not_open_yet")
    if now >= activity.closes_at:
        raise WindowClosed(_("Sign-in for this activity has closed."), code="window_closed")


def activity_as_committed(activity: Activity) -> Activity:
    """``activity`` read again by the transaction that has just written a record to it, as committed now.

    The checks before the write read the activity as it was then; a manager moving or
    cancelling it may have committed since. After the write this transaction holds SQLite's
    write lock, and on PostgreSQL the FOR SHARE below waits for a move or cancellation in
    progress (which holds the row FOR UPDATE, see ``activities.cancelling``) and then reads the
    row as it committed. A writer checks again against it (``check_window``, the roll-call's
    and the paper sheet's checks): a record never lands on an activity that left its day or
    was cancelled.
    """
    return db.session.execute(
        select(Activity)
        .where(Activity.id == activity.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _check_window_as_committed(activity: Activity, now: datetime) -> None:
    check_window(activity_as_committed(activity), now)


def is_late(activity: Activity, now: datetime) -> bool:
    """A lecture sign-in LATE_AFTER_MINUTES or more after sign-in opened (when the lecture starts).

    Lectures are parent trainings and every activity that uses the changing QR code; a daily
    opening or an all-day volunteer service has no "late".
    """
    if activity.kind != ActivityKind.PARENT_TRAINING and not activity.rotating_code:
        return False
    return now >= activity.opens_at + timedelta(minutes=int(current_app.config["LATE_AFTER_MINUTES"]))


def match_roster(site: Site, name: str) -> Child | None:
    """The child on the site's roster with this name, ignoring width, case and spaces.

    A name that was merged into another child (a misspelling the manager resolved) leads to
    that child, so the same misspelling typed again does not make a new review entry.
    """
    preference = case((Child.status == ChildStatus.ACTIVE, 0), (Child.status == ChildStatus.TO_REVIEW, 1), else_=2)
    child = db.session.execute(
        select(Child)
        .where(
            Child.site_id == site.id,
            Child.name_key == name_key(name),
            Child.status.in_((ChildStatus.ACTIVE, ChildStatus.TO_REVIEW, ChildStatus.MERGED)),
        )
        .order_by(preference, Child.id)
        .limit(1)
    ).scalar_one_or_none()
    for _hop in range(5):  # merges can chain; a short bound guards against a bad cycle
        if child is None or child.status != ChildStatus.MERGED:
            break
        child = db.session.get(Child, child.merged_into_id) if child.merged_into_id else None
    if child is None or child.status not in ROSTER_STATUSES:
        return None
    return child


def check_on_roster_as_committed(child: Child) -> None:
    """Refuse a record just written for ``child`` if the child left the roster since it was matched.

    Taking a child off the roster (``review.take_off_roster``), rejecting or merging one holds
    the child's row FOR UPDATE while it looks at their sign-ins. After the write this
    transaction holds SQLite's write lock, and on PostgreSQL the FOR SHARE below waits for such
    a change in progress and then reads the status as committed: either the record was there
    to be seen and the take-off is refused, or the take-off came first and the record is refused.
    """
    status = db.session.execute(
        select(Child.status).where(Child.id == child.id).with_for_update(read=True)
    ).scalar_one()
    status = ChildStatus(status)
    if status not in ROSTER_STATUSES:
        message = _("{name} is no longer on the roster ({status}).").format(name=child.name, status=status.title)
        raise NotOnRoster(message)


def match_or_add_child(site: Site, name: str) -> Child:
    """The roster's child, or a new one marked for the manager to review."""
    child = match_roster(site, name)
    if child:
        return child
    child = Child(site_id=site.id, name=clean_name(name), name_key=name_key(name), status=ChildStatus.TO_REVIEW)
    try:
        with db.session.begin_nested():
            db.session.add(child)
    except IntegrityError:
        # Another phone added the same new name a moment ago.
        child = match_roster(site, name)
        if child is None:
            raise
    return child


def _active_attendance(activity: Activity, child: Child) -> Attendance | None:
    return db.session.execute(
        select(Attendance).where(
            Attendance.activity_id == activity.id,
            Attendance.child_id == child.id,
            Attendance.voided_at.is_(None),
        )
    ).scalar_one_or_none()


def _active_adult_signin(activity: Activity, role: AdultRole, name: str) -> AdultSignIn | None:
    return db.session.execute(
        select(AdultSignIn).where(
            AdultSignIn.activity_id == activity.id,
            AdultSignIn.role == role,
            AdultSignIn.name_key == name_key(name),
            AdultSignIn.voided_at.is_(None),
        )
    ).scalar_one_or_none()


def _submit_once(nonce: str, create_record, find_existing, link) -> SignInResult:
    """Run one exactly-once write.

    ``find_existing()`` returns a record of this person at this activity or None;
    ``create_record()`` adds a new one; ``link(submission, record)`` ties the nonce to it.
    """
    existing = find_existing()
    submission = Submission(nonce=nonce, found_existing=existing is not None)
    try:
        with db.session.begin_nested():
            record = existing or create_record()
            link(submission, record)
            db.session.add(submission)
    except IntegrityError:
        # A concurrent writer won the race: the same form sent twice at once, or the same
        # person signing in on two phones. Whichever it was, answer with what is stored.
        prior = submission_by_nonce(nonce)
        if prior is not None:
            return SignInResult(prior, repeated=True)
        existing = find_existing()
        if existing is None:
            raise
        submission = Submission(nonce=nonce, found_existing=True)
        link(submission, existing)
        with db.session.begin_nested():
            db.session.add(submission)
    return SignInResult(submission)


def sign_in_child(
    activity: Activity,
    *,
    child_name: str,
    signed_by: Relation | None,
    nonce: str,
    now: datetime | None = None,
) -> SignInResult:
    prior = submission_by_nonce(nonce)
    if prior is not None:
        return SignInResult(prior, repeated=True)
    now = now or utcnow()
    check_window(activity, now)
    try:
        return _sign_in_as(activity, match_or_add_child(activity.site, child_name), signed_by, nonce, now)
    except NotOnRoster:
        # Taken off the roster, rejected or merged the moment this sign-in was written: matched
        # again, the name finds whom it finds now (the child merged into, or a new name for review).
        return _sign_in_as(activity, match_or_add_child(activity.site, child_name), signed_by, nonce, now)


def _sign_in_as(
    activity: Activity, child: Child, signed_by: Relation | None, nonce: str, now: datetime
) -> SignInResult:
    def create() -> Attendance:
        attendance = Attendance(
            activity_id=activity.id,
            child_id=child.id,
            source=Source.QR,
            signed_by=signed_by,
            signed_in_at=now,
            late=is_late(activity, now),
        )
        db.session.add(attendance)
        db.session.flush()
        _check_window_as_committed(activity, now)
        check_on_roster_as_committed(child)
        return attendance

    def link(submission: Submission, attendance: Attendance) -> None:
        submission.attendance = attendance

    return _submit_once(nonce, create, lambda: _active_attendance(activity, child), link)


def sign_in_adult(
    activity: Activity,
    *,
    role: AdultRole,
    name: str,
    relation: Relation | None,
    phone: str,
    village: str,
    child_name: str,
    nonce: str,
    now: datetime | None = None,
) -> SignInResult:
    prior = submission_by_nonce(nonce)
    if prior is not None:
        return SignInResult(prior, repeated=True)
    now = now or utcnow()
    check_window(activity, now)
    child = match_roster(activity.site, child_name) if child_name else None

    def create() -> AdultSignIn:
        signin = AdultSignIn(
            activity_id=activity.id,
            role=role,
            name=clean_name(name),
            name_key=name_key(name),
            relation=relation,
            phone=phone,
            village=clean_text(village),
            child_name=clean_name(child_name),
            child_id=child.id if child else None,
            source=Source.QR,
            signed_in_at=now,
            late=is_late(activity, now),
        )
        db.session.add(signin)
        db.session.flush()
        _check_window_as_committed(activity, now)
        return signin

    def link(submission: Submission, signin: AdultSignIn) -> None:
        submission.adult_signin = signin

    return _submit_once(nonce, create, lambda: _active_adult_signin(activity, role, name), link)
