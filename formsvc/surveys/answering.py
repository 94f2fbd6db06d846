"""Answering a survey on a phone: when a link is open, and storing a response exactly once.

Windows. A site survey is open whenever the site is active. An activity survey opens at the
activity's start, or ``opens_before_close`` minutes before its sign-in closes (for a lecture:
"in the last 15 minutes"), and stays open until ``OPEN_AFTER_CLOSE`` after sign-in closes, so a
parent can still answer on the way home or that evening.

Exactly once. Every rendered form carries a nonce, unique in ``survey_responses``: a double
tap or a resend after a dropped connection finds the first response and stores nothing. One
response per phone and survey a day at a home: the phone's random survey cookie, hashed with
the app's secret (never the IP address — a whole village shares one Wi-Fi), is checked against
the link and against the same template answered at the same site on the same day through
another link (a survey asked both at the home and after its lecture). The checks run before
the insert and again inside a savepoint, under a lock of the template's row; the unique
constraints back them up.

For those who were there. The survey of a scan-only activity (lecture mode: sign-in only with
the changing QR code on the screen) answers only on a phone that signed in to it
(``may_answer``, attendance/attended.py); its link forwarded to a WeChat group does not.

As asked. A form sends back what its questions were (``builder.asked_text``). An unanswered
version is edited in place, so when a question changed or was added since the phone opened
the form, nothing is stored (``SurveyChanged``): the person sees the questions as they are now.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from formsvc.attendance.services import activity_as_committed
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _, reads_english
from formsvc.surveys.builder import changed_keys, is_empty, shown_keys
from formsvc.surveys.models import (
    QuestionKind,
    SurveyAnswer,
    SurveyLink,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)
from formsvc.timeutil import local_today
from formsvc.tokens import looks_like_token

OPEN_AFTER_CLOSE = timedelta(hours=24)
TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 2000}


class SurveyClosed(DomainError):
    code = "survey_closed"


class AlreadyAnswered(DomainError):
    code = "already_answered"


class AnswerMissing(DomainError):
    code = "answer_missing"


class SurveyChanged(DomainError):
    code = "survey_changed"


@dataclass(frozen=True)
class Answered:
    response: SurveyResponse
    # True when this very form had been sent before (double tap, resend).
    repeated: bool = False


def link_by_token(token: str) -> SurveyLink | None:
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(select(SurveyLink).where(SurveyLink.public_token == token)).scalar_one_or_none()


def link_window(link: SurveyLink) -> tuple[datetime | None, datetime | None]:
    """When an activity survey opens and closes; (None, None) for a site survey."""
    activity = link.activity
    if activity is None:
        return None, None
    opens = activity.opens_at
    if link.opens_before_close is not None:
        opens = max(opens, activity.closes_at - timedelta(minutes=link.opens_before_close))
    return opens, activity.closes_at + OPEN_AFTER_CLOSE


def closed_reason(link: SurveyLink, now: datetime, *, sending: bool = False) -> str | None:
    """Why the link takes no answers now, in words; None when it is open.

    ``sending``: said to someone who has just pressed "send", so no "thank you" that would
    read as if the answers had arrived.
    """
    ended = _("This survey has ended.") if sending else _("This survey has ended. Thank you!")
    if link.stopped_at is not None or not link.site.active:
        return ended
    if link.activity is not None and link.activity.cancelled:
        return _("This activity has been cancelled.")
    opens, closes = link_window(link)
    if opens is not None and now < opens:
        return _("This survey has not opened yet.")
    if closes is not None and now >= closes:
        return ended
    return None


def for_those_who_signed_in(link: SurveyLink) -> bool:
    """The survey of an activity whose sign-in needs the changing QR code on the screen (lecture mode).

    It is for the people who were there: it answers only on a phone that signed in to the
    activity (attendance/attended.py), not wherever its link was forwarded.
    """
    return link.activity is not None and link.activity.rotating_code


def may_answer(link: SurveyLink, attended: Collection[int]) -> bool:
    """Whether a phone that signed in to the scan-only activities ``attended`` may answer through ``link``."""
    return not for_those_who_signed_in(link) or link.activity_id in attended


def answer_day(link: SurveyLink, now: datetime | None = None) -> date:
    """The day a response through ``link`` counts on: the activity's, or today for a site survey."""
    return link.activity.on_date if link.activity is not None else local_today(now or utcnow())


def survey_locale() -> str:
    """The language a phone sees a survey in: English when it asks for English, else Chinese."""
    return "en" if reads_english() else "zh_Hans"


def device_key(device_token: str) -> str:
    """What is stored of the phone's survey cookie: a keyed hash, never the cookie itself."""
    secret = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return hmac.new(secret, b"survey-device:" + device_token.encode(), hashlib.sha256).hexdigest()[:40]


def response_by_nonce(nonce: str) -> SurveyResponse | None:
    return db.session.execute(select(SurveyResponse).where(SurveyResponse.nonce == nonce)).scalar_one_or_none()


def answered_on_device(link: SurveyLink, key: str | None, now: datetime | None = None) -> bool:
    """Whether this phone answered through ``link``, or the same survey at the same home that day."""
    if not key:
        return False
    same_survey_that_day = and_(
        SurveyResponse.template_id == link.template_id,
        SurveyResponse.site_id == link.site_id,
        SurveyResponse.on_date == answer_day(link, now),
    )
    found = db.session.execute(
        select(SurveyResponse.id)
        .where(SurveyResponse.device_key == key, or_(SurveyResponse.link_id == link.id, same_survey_that_day))
        .limit(1)
    ).first()
    return found is not None


