"""The phone pages behind the poster QR: the site page, the sign-in forms, the receipt."""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from formsvc.activities.models import Activity, Audience
from formsvc.activities.services import activity_by_token, reopens_at, todays_activities
from formsvc.attendance import attended, device, retired_links, scanpass
from formsvc.attendance.form_consent import FormConsent
from formsvc.attendance.forms import ChildSignInForm, GuardianSignInForm, VolunteerSignInForm
from formsvc.attendance.models import AdultRole, Relation
from formsvc.attendance.services import (
    WindowClosed,
    check_window,
    counted_sign_in,
    sign_in_adult,
    sign_in_child,
    submission_by_token,
)
from formsvc.database import commit_if_written
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem, refuse_malformed_body
from formsvc.i18n import _
from formsvc.privacy.acceptance import forget_acceptance
from formsvc.ratelimits import signin_limits
from formsvc.sites.models import Site
from formsvc.surveys.answering import device_key
from formsvc.surveys.offers import answered_here, open_surveys_at_site, receipt_survey
from formsvc.surveys.public import DEVICE_COOKIE
from formsvc.text import mask_name
from formsvc.timeutil import local_today
from formsvc.tokens import looks_like_token
from formsvc.urls import safe_next

bp = Blueprint("public", __name__)

FORM_ENDPOINTS = {
    Audience.CHILDREN: "public.child_form",
    Audience.GUARDIANS: "public.guardian_form",
    Audience.VOLUNTEERS: "public.volunteer_form",
}
# The blank form a receipt's "Sign in someone else" opens (?someone_else).
SOMEONE_ELSE = "someone_else"
# The category of a message for the next phone page (templates/public/base.html shows only these).
PUBLIC_NOTICE = "public"


def site_by_token(token: str) -> Site | None:
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(select(Site).where(Site.public_token == token)).scalar_one_or_none()


@bp.route("/s/<token>")
def site_page(token: str):
    site = site_by_token(token)
    if site is None:
        _refuse_retired_token(token)
    now = utcnow()
    open_now, later = todays_activities(site, local_today(now), now) if site.active else ([], [])
    commit_if_written(db.session)  # the daily opening may have just been created
    choices = [(activity, audience) for activity in open_now for audience in activity.audiences]
    surveys = open_surveys_at_site(site, now=now, attended=attended.activity_ids(now))
    if len(choices) == 1 and not surveys:
        activity, audience = choices[0]
        return redirect(url_for(FORM_ENDPOINTS[audience], token=activity.public_token))
    return render_template(
        "public/site.html",
        site=site,
        choices=choices,
        later=later,
        endpoints=FORM_ENDPOINTS,
        surveys=surveys,
        answered=_surveys_answered_here(site, now),
    )


def _surveys_answered_here(site: Site, now=None) -> frozenset[str]:
    cookie = request.cookies.get(DEVICE_COOKIE)
    return answered_here(site, device_key(cookie) if cookie else None, now)


def _refuse_retired_token(token: str, audience: Audience | None = None) -> NoReturn:
    """The answer of a link a rotation retired (formsvc/attendance/retired_links.py), else 404."""
    retired = retired_links.retired_or_404(token)
    if (counted := retired_links.counted_sign_in_sent(retired)) is not None:
        activity = retired.activity
        abort(_to_receipt(activity, counted.token, utcnow(), at_venue=activity.rotating_code))
    abort(retired_links.refusal(retired, audience))


def _activity_for(token: str, audience: Audience) -> Activity:
    activity = activity_by_token(token)
    if activity is None:
        _refuse_retired_token(token, audience)  # an activity link the old poster led to
    if audience not in activity.audiences or not activity.site.active:
        abort(404)
    return activity


def _window_problem(activity: Activity, now: datetime) -> str | None:
    """Why the activity takes no sign-in at ``now`` (not open yet, ended, cancelled); None while open."""
    try:
        check_window(activity, now)
    except WindowClosed as closed:
        return closed.message
    return None


def _next_opening(activity: Activity, now: datetime) -> datetime | None:
    """When an ended window takes sign-ins again; None before it opened, or when it never does."""
    if now < activity.opens_at:
        return None
    reopens = reopens_at(activity, now)
    return reopens if reopens and reopens > now else None  # an old day's link: its next day has passed too


