"""The district admin's privacy pages: what the next purge touches, and the consent text."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from formsvc.accounts.permissions import admin_required
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
from formsvc.privacy.retention import plan_purge
from formsvc.timeutil import local_today

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")


@bp.route("/")
@admin_required
def index():
    period = current_app.config["RETENTION"]
    return render_template("admin/privacy.html", plan=plan_purge(local_today(), period), period=retention_words(period))


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
    )
