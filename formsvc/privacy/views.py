"""The privacy pages: what the next purge touches, the consent text, and what is held about a child."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from formsvc.accounts.permissions import admin_required
from formsvc.attendance.admin_forms import SEARCH_MAX
from formsvc.attendance.roster import ROSTER_STATUSES
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem
from formsvc.i18n import _
from formsvc.privacy.consent import (
    DEFAULT_BODY_EN,
    DEFAULT_BODY_ZH,
    all_texts,
    consents_by_version,
    current_text,
    publish_text,
    retention_words,
)
from formsvc.privacy.forms import ConsentTextForm
from formsvc.privacy.held import find_children, held_about_child, record_viewing, visible_child
from formsvc.privacy.models import HowGiven
from formsvc.privacy.retention import plan_purge
from formsvc.text import mask_phone
from formsvc.timeutil import local_today

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")


@bp.route("/")
@admin_required
def index():
    period = current_app.config["RETENTION"]
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    return render_template(
        "admin/privacy.html",
        plan=plan_purge(local_today(), period),
        period=retention_words(period),
        query=query,
        found=find_children(current_user, query),
    )


@bp.route("/children/<int:child_id>")
@login_required
def held(child_id: int):
    """Everything held about one child, to show or print for a family that asks to see it."""
    child = visible_child(current_user, child_id)
    if child is None:
        abort(404)
    record_viewing(child, user=current_user)
    db.session.commit()
    return render_template(
        "admin/privacy_held.html",
        held=held_about_child(child, current_user, full_phones=current_user.can_write),
        mask_phone=mask_phone,
        as_of=utcnow(),
        can_edit=current_user.can_write and child.status in ROSTER_STATUSES and child.purged_at is None,
    )


@bp.route("/consent", methods=["GET", "POST"])
@admin_required
def consent_text():
    """Edit the guardian consent text: saving makes a new version, and phones ask again."""
    current = current_text()
    form = ConsentTextForm()
    problem = None
    if not form.is_submitted():
        form.body_zh.data = current.body_zh if current else DEFAULT_BODY_ZH
        form.body_en.data = current.body_en if current else DEFAULT_BODY_EN
    elif form.validate_on_submit():
        try:
            text = publish_text(body_zh=form.body_zh.data, body_en=form.body_en.data or "", user=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            flash(_("Saved as version {version}. Phones will ask for consent again.").format(version=text.version))
            return redirect(url_for("privacy.consent_text"))
    else:
        problem = form_problem(form)
    return render_template(
        "admin/privacy_consent.html",
        form=form,
        problem=problem,
        texts=all_texts(),
        accepted=consents_by_version(),
        how_given=HowGiven,
    )
