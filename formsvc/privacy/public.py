"""The public side of children's privacy: the rules page and the guardian's "I do not agree"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for

from formsvc.activities.models import Activity, Audience
from formsvc.activities.services import activity_by_token
from formsvc.attendance import device, scanpass
from formsvc.i18n import _
from formsvc.privacy.acceptance import forget_acceptance
from formsvc.privacy.consent import privacy_contact, retention_words
from formsvc.privacy.forms import RefuseConsentForm

bp = Blueprint("privacy_public", __name__)


def _children_activity(token: str) -> Activity:
    activity = activity_by_token(token)
    if activity is None or Audience.CHILDREN not in activity.audiences or not activity.site.active:
        abort(404)
    return activity


@bp.route("/privacy/children")
def children_rules():
    """儿童个人信息保护规则: what is kept about children, why, where, how long, whom to ask."""
    config = current_app.config
    organisation = config.get("PRIVACY_ORGANISATION") or _("the district Women's Federation")
    return render_template(
        "public/children_rules.html",
        site=None,
        # The default reads inside a sentence ("Responsible …: the district Women's Federation");
        # as the page's heading it is a name.
        header_title=config.get("PRIVACY_ORGANISATION") or _("District Women's Federation"),
        organisation=organisation,
        officer=config.get("PRIVACY_OFFICER") or _("the head of the district Women's Federation office"),
        contact=privacy_contact(),
        period=retention_words(),
    )


@bp.route("/a/<token>/child/refuse", methods=["POST"])
def refuse(token: str):
    """The guardian does not agree: nothing is written, and the phone forgets what it kept."""
    activity = _children_activity(token)
    if not RefuseConsentForm().validate_on_submit():  # an expired page: show the form again
        return redirect(url_for("public.child_form", token=activity.public_token))
    response = make_response(redirect(url_for("privacy_public.refused", token=activity.public_token)))
    device.forget(response)
    forget_acceptance(response)
    scanpass.forget_draft()
    return response


@bp.route("/a/<token>/child/refused")
def refused(token: str):
    activity = _children_activity(token)
    return render_template("public/consent_refused.html", activity=activity, site=activity.site)
