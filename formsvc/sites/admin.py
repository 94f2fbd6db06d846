"""District admins keep the list of Children's Homes: create, edit, deactivate, import."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.permissions import admin_required
from formsvc.accounts.scoping import site_for, visible_sites
from formsvc.activities.series import repeating_counts, stop_repeating_at
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem
from formsvc.i18n import _
from formsvc.imports.forms import check_upload, confirm_upload
from formsvc.places import place_sort_key
from formsvc.sites.forms import SiteForm, SiteImportForm
from formsvc.sites.models import SiteLevel, Township
from formsvc.sites.services import (
    NewTownship,
    apply_site_import,
    create_site,
    new_township,
    plan_site_import,
    update_site,
)
from formsvc.timeutil import local_today
from formsvc.urls import external_url

bp = Blueprint("sites_admin", __name__, url_prefix="/admin/sites")


def _township_names() -> list[str]:
    return sorted(db.session.execute(select(Township.name)).scalars(), key=place_sort_key)


def _saved(new: NewTownship | None) -> None:
    flash(_("Saved."))
    if new is not None:  # a typo in the township's name would otherwise go unnoticed
        flash(new.created_message, "warning")


@bp.route("/")
@login_required
def index():
    sites = visible_sites(current_user)
    links = {site.id: external_url("public.site_page", token=site.public_token) for site in sites}
    return render_template(
        "admin/sites/index.html",
        sites=sites,
        links=links,
        repeating=repeating_counts([site.id for site in sites]),
        action_form=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = SiteForm()
    problem = None
    if form.validate_on_submit():
        township = new_township(form.township.data)
        try:
            site = create_site(
                township_name=form.township.data,
                name=form.name.data,
                village=form.village.data,
                level=SiteLevel(form.level.data),
                address=form.address.data,
                opened_on=form.opened_on.data,
            )
        except DomainError as error:
            problem = error.message
        else:
            record("site.create", user=current_user, site_id=site.id, target=site.name)
            db.session.commit()
            _saved(township)
            return redirect(url_for("sites_admin.index"))
    elif form.is_submitted():
        problem = form_problem(form)
    return render_template("admin/sites/form.html", form=form, problem=problem, site=None, townships=_township_names())


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(site_id: int):
    site = site_for(current_user, site_id, write=True)
    form = SiteForm()
    problem = None
    if not form.is_submitted():
        form.township.data = site.township.name
        form.name.data = site.name
        form.village.data = site.village
        form.level.data = site.level.value
        form.address.data = site.address
        form.opened_on.data = site.opened_on
    elif form.validate_on_submit():
        township = new_township(form.township.data)
        try:
            changes = update_site(
                site,
                township_name=form.township.data,
                name=form.name.data,
                village=form.village.data,
                level=SiteLevel(form.level.data),
                address=form.address.data,
                opened_on=form.opened_on.data,
            )
        except DomainError as error:
            problem = error.message
        else:
            record("site.edit", user=current_user, site_id=site.id, target=site.name, changes=changes)
            db.session.commit()
            _saved(township)
            return redirect(url_for("sites_admin.index"))
    else:
        problem = form_problem(form)
    return render_template("admin/sites/form.html", form=form, problem=problem, site=site, townships=_township_names())


@bp.route("/<int:site_id>/<any(activate, deactivate):action>", methods=["POST"])
@admin_required
def set_active(site_id: int, action: str):
    site = site_for(current_user, site_id, write=True)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("sites_admin.index"))
    active = action == "activate"
    # A second tap, or a page left open: nothing more to do (and the day it closed is kept).
    if site.active == active:
        already = _("{name} is already active.") if active else _("{name} is already deactivated.")
        flash(already.format(name=site.name))
        return redirect(url_for("sites_admin.index"))
    site.set_active(active, local_today())
    stopped = 0 if active else stop_repeating_at(site, local_today())
    record(f"site.{action}", user=current_user, site_id=site.id, target=site.name, series_stopped=stopped)
    db.session.commit()
    if active:
        message = _("{name} is active again: sign-ins are open.").format(name=site.name)
        # The series were stopped for good when the home closed; bringing them back unasked
        # would hold activities nobody planned for the reopened home.
        if left_stopped := repeating_counts([site.id], stopped=True).get(site.id, 0):
            message += " " + _(
                "Its stopped repeating activities ({count}) stay stopped; schedule them again on the activities page."
            ).format(count=left_stopped)
    else:
        message = _("{name} is deactivated: sign-ins are closed. Repeating activities stopped: {count}.").format(
            name=site.name, count=stopped
        )
    flash(message)
    return redirect(url_for("sites_admin.index"))


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_sites():
    form = SiteImportForm()
    plan, problem, confirm_form = check_upload(
        form, plan_site_import, ready=lambda plan: not plan.problems and plan.changes, default_name="upload.csv"
    )
    return render_template("admin/sites/import.html", form=form, plan=plan, problem=problem, confirm_form=confirm_form)


@bp.route("/import/confirm", methods=["POST"])
@admin_required
def confirm_import():

    def apply(raw: bytes, filename: str):
        plan = plan_site_import(raw, filename)
        apply_site_import(plan, user=current_user)
        return plan

    plan = confirm_upload(apply)
    if plan is None:
        return redirect(url_for("sites_admin.import_sites"))
    flash(
        _("Imported: {created} new, {updated} updated.").format(
            created=len(plan.to_create), updated=len(plan.to_update)
        )
    )
    return redirect(url_for("sites_admin.index"))
