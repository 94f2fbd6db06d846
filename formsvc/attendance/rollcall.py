"""Roll-call (点名) on the manager's phone: one big toggle per child, each tap saved at once.

Without JavaScript every toggle is a small form that posts and comes back to the same place
in the list (post/redirect/get, ``#child-<id>``). With JavaScript, ``static/rollcall.js``
sends the same form with fetch() and asks for JSON; the answer carries the nonce for the
next tap.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from formsvc.activities.admin import activity_for
from formsvc.activities.models import Activity
from formsvc.attendance.admin_common import wants_json
from formsvc.attendance.admin_forms import SEARCH_MAX, AddChildForm, ToggleForm
from formsvc.attendance.models import Child
from formsvc.attendance.namesearch import search_keys
from formsvc.attendance.rollcall_services import (
    RollCallClosed,
    add_and_mark,
    check_roll_call_open,
    mark,
    present_count,
    roll_call_rows,
)
from formsvc.attendance.roster import roster_child
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem, new_nonce
from formsvc.i18n import _
from formsvc.text import clean_name, has_han

bp = Blueprint("rollcall", __name__, url_prefix="/admin")


def state_label(present: bool) -> str:
    return _("Present") if present else _("Not here")


def _closed_message(activity: Activity) -> str | None:
    try:
        check_roll_call_open(activity)
    except RollCallClosed as error:
        return error.message
    return None


def _page(activity: Activity, query: str, add_form: AddChildForm | None = None, problem: str | None = None):
    rows = roll_call_rows(activity, query)
    closed = _closed_message(activity)
    writable = current_user.can_write and closed is None
    prefilled = False
    if add_form is None:
        add_form = AddChildForm(formdata=None)
        if not rows and has_han(query):  # a name nobody has: most likely the child to add
            add_form.name.data = clean_name(query)
            prefilled = True
    add_form.ensure_nonce()
    return render_template(
        "admin/rollcall/roll_call.html",
        activity=activity,
        site=activity.site,
        rows=rows,
        query=query,
        present=present_count(activity),
        closed=closed,
        writable=writable,
        toggle_form=ToggleForm(formdata=None) if writable else None,
        add_form=add_form if writable else None,
        prefilled=prefilled,
        nonces={row.child.id: new_nonce() for row in rows},
        search_keys=search_keys,
        state_label=state_label,
        problem=problem,
    )


@bp.route("/activities/<int:activity_id>/roll-call")
@login_required
def roll_call(activity_id: int):
    activity = activity_for(current_user, activity_id)
    return _page(activity, request.args.get("q", "").strip()[:SEARCH_MAX])


def _back(activity: Activity, query: str | None, child: Child | None = None):
    anchor = f"child-{child.id}" if child is not None else None
    query = (query or "").strip()[:SEARCH_MAX]  # the search box's own bound: the address stays short
    return redirect(url_for(".roll_call", activity_id=activity.id, q=query or None, _anchor=anchor))


def _refused(activity: Activity, child: Child, form: ToggleForm, problem: str, status: int):
    if wants_json():
        return jsonify(error=problem), status
    flash(problem, "warning")
    return _back(activity, form.q.data, child)


@bp.route("/activities/<int:activity_id>/roll-call/<int:child_id>", methods=["GET", "POST"])
@login_required
def toggle(activity_id: int, child_id: int):
    if request.method == "GET":  # back here after signing in again: show the list, not an error
        activity = activity_for(current_user, activity_id)
        return _back(activity, None, roster_child(activity.site, child_id))
    activity = activity_for(current_user, activity_id, write=True)
    child = roster_child(activity.site, child_id)
    if child is None:
        abort(404)
    form = ToggleForm()
    if not form.validate_on_submit():
        problem = form_problem(form) or _("Something in the request was not right")
        return _refused(activity, child, form, problem, 400)
    try:
        result = mark(activity, child, present=form.state.data == "present", nonce=form.nonce.data, user=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _refused(activity, child, form, error.message, 409)
    if not wants_json():
        return _back(activity, form.q.data, child)
    return jsonify(
        child_id=child.id,
        present=result.present,
        changed=result.changed,
        repeated=result.repeated,
        label=state_label(result.present),
        # What the next tap asks for, with a fresh nonce of its own.
        state="absent" if result.present else "present",
        nonce=new_nonce(),
        count=present_count(activity),
    )


@bp.route("/activities/<int:activity_id>/roll-call/add", methods=["GET", "POST"])
@login_required
def add_child(activity_id: int):
    if request.method == "GET":
        return _back(activity_for(current_user, activity_id), None)
    activity = activity_for(current_user, activity_id, write=True)
    form = AddChildForm()
    problem = None
    if form.validate_on_submit():
        try:
            result = add_and_mark(activity, name=form.name.data, nonce=form.nonce.data, user=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            if result.repeated:
                flash(_("This child had already been added."), "warning")
            elif result.created:
                flash(_("{name} was added to the roster and marked present.").format(name=result.child.name))
            else:
                flash(_("{name} was already on the roster and is now marked present.").format(name=result.child.name))
            return _back(activity, None, result.child)
    else:
        problem = form_problem(form)
    return _page(activity, (form.q.data or "")[:SEARCH_MAX], add_form=form, problem=problem)
