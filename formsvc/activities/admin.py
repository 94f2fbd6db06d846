"""Scheduling activities at one site or many, once or repeating; editing and cancelling them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.permissions import writer_required
from formsvc.accounts.scoping import site_for, visible_sites
from formsvc.activities.cancelling import cancel_activity, restore_activity, why_never_cancelled
from formsvc.activities.forms import ActivityDetailsForm, ScheduleForm
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.activities.series import stop_repeating
from formsvc.activities.services import ActivityPlan, edit_activity, schedule
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import NO_CHOICE, choices, form_problem
from formsvc.i18n import _
from formsvc.places import home_choices, townships_in_order
from formsvc.sites.models import Township
from formsvc.timeutil import local_today, to_local

bp = Blueprint("activities_admin", __name__, url_prefix="/admin/activities")


def activity_for(user, activity_id: int, *, write: bool = False) -> Activity:
    """The activity, if its site is in the user's scope; 404 otherwise (403 for a read-only user)."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    site_for(user, activity.site_id, write=write)
    return activity


def _fill_choices(form: ScheduleForm) -> None:
    sites = [site for site in visible_sites(current_user) if site.active]
    form.sites.choices = home_choices(sites)
    township_ids = sorted({site.township_id for site in sites})
    townships = townships_in_order(db.session.execute(select(Township).where(Township.id.in_(township_ids))).scalars())
    form.township.choices = choices([NO_CHOICE] + [(township.id, township.name) for township in townships])


def _chosen_sites(form: ScheduleForm):
    allowed = {site.id: site for site in visible_sites(current_user) if site.active}
    chosen = {site_id for site_id in (form.sites.data or []) if site_id in allowed}
    if form.township.data:
        chosen |= {site.id for site in allowed.values() if site.township_id == form.township.data}
    return [allowed[site_id] for site_id in sorted(chosen)]


# The field a refusal from the services is about; the form checks the same before, so these
# show only when a request skipped the form's checks.
FIELD_OF_ERROR = {
    "window_backwards": "closes",
    "no_audience": "for_children",
    "until_before_start": "until",
    "no_sites": "sites",
    "daily_fixed": "day",
    "moved_after_signin": "day",
    "series_day_taken": "day",
}


def _refusal_on_form(form, error: DomainError) -> str | None:
    """Put a service's refusal beside its field; what concerns no field comes back for the top of the page."""
    field = form._fields.get(FIELD_OF_ERROR.get(error.code, ""))
    if field is None:
        return error.message
    field.errors = [*field.errors, error.message]
    form._errors = None  # form.errors is cached by validate()
    return None


@bp.route("/new", methods=["GET", "POST"])
@writer_required
def new():
    form = ScheduleForm()
    _fill_choices(form)
    problem = None
    if not form.is_submitted():
        form.day.data = local_today()
        preselected = request.args.get("site", type=int)
        if preselected:
            form.sites.data = [site_for(current_user, preselected, write=True).id]
        form.kind.data = ActivityKind.PARENT_TRAINING.value
        form.for_guardians.data = True
    elif form.validate_on_submit():
        plan = ActivityPlan(
            kind=ActivityKind(form.kind.data),
            title=form.title.data,
            day=form.day.data,
            opens=form.opens.data,
            closes=form.closes.data,
            for_children=form.for_children.data,
            for_guardians=form.for_guardians.data,
            for_volunteers=form.for_volunteers.data,
            rotating_code=form.rotating_code.data,
            weekdays="".join(form.weekdays.data or []),
            until=form.until.data,
        )
        sites = _chosen_sites(form)
        try:
            made = schedule(plan, sites)
        except DomainError as error:
            problem = _refusal_on_form(form, error)
        else:
            for item, site in zip(made, sites, strict=True):
                action = "series.create" if isinstance(item, ActivitySeries) else "activity.create"
                record(
                    action,
                    user=current_user,
                    site_id=site.id,
                    target=f"{item.__tablename__}:{item.id}",
                    kind=plan.kind.value,
                    title=plan.title,
                    day=plan.day.isoformat(),
                    weekdays=plan.weekdays,
                )
            db.session.commit()
            flash(_("Scheduled at {count} Children's Homes.").format(count=len(sites)))
            if len(sites) == 1:
                return redirect(url_for("manage.site_day", site_id=sites[0].id, day=plan.day.isoformat()))
            return redirect(url_for("manage.dashboard"))
    else:
        problem = form_problem(form)
    return render_template("admin/activities/new.html", form=form, problem=problem)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@writer_required
