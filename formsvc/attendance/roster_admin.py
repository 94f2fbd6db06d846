"""The manager's roster pages: the children of a site, adding and editing one, importing the
home's roster from a spreadsheet, the review queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms.fields.choices import SelectChoice

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.models import Role
from formsvc.accounts.scoping import site_for
from formsvc.attendance.admin_forms import (
    SEARCH_MAX,
    ChildForm,
    EraseChildForm,
    MergeForm,
    NewChildForm,
    RejectForm,
    TakeOffRosterForm,
)
from formsvc.attendance.models import Child, ChildStatus
from formsvc.attendance.once import nonce_used
from formsvc.attendance.review import (
    confirm_child,
    counted_visits,
    merge_child,
    reject_child,
    review_queue,
    take_off_roster,
)
from formsvc.attendance.roster import (
    ROSTER_STATUSES,
    create_child,
    review_count,
    roster,
    roster_child,
    same_name_on_roster,
    update_child,
)
from formsvc.attendance.roster_import import RowAction, apply_roster_import, plan_roster_import
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem
from formsvc.i18n import _, _l
from formsvc.imports.admin import imported_before
from formsvc.imports.forms import check_upload, confirm_upload
from formsvc.privacy.retention import erase_child
from formsvc.sites.models import Site
from formsvc.text import mask_phone
from formsvc.timeutil import local_today

bp = Blueprint("roster", __name__, url_prefix="/admin")


def _search_term() -> str:
    return request.args.get("q", "").strip()[:SEARCH_MAX]


@bp.route("/sites/<int:site_id>/children")
@login_required
def children(site_id: int):
    site = site_for(current_user, site_id)
    query = _search_term()
    return render_template(
        "admin/roster/index.html",
        site=site,
        children=roster(site, query),
        query=query,
        review_count=review_count(site),
        today=local_today(),
        mask_phone=mask_phone,
    )


def _after_save(site: Site, child: Child, message: str, *, twin_expected: bool = False):
    """Back to the roster; a note when the name is now shared, unless the manager has just said so."""
    flash(message)
    if not twin_expected and same_name_on_roster(site, child.name, other_than=child.id) is not None:
        flash(_("Note: another child on the roster is also called {name}.").format(name=child.name), "warning")
    return redirect(url_for(".children", site_id=site.id, _anchor=f"child-{child.id}"))


@bp.route("/sites/<int:site_id>/children/new", methods=["GET", "POST"])
@login_required
def new_child(site_id: int):
    site = site_for(current_user, site_id, write=True)
    form = NewChildForm()
    problem = None
    twin = (
        form.is_submitted()
        and form.name.data
        and not nonce_used(form.nonce.data or "")  # a resend of a saved form answers as saved
        and same_name_on_roster(site, form.name.data)
    )
    valid = form.validate_on_submit()
    twin_unconfirmed = twin and not form.another_with_same_name.data
    if twin_unconfirmed:
        # On the name itself, right above the box it asks for, whatever else is wrong on the form.
        twin_problem = _(
            "{name} is already on the roster. If this is another child with the same name, tick the box"
            " below and save again; if not, there is nothing to add."
        ).format(name=twin.name)
        form.name.errors = [*form.name.errors, twin_problem]
    if valid and not twin_unconfirmed:
        try:
            child = create_child(site, form.child_data(), user=current_user, nonce=form.nonce.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            if child is None:
                flash(_("This form had already been saved; nothing new was added."), "warning")
                return redirect(url_for(".children", site_id=site.id))
            added = _("{name} was added to the roster.").format(name=child.name)
            return _after_save(site, child, added, twin_expected=bool(twin))
    elif form.is_submitted():
        problem = form_problem(form)
    form.ensure_nonce()
    return render_template(
        "admin/roster/child_form.html", form=form, site=site, child=None, problem=problem, ask_same_name=bool(twin)
    )


@bp.route("/sites/<int:site_id>/children/<int:child_id>", methods=["GET", "POST"])
@login_required
def edit_child(site_id: int, child_id: int):
    site = site_for(current_user, site_id, write=True)
    child = _roster_child(site, child_id)
    form = ChildForm()
    problem = None
    if not form.is_submitted():
        form.fill_from(child)
    elif form.validate_on_submit():
        try:
            update_child(child, form.child_data(), user=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            return _after_save(site, child, _("Saved: {name}.").format(name=child.name))
    else:
        problem = form_problem(form)
    return _child_page(site, child, form, problem)


def _roster_child(site: Site, child_id: int) -> Child:
    child = roster_child(site, child_id)
    if child is None or child.status not in ROSTER_STATUSES or child.purged_at is not None:
        abort(404)
    return child


def _child_page(
    site: Site,
    child: Child,
    form: ChildForm | None,
    problem: str | None,
    erase_form=None,
    take_off_form=None,
    take_off_problem: str | None = None,
):
    """A child's page; without ``form``, its fields show what is saved."""
    if form is None:
        form = ChildForm(formdata=None)
        form.fill_from(child)
    return render_template(
        "admin/roster/child_form.html",
        form=form,
        site=site,
        child=child,
        problem=problem,
        erase_form=erase_form or EraseChildForm(formdata=None),
        take_off_form=take_off_form or TakeOffRosterForm(formdata=None),
        take_off_problem=take_off_problem,
        counted_visits=counted_visits(child),
    )


