"""The phone pages of a survey: ``/q/<token>`` and its thank-you page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import ImmutableMultiDict

from formsvc.attendance import attended
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem, refuse_malformed_body
from formsvc.surveys.answering import (
    AlreadyAnswered,
    SurveyChanged,
    SurveyClosed,
    answered_on_device,
    changed_message,
    closed_reason,
    device_key,
    link_by_token,
    link_window,
    may_answer,
    response_by_nonce,
    submit_response,
    survey_locale,
    version_for,
)
from formsvc.surveys.builder import SurveyForm, build_survey_form, changed_keys, parse_asked
from formsvc.surveys.models import SurveyLink, SurveyVersion
from formsvc.tokens import looks_like_token, random_token

bp = Blueprint("survey_public", __name__)

# A random id for "this phone has answered", nothing else; only its keyed hash is stored.
DEVICE_COOKIE = "fs_sv"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600


def _device_cookie() -> tuple[str, bool]:
    """The phone's survey cookie, and whether it is new (to be set on the response)."""
    token = request.cookies.get(DEVICE_COOKIE)
    if looks_like_token(token, 32) and len(token) >= 16:
        return token, False
    return random_token(22), True


def _respond(body, token: str, is_new: bool):
    response = make_response(body)
    if is_new:
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _link_or_404(token: str) -> SurveyLink:
    link = link_by_token(token)
    if link is None:
        abort(404)
    return link


def _done_page(link: SurveyLink, *, already: bool):
    return render_template(
        "public/survey/done.html",
        link=link,
        site=link.site,
        title=link.template.current.title(survey_locale()),
        already=already,
    )


def _closed_page(link: SurveyLink, reason: str, *, not_sent: bool):
    opens, closes = link_window(link)
    return render_template(
        "public/survey/closed.html",
        link=link,
        site=link.site,
        reason=reason,
        not_sent=not_sent,
        opens=opens,
        closes=closes,
    )


def _for_those_who_signed_in_page(link: SurveyLink, *, not_sent: bool):
    """A scan-only lecture's survey opened on a phone that did not sign in there (a forwarded link)."""
    page = render_template(
        "public/survey/not_signed_in_here.html",
        link=link,
        site=link.site,
        activity=link.activity,
        not_sent=not_sent,
    )
    return page, 403


def _leave_out_answers_to_removed_questions(version: SurveyVersion, asked: dict[str, str] | None) -> None:
    """Drop from the request the answers to questions the form asked but the version no longer has.

    An unanswered version is edited in place: a question deleted while a phone had the form
    open would otherwise make the strict body check refuse every send of that form (400).
    Only keys the form itself listed as asked are dropped; anything else stays refused.
    """
    removed = set(asked or ()) - {question.key for question in version.questions}
    if removed & set(request.form):
        request.form = ImmutableMultiDict(
            [(key, value) for key, value in request.form.items(multi=True) if key not in removed]
        )


def _survey_form(version: SurveyVersion, asked: dict[str, str] | None, locale: str) -> SurveyForm:
    _leave_out_answers_to_removed_questions(version, asked)
    form = build_survey_form(version.questions, locale)()
    if form.is_submitted():
        refuse_malformed_body(form)
    return form


def _asked_again(form: SurveyForm, asked: dict[str, str] | None, version: SurveyVersion) -> str:
    """The form again with the questions as they are now; answers to edited questions are cleared."""
    form.forget(changed_keys(asked, version.questions))
    return changed_message()


@bp.route("/q/<token>", methods=["GET", "POST"])
def answer(token: str):
    link = _link_or_404(token)
    locale = survey_locale()
    cookie, cookie_is_new = _device_cookie()
    device = device_key(cookie)
    now = utcnow()
    probe = SurveyForm()  # only to read which version (and questions) the sent form was built from
    sending = probe.is_submitted()
    reason = closed_reason(link, now, sending=sending)
    if reason:
        if sending and probe.nonce.data and response_by_nonce(probe.nonce.data) is not None:
            # A resend of a form that was stored just before the survey closed.
            return _respond(redirect(url_for("survey_public.thanks", token=link.public_token)), cookie, cookie_is_new)
        return _respond(_closed_page(link, reason, not_sent=sending), cookie, cookie_is_new)
    if not may_answer(link, attended.activity_ids(now)):
        return _respond(_for_those_who_signed_in_page(link, not_sent=sending), cookie, cookie_is_new)
    sent = (probe.version.data or "") if sending else ""
    sent_version = int(sent) if sent.isdigit() and len(sent) < 10 else None  # past any id column: none
    asked = parse_asked(probe.asked.data) if sending else None
    version = version_for(link, sent_version)
    form = _survey_form(version, asked, locale)
    problem = None
    if not sending:
        if answered_on_device(link, device, now):
            return _respond(_done_page(link, already=True), cookie, cookie_is_new)
    elif changed_keys(asked, version.questions):
        problem = _asked_again(form, asked, version)
    elif form.validate_on_submit():
        try:
            submit_response(
                link, version, form.answers(), nonce=form.nonce.data, device=device, locale=locale, asked=asked
            )
            db.session.commit()
        except AlreadyAnswered:
            db.session.rollback()
            return _respond(_done_page(link, already=True), cookie, cookie_is_new)
        except SurveyClosed as error:
            db.session.rollback()
            return _respond(_closed_page(link, error.message, not_sent=True), cookie, cookie_is_new)
        except SurveyChanged:
            # Edited between the check above and the insert: build the form again from the rows now.
            db.session.rollback()
            version = version_for(link, version.id)
            form = _survey_form(version, asked, locale)
            problem = _asked_again(form, asked, version)
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            return _respond(redirect(url_for("survey_public.thanks", token=link.public_token)), cookie, cookie_is_new)
    else:
        problem = form_problem(form)
    form.ensure_nonce()
    form.version.data = str(version.id)
    form.asked.data = form.asked_now
    page = render_template(
        "public/survey/form.html",
        form=form,
        link=link,
        site=link.site,
        title=version.title(locale),
        intro=version.intro(locale),
        problem=problem,
    )
    return _respond(page, cookie, cookie_is_new)


@bp.route("/q/<token>/thanks")
def thanks(token: str):
    link = _link_or_404(token)
    cookie, cookie_is_new = _device_cookie()
    if cookie_is_new or not answered_on_device(link, device_key(cookie), utcnow()):
        # Nothing was sent from this phone: the form (or, once stopped, the page saying so) says what is true.
        return redirect(url_for("survey_public.answer", token=link.public_token))
    return _done_page(link, already=False)
