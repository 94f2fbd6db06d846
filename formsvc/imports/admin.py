"""Workspace pages of the imports: a filled-in sign-in sheet for its activity, a district ledger.

Both check the file first and show what would be written (nothing is, until confirmed, and
only when every row is valid); the confirm step reads the kept upload again and writes it.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required

from formsvc.accounts.permissions import admin_required
from formsvc.activities.admin import activity_for
from formsvc.activities.models import Audience
from formsvc.attendance.paper import LineStatus, with_review_count
from formsvc.i18n import _, _l
from formsvc.imports.forms import (
    LedgerImportForm,
    SheetUploadForm,
    check_upload,
    confirm_upload,
)
from formsvc.imports.ledger import plan_ledger_import
from formsvc.imports.ledger_apply import apply_ledger_import
from formsvc.imports.models import SheetImport
from formsvc.imports.services import SHOWN_PROBLEMS
from formsvc.imports.sheet_upload import apply_sheet_upload, plan_sheet_upload

bp = Blueprint("imports", __name__, url_prefix="/admin")
WHO = {Audience.CHILDREN: _l("Child"), Audience.GUARDIANS: _l("Guardian"), Audience.VOLUNTEERS: _l("Volunteer")}


def imported_before(previous: SheetImport) -> str:
    who = previous.imported_by.username if previous.imported_by else _("the command line")
    return _("This file was already imported on {date} by {user}.").format(
        date=format_datetime(previous.imported_at, "short"), user=who
    )


def _day_view(activity):
    return url_for(
        "manage.site_day", site_id=activity.site_id, day=activity.on_date.isoformat(), _anchor=f"activity-{activity.id}"
    )


@bp.route("/activities/<int:activity_id>/sheet-upload", methods=["GET", "POST"])
@login_required
def sheet_upload(activity_id: int):
    activity = activity_for(current_user, activity_id, write=True)
    form = SheetUploadForm()
    plan, problem, confirm_form = check_upload(
        form,
        lambda raw, filename: plan_sheet_upload(activity, raw, filename),
        ready=lambda plan: not plan.problems and not plan.previous and plan.to_write,
    )
    return render_template(
        "admin/imports/sheet_upload.html",
        activity=activity,
        site=activity.site,
        form=form,
        plan=plan,
        problem=problem,
        confirm_form=confirm_form,
        previous=imported_before(plan.previous) if plan and plan.previous else None,
        statuses=LineStatus,
        audiences=Audience,
        titles=WHO,
        shown=SHOWN_PROBLEMS,
        back=_day_view(activity),
    )


@bp.route("/activities/<int:activity_id>/sheet-upload/confirm", methods=["POST"])
@login_required
def confirm_sheet_upload(activity_id: int):
    activity = activity_for(current_user, activity_id, write=True)
    result = confirm_upload(
        lambda raw, filename: apply_sheet_upload(
            activity, plan_sheet_upload(activity, raw, filename), user=current_user
        )
    )
    if result is None:
        return redirect(url_for("imports.sheet_upload", activity_id=activity.id))
    if result.repeated:
        flash(imported_before(result.previous) + " " + _("Nothing new was written."))
    else:
        imported = _("Imported from the sheet: {written}. New on the roster: {new}. Skipped: {skipped}.").format(
            written=result.written, new=result.new_children, skipped=result.skipped
        )
        flash(with_review_count(imported, result.for_review))
    return redirect(_day_view(activity))


@bp.route("/ledger/import", methods=["GET", "POST"])
@admin_required
def ledger_import():
    form = LedgerImportForm()
    plan, problem, confirm_form = check_upload(
        form,
        plan_ledger_import,
        ready=lambda plan: not plan.problems and not plan.previous and bool(plan.records or plan.new_periods),
    )
    return render_template(
        "admin/imports/ledger.html",
        form=form,
        plan=plan,
        problem=problem,
        confirm_form=confirm_form,
        previous=imported_before(plan.previous) if plan and plan.previous else None,
        audiences=Audience,
        shown=SHOWN_PROBLEMS,
    )


@bp.route("/ledger/import/confirm", methods=["POST"])
@admin_required
def confirm_ledger_import():
    result = confirm_upload(
        lambda raw, filename: apply_ledger_import(plan_ledger_import(raw, filename), user=current_user)
    )
    if result is None:
        return redirect(url_for("imports.ledger_import"))
    if result.repeated:
        flash(imported_before(result.previous) + " " + _("Nothing new was written."))
    else:
        flash(
            _(
                "Imported. Records: {records}, new activities: {activities}, new children: {children}, "
                "category periods: {categories}."
            ).format(
                records=result.records,
                activities=result.activities_created,
                children=result.children_created,
                categories=result.categories_added,
            )
        )
    return redirect(url_for("imports.ledger_import"))