def _window_closed_page(activity: Activity, now: datetime, message: str):
    """Instead of a form nobody can send: when sign-in opens, or that it has ended (and when it opens again)."""
    return render_template(
        "public/signin_closed.html",
        activity=activity,
        site=activity.site,
        message=message,
        not_open_yet=now < activity.opens_at,
        reopens=_next_opening(activity, now),
    )


def _handle_sign_in(
    activity: Activity,
    form,
    template: str,
    sign_in,
    *,
    consent: FormConsent | None = None,
    prefilled: tuple[str, ...] = device.REMEMBERED_FIELDS,
    **context,
):
    """The post/redirect/get cycle every public form shares.

    Whatever went wrong — a field, an expired CSRF token, a window that closed while the
    person typed, a scan pass that ran out (lecture mode, see scanpass.py) — the form comes
    back with everything still in it. Opened before sign-in opens or after it ended, there is
    no form at all, only a page that says so. A form that was already counted leads to its
    receipt again, whatever is wrong with it by now. ``consent``: the guardian's consent the form
    asks, decided for the adult the page shows (after the phone's last entries are filled in).
    """
    device.ensure_device_id()
    now = utcnow()
    if form.is_submitted():
        refuse_malformed_body(form)
    elif activity.cancelled:  # no form, no big green button: nothing to sign in to
        return render_template("public/activity_cancelled.html", activity=activity, site=activity.site)
    elif (closed := _window_problem(activity, now)) is not None:  # nothing to type in before it opens or after
        return _window_closed_page(activity, now, closed)
    if activity.rotating_code and not form.is_submitted() and not scanpass.holds(activity):
        return scanpass.scan_again_page(activity, scanpass.scan_needed_message())
    problem = None
    if not form.is_submitted():
        # "Sign in someone else" on a receipt opens a blank form: prefilled with the person just
        # signed in, a second person pressing the big button got "already signed in" as them.
        someone_else = request.args.get(SOMEONE_ELSE) is not None
        if someone_else:  # another child, most likely by the same grandmother: only who signs is kept
            device.prefill(form, only=("signed_by",))
        elif not scanpass.restore_draft(activity, form):
            device.prefill(form, only=prefilled)
        form.ensure_nonce()
    elif form.validate_on_submit():
        try:
            scanpass.check(activity, form)
            result = sign_in(form)
            # Read before the commit expires them: reading them after would load the rows again.
            receipt_token, at_venue = result.submission.token, activity.rotating_code
            db.session.commit()
        except DomainError as error:  # the window closed, or the scan pass ran out
            db.session.rollback()
            problem = error.message
        else:
            response = _to_receipt(activity, receipt_token, now, at_venue=at_venue)
            device.remember(response, form)
            if consent is not None:
                consent.remember(response)
            return response
    elif (counted := counted_sign_in(activity, form.nonce.data or "")) is not None:
        # Sent again after it counted (Back, then the button) from a page that has expired, or the
        # body of an earlier press with a mistake in it: the person is signed in; the receipt says so.
        return _to_receipt(activity, counted.token, now, at_venue=activity.rotating_code)
    else:
        problem = form_problem(form)
    if form.is_submitted():
        form.ensure_nonce()
    # Closed while the person typed: say so above anything else (a CSRF retry or a field
    # error would only lead to another refusal), and keep everything typed.
    window_problem = _window_problem(activity, now)
    return render_template(
        template,
        reopens=_next_opening(activity, now) if window_problem else None,
        form=form,
        activity=activity,
        site=activity.site,
        problem=window_problem or problem,
        window_closed=window_problem is not None,
        remembered=bool(device.recall()),
        consent=consent.to_show() if consent is not None else None,
        **context,
    )


def _to_receipt(activity: Activity, receipt_token: str, now: datetime, *, at_venue: bool):
    response = redirect(url_for("public.receipt", token=receipt_token))
    scanpass.forget_draft()
    if at_venue:  # a scan-only activity: this phone was there, so the activity's survey answers here
        attended.remember(response, activity, now)
    return response


def _relation(value: str | None) -> Relation | None:
    return Relation(value) if value else None


# "?pick=<device.pick_token>": the form with another child this phone signed in.
PICK = "pick"