@bp.route("/sites/<int:site_id>/children/<int:child_id>/take-off", methods=["POST"])
@login_required
def take_off_roster_view(site_id: int, child_id: int):
    """Take a child added by mistake off the roster, while no sign-in of theirs counts."""
    site = site_for(current_user, site_id, write=True)
    child = _roster_child(site, child_id)
    take_off_form = TakeOffRosterForm()
    if not take_off_form.validate_on_submit():
        return _child_page(site, child, None, form_problem(take_off_form), take_off_form=take_off_form)
    try:
        take_off_roster(child, user=current_user, reason=take_off_form.reason.data)
    except DomainError as error:
        db.session.rollback()
        return _child_page(site, child, None, None, take_off_form=take_off_form, take_off_problem=error.message)
    db.session.commit()
    flash(_("{name} was taken off the roster.").format(name=child.name))
    return redirect(url_for(".children", site_id=site.id))


@bp.route("/sites/<int:site_id>/children/<int:child_id>/erase", methods=["POST"])
@login_required
def erase_child_view(site_id: int, child_id: int):
    """Erase a child's name and details at the family's request; the visits keep counting."""
    site = site_for(current_user, site_id, write=True)
    child = _roster_child(site, child_id)
    erase_form = EraseChildForm()
    if not erase_form.validate_on_submit():
        return _child_page(site, child, None, form_problem(erase_form), erase_form)
    erase_child(child, user=current_user)
    db.session.commit()
    flash(_("The child's name and details were erased. The visits still count, without a name."))
    return redirect(url_for(".children", site_id=site.id))


# --- importing the home's roster from a spreadsheet -----------------------------------


class RosterImportForm(FlaskForm):
    file = FileField(
        _l("The roster (Excel or CSV)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["xlsx", "csv"], message=_l("Please upload a CSV or XLSX file.")),
        ],
    )


@bp.route("/sites/<int:site_id>/children/import", methods=["GET", "POST"])
@login_required
def import_roster(site_id: int):
    """Check the file and show what each row would do; nothing is written before the confirm."""
    site = site_for(current_user, site_id, write=True)
    form = RosterImportForm()
    plan, problem, confirm_form = check_upload(
        form,
        lambda raw, filename: plan_roster_import(site, raw, filename),
        ready=lambda plan: not plan.problems and not plan.previous and plan.changes,
    )
    return render_template(
        "admin/roster_import.html",
        site=site,
        form=form,
        plan=plan,
        problem=problem,
        confirm_form=confirm_form,
        previous=imported_before(plan.previous) if plan and plan.previous else None,
        actions=RowAction,
        # As on the day view: the home's own managers call these parents; anyone else sees them masked.
        full_phones=current_user.role == Role.MANAGER and site in current_user.sites,
        mask_phone=mask_phone,
    )


@bp.route("/sites/<int:site_id>/children/import/confirm", methods=["POST"])
@login_required
def confirm_roster_import(site_id: int):
    site = site_for(current_user, site_id, write=True)
    result = confirm_upload(
        lambda raw, filename: apply_roster_import(site, plan_roster_import(site, raw, filename), user=current_user),
        category="warning",
    )
    if result is None:
        return redirect(url_for(".import_roster", site_id=site.id))
    if result.repeated:
        flash(imported_before(result.previous) + " " + _("Nothing new was written."), "warning")
    else:
        flash(
            _("Roster imported: {created} added, {updated} updated, {unchanged} unchanged.").format(
                created=result.created, updated=result.updated, unchanged=result.unchanged
            )
        )
    return redirect(url_for(".children", site_id=site.id))