def version_for(link: SurveyLink, version_id: int | None) -> SurveyVersion:
    """The version a form was built from, if it belongs to the link's template; else the current one."""
    if version_id:
        version = db.session.get(SurveyVersion, version_id)
        if version is not None and version.template_id == link.template_id:
            return version
    template: SurveyTemplate = link.template
    return template.current


def _answer_rows(questions: list[SurveyQuestion], answers: dict) -> list[SurveyAnswer]:
    """The rows to store: only questions that were shown, only valid values."""
    shown = shown_keys(questions, answers)
    rows = []
    for question in questions:
        value = answers.get(question.key)
        if question.key not in shown or is_empty(value):
            if question.required and question.key in shown:
                raise AnswerMissing(_("Please answer every question marked as required."), key=question.key)
            continue
        allowed = {choice for choice, _label in question.choices("zh_Hans")}
        if question.kind == QuestionKind.RATING and value in allowed:
            rows.append(SurveyAnswer(question_id=question.id, number=int(value)))
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.YES_NO) and value in allowed:
            rows.append(SurveyAnswer(question_id=question.id, choice=value))
        elif question.kind == QuestionKind.MULTIPLE:
            picked = [choice for choice in dict.fromkeys(value) if choice in allowed]
            rows.extend(SurveyAnswer(question_id=question.id, choice=choice) for choice in picked)
        elif question.kind.is_text:
            rows.append(SurveyAnswer(question_id=question.id, text=str(value).strip()[: TEXT_LIMITS[question.kind]]))
    return rows


def _already_answered(nonce: str) -> Answered:
    # The same form may have been stored a moment ago, between the two checks.
    prior = response_by_nonce(nonce)
    if prior is not None:
        return Answered(prior, repeated=True)
    raise AlreadyAnswered(_("You have already answered this survey. Thank you!"))


def changed_message() -> str:
    return _("This survey was changed while you were answering. Please look over your answers and send them again.")


def submit_response(
    link: SurveyLink,
    version: SurveyVersion,
    answers: dict,
    *,
    nonce: str,
    device: str | None,
    locale: str = "",
    now: datetime | None = None,
    asked: dict[str, str] | None = None,
) -> Answered:
    """Store one response; ``answers`` maps question keys to a value, or a list for multiple choice.

    Answers to questions whose condition was not met are ignored (the form shows every
    question when JavaScript is off, with "only if you answered …"). ``asked`` is what the
    form showed (``builder.parse_asked``): when a question of the version is new or edited
    since, ``SurveyChanged`` is raised and nothing is stored; None skips that check.
    """
    prior = response_by_nonce(nonce)
    if prior is not None:
        return Answered(prior, repeated=True)
    now = now or utcnow()
    reason = closed_reason(link, now, sending=True)
    if reason:
        raise SurveyClosed(reason)
    if version.template_id != link.template_id:
        raise DomainError(_("This survey has changed. Please answer it again."), code="wrong_version")
    if answered_on_device(link, device, now):
        return _already_answered(nonce)
    on_date = answer_day(link, now)
    try:
        with db.session.begin_nested():
            if device:
                # Two links of one survey share no unique constraint: the template's row is the
                # lock under which "not answered yet" is checked again (SQLite: the write lock).
                # FOR NO KEY UPDATE: a builder adding a version (a foreign key to this row) never waits on it.
                db.session.execute(
                    select(SurveyTemplate.id)
                    .where(SurveyTemplate.id == link.template_id)
                    .with_for_update(key_share=True)
                )
                if answered_on_device(link, device, now):
                    return _already_answered(nonce)
            # Freezing first makes an edit of this version wait, then copy it (services.editable_version).
            db.session.execute(
                update(SurveyVersion)
                .where(SurveyVersion.id == version.id, SurveyVersion.frozen.is_(False))
                .values(frozen=True)
                .execution_options(synchronize_session=False)
            )
            questions = list(
                db.session.execute(
                    select(SurveyQuestion)
                    .where(SurveyQuestion.version_id == version.id)
                    .order_by(SurveyQuestion.position)
                ).scalars()
            )
            if changed_keys(asked, questions):
                raise SurveyChanged(changed_message())
            response = SurveyResponse(
                link_id=link.id,
                template_id=link.template_id,
                version_id=version.id,
                site_id=link.site_id,
                activity_id=link.activity_id,
                on_date=on_date,
                nonce=nonce,
                device_key=device,
                locale=locale[:10],
                created_at=now,
            )
            response.answers = _answer_rows(questions, answers)
            db.session.add(response)
            db.session.flush()
            # An answer holds its activity as held (``activities.cancelling``): read again now,
            # a cancellation committed since the check above refuses it, one in progress is waited for.
            if link.activity is not None and activity_as_committed(link.activity).cancelled:
                raise SurveyClosed(_("This activity has been cancelled."))
    except IntegrityError:
        # The same form sent twice at once, or the same phone on two tabs: answer with what is stored.
        prior = response_by_nonce(nonce)
        if prior is not None:
            return Answered(prior, repeated=True)
        if answered_on_device(link, device, now):
            raise AlreadyAnswered(_("You have already answered this survey. Thank you!")) from None
        raise
    db.session.refresh(version, ["frozen"])
    return Answered(response)
