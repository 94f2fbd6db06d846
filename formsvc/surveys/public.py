"""The phone pages of a survey: ``/q/<token>`` and its thank-you page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem, refuse_malformed_body
from formsvc.surveys.answering import (
    AlreadyAnswered,
    answered_on_device,
    closed_reason,
    device_key,
    link_by_token,
    link_window,
    submit_response,
    survey_locale,
    version_for,
)
from formsvc.surveys.builder import SurveyForm, build_survey_form
from formsvc.surveys.models import SurveyLink
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


@bp.route("/q/<token>", methods=["GET", "POST"])
def answer(token: str):
    link = _link_or_404(token)
    locale = survey_locale()
    cookie, cookie_is_new = _device_cookie()
    device = device_key(cookie)
    now = utcnow()
    reason = closed_reason(link, now)
    if reason and request.method == "GET":
        opens, closes = link_window(link)
        page = render_template(
            "public/survey/closed.html", link=link, site=link.site, reason=reason, opens=opens, closes=closes
        )
        return _respond(page, cookie, cookie_is_new)
    probe = SurveyForm()  # only to read which version the sent form was built from
    sent = (probe.version.data or "") if probe.is_submitted() else ""
    sent_version = int(sent) if sent.isdigit() and len(sent) < 10 else None  # past any id column: none
    version = version_for(link, sent_version)
    form = build_survey_form(version.questions, locale)()
    if form.is_submitted():
        refuse_malformed_body(form)
    problem = None
    if not form.is_submitted():
        if answered_on_device(link, device):
            return _respond(_done_page(link, already=True), cookie, cookie_is_new)
    elif form.validate_on_submit():
        try:
            submit_response(link, version, form.answers(), nonce=form.nonce.data, device=device, locale=locale)
            db.session.commit()
        except AlreadyAnswered:
            db.session.rollback()
            return _respond(_done_page(link, already=True), cookie, cookie_is_new)
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            return _respond(redirect(url_for("survey_public.thanks", token=link.public_token)), cookie, cookie_is_new)
    else:
        problem = form_problem(form)
    form.ensure_nonce()
    form.version.data = str(version.id)
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
    return _done_page(_link_or_404(token), already=False)