# --- the review queue ------------------------------------------------------------------


def _merge_choices(active: list[Child], suggestions: list[Child] = ()) -> list[SelectChoice]:
    """The roster as merge targets; children with a similar name first, in their own group."""
    suggested = {child.id for child in suggestions}
    others = _("Everyone else on the roster") if suggestions else None
    return (
        [SelectChoice("", "—")]
        + [SelectChoice(str(child.id), child.name, optgroup=_("Similar names")) for child in suggestions]
        + [SelectChoice(str(child.id), child.name, optgroup=others) for child in active if child.id not in suggested]
    )


def _review_page(site: Site, bound: dict | None = None, problem: str | None = None):
    entries, active = review_queue(site)
    forms = {}
    for entry in entries if current_user.can_write else ():
        child_id = entry.child.id
        forms[child_id] = {
            "confirm": ActionForm(prefix=f"c{child_id}", formdata=None),
            "merge": MergeForm(prefix=f"m{child_id}", formdata=None),
            "reject": RejectForm(prefix=f"r{child_id}", formdata=None),
        }
        sent = (bound or {}).get(child_id, {})
        forms[child_id].update(sent)
        forms[child_id]["merge"].target.choices = _merge_choices(active, entry.suggestions)
        if "merge" not in sent and entry.likely_target is not None:  # what was sent back stays as sent
            forms[child_id]["merge"].target.data = str(entry.likely_target.id)
    return render_template(
        "admin/roster/review.html", site=site, entries=entries, active=active, forms=forms, problem=problem
    )


@bp.route("/sites/<int:site_id>/review")
@login_required
def review(site_id: int):
    return _review_page(site_for(current_user, site_id))


def _waiting_child(site: Site, child_id: int) -> Child:
    child = roster_child(site, child_id)
    if child is None:
        abort(404)
    return child


def _done(site: Site, message: str | None = None, error: DomainError | None = None):
    if error is not None:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(message)
    return redirect(url_for(".review", site_id=site.id))


@bp.route("/sites/<int:site_id>/review/<int:child_id>/confirm", methods=["POST"])
@login_required
def confirm(site_id: int, child_id: int):
    site = site_for(current_user, site_id, write=True)
    child = _waiting_child(site, child_id)
    form = ActionForm(prefix=f"c{child_id}")
    if not form.validate_on_submit():
        return _review_page(site, {child_id: {"confirm": form}}, form_problem(form))
    try:
        confirm_child(child, user=current_user)
    except DomainError as error:
        return _done(site, error=error)
    return _done(site, _("{name} is now on the roster.").format(name=child.name))


@bp.route("/sites/<int:site_id>/review/<int:child_id>/merge", methods=["POST"])
@login_required
def merge(site_id: int, child_id: int):
    site = site_for(current_user, site_id, write=True)
    child = _waiting_child(site, child_id)
    form = MergeForm(prefix=f"m{child_id}")
    form.target.choices = _merge_choices(roster(site, statuses=(ChildStatus.ACTIVE,)))
    if not form.validate_on_submit():
        return _review_page(site, {child_id: {"merge": form}}, form_problem(form))
    target = roster_child(site, int(form.target.data))
    try:
        result = merge_child(child, target, user=current_user)
    except DomainError as error:
        return _done(site, error=error)
    message = _("{name} was merged into {target}. Sign-ins moved: {moved}; duplicates voided: {voided}.").format(
        name=child.name, target=target.name, moved=result.moved, voided=result.voided
    )
    return _done(site, message)


@bp.route("/sites/<int:site_id>/review/<int:child_id>/reject", methods=["POST"])
@login_required
def reject(site_id: int, child_id: int):
    site = site_for(current_user, site_id, write=True)
    child = _waiting_child(site, child_id)
    form = RejectForm(prefix=f"r{child_id}")
    if not form.validate_on_submit():
        return _review_page(site, {child_id: {"reject": form}}, form_problem(form))
    try:
        voided = reject_child(child, user=current_user, reason=form.reason.data or "")
    except DomainError as error:
        return _done(site, error=error)
    return _done(
        site, _("{name} was rejected. Sign-ins that no longer count: {voided}.").format(name=child.name, voided=voided)
    )
