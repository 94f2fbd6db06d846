"""Cancelling an activity, refused while it has sign-ins that count or survey answers, and taking it back.

A cancelled activity did not happen: the tallies must not count it as held, nor its sign-ins
as visits, nor its survey's answers. So it is cancelled only while no sign-in counts and
nobody has answered its survey, and of a sign-in (or an answer) and a cancellation at the same
moment one wins: the sign-in counts and the cancellation is refused, or the sign-in is refused
(``attendance.services.activity_as_committed``). A survey answer cannot be voided (it is
anonymous, and nothing a person sent is taken back), so it keeps its activity held for good.
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
from formsvc.surveys.models import SurveyResponse


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


def survey_answers(activity: Activity) -> int:
    """Responses to the activity's survey: each says the activity took place, and none can be voided."""
    return db.session.execute(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.activity_id == activity.id)
    ).scalar_one()


def cancel_activity(activity: Activity) -> None:
    """Cancel an activity nobody has signed in to yet, nor answered its survey.

    A cancelled activity takes no sign-ins, yet the day page, the dashboard and the tallies
    would still count the ones it has; they must be voided first, one by one, with a reason.
    Its survey's answers cannot be voided: once there are any, it took place.
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
    answered = survey_answers(activity)
    if answered:
        raise _kept_by_answers(answered)
    activity.cancelled = True
    db.session.flush()


def _kept_by_answers(answered: int) -> DomainError:
    return DomainError(
        _(
            "This activity cannot be cancelled: {count} answered its survey, so it took place. "
            "Survey answers are never voided, so the activity stays as held."
        ).format(count=answered),
        code="cancelled_after_answers",
        count=answered,
    )


def why_never_cancelled(activity: Activity) -> str | None:
    """What keeps the activity from ever being cancelled (its survey's answers), for its edit page
    to say instead of offering a cancel that would only be refused; None when nothing does.

    Sign-ins are not among them: the manager can void those first, and the refusal says how.
    """
    answered = 0 if activity.cancelled else survey_answers(activity)
    return _kept_by_answers(answered).message if answered else None


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
