"""District admins manage workspace accounts: create, edit, disable, unlock, reset passwords."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from formsvc.accounts.forms import ActionForm, NewUserForm, UserForm
from formsvc.accounts.models import Role, User
from formsvc.accounts.permissions import admin_required
from formsvc.accounts.services import (
    all_users,
    create_user,
    generate_password,
    reset_password,
    set_enabled,
    unlock,
    update_user,
)
from formsvc.accounts.throttle import locked_accounts
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import NO_CHOICE, choices, form_problem
from formsvc.i18n import _
from formsvc.places import home_choices, townships_in_order
from formsvc.sites.models import Township
from formsvc.sites.services import all_sites

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _fill_choices(form: UserForm) -> None:
    form.sites.choices = home_choices(all_sites())
    townships = townships_in_order(db.session.execute(select(Township)).scalars())
    form.township.choices = choices([NO_CHOICE] + [(township.id, township.name) for township in townships])


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@admin_required
def index():
    users = all_users()
    return render_template(
        "admin/users/index.html",
        users=users,
        locked_until=locked_accounts(user.username for user in users),
        action_form=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewUserForm()
    _fill_choices(form)
    problem = None
    if form.validate_on_submit():
        password = generate_password()
        role = Role(form.role.data)
        try:
            user = create_user(
                username=form.username.data,
                password=password,
                role=role,
                site_ids=form.sites.data if role == Role.MANAGER else [],
                township_id=(form.township.data or None) if role == Role.TOWNSHIP_VIEWER else None,
                display_name=form.display_name.data,
                must_change_password=True,
            )
        except DomainError as error:
            problem = error.message
        else:
            record("user.create", user=current_user, target=user.username, role=user.role.value)
            db.session.commit()
            flash(
                _("Account {username} created. Temporary password: {password}").format(
                    username=user.username, password=password
                )
            )
            return redirect(url_for("users.index"))
    elif form.is_submitted():
        problem = form_problem(form)
    return render_template("admin/users/form.html", form=form, problem=problem, user=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=None)
    _fill_choices(form)
    problem = None
    if not form.is_submitted():
        form.display_name.data = user.display_name
        form.role.data = user.role.value
        form.sites.data = [site.id for site in user.sites]
        form.township.data = user.township_id or 0
    elif form.validate_on_submit():
        try:
            update_user(
                user,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                site_ids=form.sites.data or [],
                township_id=form.township.data or None,
                by=current_user,
            )
        except DomainError as error:
            form.role.errors.append(error.message)  # the form checked the scope; what is left is the role
        else:
            record(
                "user.edit",
                user=current_user,
                target=user.username,
                role=user.role.value,
                sites=[site.id for site in user.sites],
            )
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("users.index"))
    else:
        problem = form_problem(form)
    return render_template("admin/users/form.html", form=form, problem=problem, user=user, action_form=ActionForm())


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def reset(user_id: int):
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        password = reset_password(user)
        record("user.password_reset", user=current_user, target=user.username)
        db.session.commit()
        flash(_("New temporary password for {username}: {password}").format(username=user.username, password=password))
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@admin_required
def unlock_user(user_id: int):
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        unlock(user)
        record("user.unlock", user=current_user, target=user.username)
        db.session.commit()
        flash(_("{username} can log in again now.").format(username=user.username))
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
@admin_required
def toggle(user_id: int, action: str):
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            set_enabled(user, action == "enable", by=current_user)
        except DomainError as error:
            flash(error.message)
        else:
            record(f"user.{action}", user=current_user, target=user.username)
            db.session.commit()
            if action == "enable":
                flash(_("{username} is enabled and can log in again.").format(username=user.username))
            else:
                flash(
                    _("{username} is disabled: signed out, and cannot log in until enabled again.").format(
                        username=user.username
                    )
                )
    return redirect(url_for("users.index"))
