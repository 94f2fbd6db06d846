"""Cancelling an activity, refused while a sign-in of it counts, and taking a cancellation back.

A cancelled activity did not happen: the tallies must not count it as held, nor its sign-ins
as visits. So it is cancelled only while no sign-in counts, and of a sign-in and a
cancellation at the same moment one wins: the sign-in counts and the cancellation is refused,
or the sign-in is refused (``attendance.services.activity_as_committed``).
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.attendance.voiding import VOID_REASON_CANCELLED
from formsvc.database import hold_write_lock
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _


def hold_against_sign_ins(activity: Activity) -> None:
    """Lock the activity before checking that no sign-in counts, for a move or a cancellation.

    A sign-in's rollup trigger takes the activity FOR SHARE (docs/performance.md), and every
    writer reads it again once its record is written (``attendance.services.activity_as_committed``):
    with the row FOR UPDATE, a sign-in written before is counted by the check, and one arriving
    now waits and then sees the change. SQLite has no row locks; its write lock, taken before
    the check, keeps every other writer out until this one commits.
    """
    hold_write_lock(db.session)
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())


def counted_sign_ins(activity: Activity) -> int:
    """Sign-ins to the activity that count: children's and adults', not voided."""
    return sum(
        db.session.execute(
            select(func.count()).select_from(model).where(model.activity_id == activity.id, model.voided_at.is_(None))
        ).scalar_one()
        for model in (Attendance, AdultSignIn)
    )


def cancel_activity(activity: Activity) -> None:
    """Cancel an activity nobody has signed in to yet.

    A cancelled activity takes no sign-ins, yet the day page, the dashboard and the tallies
    would still count the ones it has; they must be voided first, one by one, with a reason.
    """
    hold_against_sign_ins(activity)
    signed_in = counted_sign_ins(activity)
    if signed_in:
        raise DomainError(
            _(
                "This activity cannot be cancelled: {count} signed in to it. "
                "Void those sign-ins on the day page first, then cancel it."
            ).format(count=signed_in),
            code="cancelled_after_signin",
            count=signed_in,
        )
    activity.cancelled = True
    db.session.flush()


def restore_activity(activity: Activity) -> int:
    """Take a cancellation back; the sign-ins voided only because it was cancelled count again. How many.

    Those are the sign-ins migration 1400 voided (an activity cancelled with sign-ins, before
    that was refused): the reason "activity cancelled", voided by no one. Restored, the
    activity took place after all. Sign-ins a manager voided stay voided.
    """
    activity.cancelled = False
    counted_again = 0
    for model in (Attendance, AdultSignIn):
        counted_again += db.session.execute(
            update(model)
            .where(
                model.activity_id == activity.id,
                model.voided_at.is_not(None),
                model.voided_by_id.is_(None),
                model.void_reason == VOID_REASON_CANCELLED,
            )
            .values(voided_at=None, void_reason="")
        ).rowcount
    db.session.flush()
    return counted_again
