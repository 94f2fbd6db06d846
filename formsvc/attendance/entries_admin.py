"""The manager's corrections of the record: typing in a paper sheet, voiding a wrong entry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from formsvc.activities.admin import activity_for
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.admin_forms import PaperForm, VoidForm
from formsvc.attendance.models import AdultSignIn, Attendance
from formsvc.attendance.once import nonce_used
from formsvc.attendance.paper import (
    LineStatus,
    PaperResult,
    enter_paper,
    paper_digest,
    preview_paper,
    with_review_count,
)
from formsvc.attendance.voiding import AlreadyVoided, void_adult_signin, void_attendance
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem, new_nonce
from formsvc.i18n import _, _l

bp = Blueprint("entries", __name__, url_prefix="/admin")

AUDIENCE_TITLES = {
    Audience.CHILDREN: _l("Child sign-in"),
    Audience.GUARDIANS: _l("Parent and guardian sign-in"),
    Audience.VOLUNTEERS: _l("Volunteer sign-in"),
}


def _day_view(activity: Activity):
    return url_for(
        "manage.site_day", site_id=activity.site_id, day=activity.on_date.isoformat(), _anchor=f"activity-{activity.id}"
    )


def _saved_message(result: PaperResult) -> str:
    if result.repeated:
        return _("This sheet had already been saved; nothing new was written.")
    preview = result.preview
    saved = _("Saved from the paper sheet: {written}. New on the roster: {new}. Skipped: {skipped}.").format(
        written=result.written, new=preview.new_children, skipped=preview.skipped + preview.to_write - result.written
    )
    return with_review_count(saved, preview.for_review)


@bp.route("/activities/<int:activity_id>/paper", methods=["GET", "POST"])
@login_required
def paper(activity_id: int):
    activity = activity_for(current_user, activity_id, write=True)
    form = PaperForm()
    form.audience.choices = [SelectChoice(audience.value, AUDIENCE_TITLES[audience]) for audience in activity.audiences]
    preview = problem = None
    if not form.is_submitted() and activity.audiences:
        form.audience.data = activity.audiences[0].value
    elif form.validate_on_submit():
        audience = Audience(form.audience.data)
        digest = paper_digest(audience, form.lines.data)
        try:
            if form.save.data and form.checked.data == digest:
                result = enter_paper(activity, audience, form.lines.data, nonce=form.nonce.data, user=current_user)
                db.session.commit()
                flash(_saved_message(result), "warning" if result.repeated else "message")
                return redirect(_day_view(activity))
            preview = preview_paper(activity, audience, form.lines.data)
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            if form.save.data:
                problem = _("The list changed after it was checked. Please look at it again, then save.")
            form.checked.data = digest
            if nonce_used(form.nonce.data):  # a sheet saved before, now edited for another one
                form.nonce.data = new_nonce()
    else:
        problem = form_problem(form)
    form.ensure_nonce()
    return render_template(
        "admin/entries/paper.html",
        activity=activity,
        site=activity.site,
        form=form,
        preview=preview,
        problem=problem,
        statuses=LineStatus,
        audiences=Audience,
        titles=AUDIENCE_TITLES,
        back=_day_view(activity),
    )


def _void_page(item, name: str, void):
    activity = activity_for(current_user, item.activity_id, write=True)
    form = VoidForm()
    problem = None
    if item.voided_at is not None and form.is_submitted():  # a second tap on "Void"
        flash(_("This record had already been voided."), "warning")
        return redirect(_day_view(activity))
    if form.validate_on_submit():
        try:
            void(item, user=current_user, reason=form.reason.data)
            db.session.commit()
        except AlreadyVoided as error:
            db.session.rollback()
            flash(error.message, "warning")
            return redirect(_day_view(activity))
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            flash(_("Voided: {name}. It no longer counts.").format(name=name))
            return redirect(_day_view(activity))
    elif form.is_submitted():
        problem = form_problem(form)
    return render_template(
        "admin/entries/void.html",
        activity=activity,
        site=activity.site,
        item=item,
        name=name,
        form=form,
        problem=problem,
        back=_day_view(activity),
    )


@bp.route("/attendances/<int:attendance_id>/void", methods=["GET", "POST"])
@login_required
def void_child(attendance_id: int):
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None:
        abort(404)
    return _void_page(attendance, attendance.child.name, void_attendance)


@bp.route("/adult-signins/<int:signin_id>/void", methods=["GET", "POST"])
@login_required
def void_adult(signin_id: int):
    signin = db.session.get(AdultSignIn, signin_id)
    if signin is None:
        abort(404)
    return _void_page(signin, signin.name, void_adult_signin)