def edit(activity_id: int):
    activity = activity_for(current_user, activity_id, write=True)
    form = ActivityDetailsForm()
    form.kept_day = activity.on_date
    if activity.kind == ActivityKind.DAILY:
        del form.day  # the daily opening of a day never moves
    problem = None
    if not form.is_submitted():
        form.title.data = activity.title
        if "day" in form:
            form.day.data = activity.on_date
        form.opens.data = to_local(activity.opens_at).time()
        form.closes.data = to_local(activity.closes_at).time()
        form.for_children.data = activity.for_children
        form.for_guardians.data = activity.for_guardians
        form.for_volunteers.data = activity.for_volunteers
        form.rotating_code.data = activity.rotating_code
    elif form.validate_on_submit():
        try:
            moved_from = edit_activity(
                activity,
                day=form.day.data if "day" in form else activity.on_date,
                title=form.title.data,
                opens=form.opens.data,
                closes=form.closes.data,
                for_children=form.for_children.data,
                for_guardians=form.for_guardians.data,
                for_volunteers=form.for_volunteers.data,
                rotating_code=form.rotating_code.data,
            )
        except DomainError as error:
            problem = _refusal_on_form(form, error)
        else:
            moved = {"moved_from": moved_from.isoformat(), "day": activity.on_date.isoformat()} if moved_from else {}
            record(
                "activity.edit",
                user=current_user,
                site_id=activity.site_id,
                target=f"activities:{activity.id}",
                **moved,
            )
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("manage.site_day", site_id=activity.site_id, day=activity.on_date.isoformat()))
    else:
        problem = form_problem(form)
    return render_template(
        "admin/activities/edit.html",
        form=form,
        problem=problem,
        activity=activity,
        action_form=ActionForm(),
        never_cancelled=why_never_cancelled(activity),
    )


@bp.route("/<int:activity_id>/<any(cancel, restore):action>", methods=["POST"])
@writer_required
def set_cancelled(activity_id: int, action: str):
    activity = activity_for(current_user, activity_id, write=True)
    day_page = url_for("manage.site_day", site_id=activity.site_id, day=activity.on_date.isoformat())
    if not ActionForm().validate_on_submit():
        return redirect(day_page)
    if action == "cancel":
        try:
            cancel_activity(activity)
        except DomainError as error:
            message = error.message
            if error.code == "cancelled_after_signin":  # the sign-ins to void are listed there
                link = Markup('<a href="{url}">{text}</a>').format(
                    url=f"{day_page}#activity-{activity.id}", text=_("Open the day page")
                )
                message = Markup("{message} {link}").format(message=message, link=link)
            flash(message, "warning")
            return redirect(url_for("activities_admin.edit", activity_id=activity.id))
        flash(_("Cancelled."))
        details = {}
    else:
        counted_again = restore_activity(activity)
        details = {"counted_again": counted_again} if counted_again else {}
        restored = _("Restored.")
        if counted_again:
            again = _("Sign-ins voided when it was cancelled count again: {count}.")
            restored += " " + again.format(count=counted_again)
        flash(restored)
    record(
        f"activity.{action}", user=current_user, site_id=activity.site_id, target=f"activities:{activity.id}", **details
    )
    db.session.commit()
    return redirect(day_page)


@bp.route("/series/<int:series_id>/stop", methods=["POST"])
@writer_required
def stop_series(series_id: int):
    series = db.session.get(ActivitySeries, series_id)
    if series is None:
        abort(404)
    site_for(current_user, series.site_id, write=True)
    if ActionForm().validate_on_submit():
        stop_repeating(series, local_today())
        record("series.stop", user=current_user, site_id=series.site_id, target=f"activity_series:{series.id}")
        db.session.commit()
    return redirect(url_for("manage.site_day", site_id=series.site_id))