@bp.route("/a/<token>/child", methods=["GET", "POST"])
@signin_limits
def child_form(token: str):
    activity = _activity_for(token, Audience.CHILDREN)
    form = ChildSignInForm()
    consent = FormConsent(form)
    # Offered on the form as it opens (a sent form shows no links): a sign-in does not look them up.
    children = [] if form.is_submitted() else device.remembered_children_at(activity.site)
    if not form.is_submitted():
        picked = request.args.get(PICK)
        if picked is not None:
            form.child_name.data = next((name for name in children if device.pick_token(name) == picked), "")
        elif request.args.get(SOMEONE_ELSE) is None:
            form.child_name.data = children[0] if children else ""

    def sign_in(form):
        result = sign_in_child(
            activity,
            child_name=form.child_name.data,
            signed_by=_relation(form.signed_by.data),
            nonce=form.nonce.data,
        )
        consent.record(activity, result)
        return result

    return _handle_sign_in(
        activity,
        form,
        "public/child_form.html",
        sign_in,
        consent=consent,
        consent_refusable=True,
        remembered_children=children,
        pick_token=device.pick_token,
        prefilled=tuple(field for field in device.REMEMBERED_FIELDS if field != "child_name"),
    )


@bp.route("/a/<token>/guardian", methods=["GET", "POST"])
@signin_limits
def guardian_form(token: str):
    activity = _activity_for(token, Audience.GUARDIANS)
    form = GuardianSignInForm()
    consent = FormConsent(form)

    def sign_in(form):
        result = sign_in_adult(
            activity,
            role=AdultRole.GUARDIAN,
            name=form.name.data,
            relation=_relation(form.relation.data),
            phone=form.phone.data or "",
            village=form.village.data or "",
            child_name=form.child_name.data or "",
            nonce=form.nonce.data,
        )
        consent.record(activity, result)
        return result

    return _handle_sign_in(activity, form, "public/guardian_form.html", sign_in, consent=consent)


@bp.route("/a/<token>/volunteer", methods=["GET", "POST"])
@signin_limits
def volunteer_form(token: str):
    activity = _activity_for(token, Audience.VOLUNTEERS)
    return _handle_sign_in(
        activity,
        VolunteerSignInForm(),
        "public/volunteer_form.html",
        lambda form: sign_in_adult(
            activity,
            role=AdultRole.VOLUNTEER,
            name=form.name.data,
            relation=None,
            phone=form.phone.data or "",
            village=form.village.data or "",
            child_name="",
            nonce=form.nonce.data,
        ),
    )


@bp.route("/r/<token>")
def receipt(token: str):
    submission = submission_by_token(token)
    record = submission and (submission.attendance or submission.adult_signin)
    if record is None:  # unknown, or a workspace write (roll-call, paper) that has no receipt page
        abort(404)
    name = submission.attendance.child.name if submission.attendance else record.name
    if submission.attendance:
        audience = Audience.CHILDREN
    else:
        audience = Audience.GUARDIANS if record.role == AdultRole.GUARDIAN else Audience.VOLUNTEERS
    offer = receipt_survey(submission, attended=attended.activity_ids())
    return render_template(
        "public/receipt.html",
        submission=submission,
        record=record,
        answered=_surveys_answered_here(record.activity.site),
        activity=record.activity,
        site=record.activity.site,
        masked_name=mask_name(name),
        surveys=offer.surveys,
        survey_opens=offer.opens,
        someone_else_url=url_for(FORM_ENDPOINTS[audience], token=record.activity.public_token, **{SOMEONE_ELSE: 1}),
    )


@bp.route("/forget")
def forget_me():
    """The "not me" link: the next person on this phone starts afresh, then go back.

    Another person means another guardian: the entries, a draft kept for a re-scan and the
    consent this phone accepted are all forgotten, so the consent text is shown (and its
    acceptance recorded) again. The page it goes back to says so: the link's page, empty
    again, might otherwise look as if nothing had happened.
    """
    response = make_response(redirect(safe_next(request.args.get("next"), "/")))
    device.forget(response)
    forget_acceptance(response)
    scanpass.forget_draft()
    flash(_("What this phone remembered has been cleared."), PUBLIC_NOTICE)
    return response
