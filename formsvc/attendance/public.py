"""The phone pages behind the poster QR: the site page, the sign-in forms, the receipt."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from formsvc.activities.models import Activity, Audience
from formsvc.activities.services import activity_by_token, reopens_at, todays_activities
from formsvc.attendance import device
from formsvc.attendance.forms import ChildSignInForm, GuardianSignInForm, VolunteerSignInForm
from formsvc.attendance.models import AdultRole, Relation
from formsvc.attendance.services import (
    WindowClosed,
    sign_in_adult,
    sign_in_child,
    submission_by_token,
)
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.forms import csrf_retry_message
from formsvc.sites.models import Site
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


def site_by_token(token: str) -> Site | None:
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(select(Site).where(Site.public_token == token)).scalar_one_or_none()


@bp.route("/s/<token>")
def site_page(token: str):
    site = site_by_token(token)
    if site is None:
        abort(404)
    now = utcnow()
    open_now, later = todays_activities(site, local_today(now), now) if site.active else ([], [])
    db.session.commit()  # the daily opening may have just been created
    choices = [(activity, audience) for activity in open_now for audience in activity.audiences]
    if len(choices) == 1:
        activity, audience = choices[0]
        return redirect(url_for(FORM_ENDPOINTS[audience], token=activity.public_token))
    return render_template("public/site.html", site=site, choices=choices, later=later, endpoints=FORM_ENDPOINTS)


def _activity_for(token: str, audience: Audience) -> Activity:
    activity = activity_by_token(token)
    if activity is None or audience not in activity.audiences or not activity.site.active:
        abort(404)
    return activity


def _handle_sign_in(activity: Activity, form, template: str, sign_in):
    """The post/redirect/get cycle every public form shares.

    Whatever went wrong — a field, an expired CSRF token, a window that closed while the
    person typed — the form comes back with everything still in it.
    """
    problem = None
    if not form.is_submitted():
        device.prefill(form)
        form.ensure_nonce()
    elif form.validate_on_submit():
        try:
            result = sign_in(form)
            db.session.commit()
        except WindowClosed as error:
            db.session.rollback()
            problem = error.message
        else:
            response = redirect(url_for("public.receipt", token=result.submission.token))
            device.remember(response, form)
            return response
    elif "csrf_token" in form.errors:
        problem = csrf_retry_message()
    if form.is_submitted():
        form.ensure_nonce()
    now = utcnow()
    window_closed = not activity.is_open_at(now)
    return render_template(
        template,
        reopens=reopens_at(activity, now) if window_closed else None,
        form=form,
        activity=activity,
        site=activity.site,
        problem=problem,
        window_closed=window_closed,
        remembered=bool(device.recall()),
    )


def _relation(value: str | None) -> Relation | None:
    return Relation(value) if value else None


@bp.route("/a/<token>/child", methods=["GET", "POST"])
def child_form(token: str):
    activity = _activity_for(token, Audience.CHILDREN)
    return _handle_sign_in(
        activity,
        ChildSignInForm(),
        "public/child_form.html",
        lambda form: sign_in_child(
            activity,
            child_name=form.child_name.data,
            signed_by=_relation(form.signed_by.data),
            nonce=form.nonce.data,
        ),
    )


@bp.route("/a/<token>/guardian", methods=["GET", "POST"])
def guardian_form(token: str):
    activity = _activity_for(token, Audience.GUARDIANS)
    return _handle_sign_in(
        activity,
        GuardianSignInForm(),
        "public/guardian_form.html",
        lambda form: sign_in_adult(
            activity,
            role=AdultRole.GUARDIAN,
            name=form.name.data,
            relation=_relation(form.relation.data),
            phone=form.phone.data or "",
            village=form.village.data or "",
            child_name=form.child_name.data or "",
            nonce=form.nonce.data,
        ),
    )


@bp.route("/a/<token>/volunteer", methods=["GET", "POST"])
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
    if submission is None:
        abort(404)
    record = submission.attendance or submission.adult_signin
    name = submission.attendance.child.name if submission.attendance else record.name
    return render_template(
        "public/receipt.html",
        submission=submission,
        record=record,
        activity=record.activity,
        site=record.activity.site,
        masked_name=mask_name(name),
    )


@bp.route("/forget")
def forget_me():
    """The "not me" link: clear what this phone remembers, then go back."""
    response = make_response(redirect(safe_next(request.args.get("next"), "/")))
    device.forget(response)
    return response
