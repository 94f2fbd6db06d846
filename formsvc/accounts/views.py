"""Signing in to and out of the workspace."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from formsvc.accounts.forms import LoginForm, LogoutForm
from formsvc.accounts.services import authenticate
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    problem = None
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
    elif form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("manage.dashboard")))
        problem = _("The username or password is not right.")
    elif "csrf_token" in form.errors:
        problem = _("This page was open for a while, so we need one more tap. Please press the button again.")
    return render_template("admin/login.html", form=form, problem=problem)


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
    return redirect(url_for("accounts.login"))
