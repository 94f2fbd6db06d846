"""Signing in to and out of the workspace, and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from formsvc.accounts.forms import ChangePasswordForm, LoginForm, LogoutForm
from formsvc.accounts.services import AccountDisabled, authenticate, change_password, end_sessions
from formsvc.accounts.throttle import TooManyAttempts, check_login_allowed, note_login_attempt
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem
from formsvc.i18n import _
from formsvc.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    problem = None
    wrong_password = False
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
    elif form.validate_on_submit():
        ip = request.remote_addr or ""
        try:
            check_login_allowed(form.username.data, ip)
            user = authenticate(form.username.data, form.password.data)
        except (TooManyAttempts, AccountDisabled) as error:
            # Neither is counted: a refused try checked no password, and a disabled account's
            # right password is no guess.
            problem = error.message
        else:
            note_login_attempt(form.username.data, ip, succeeded=user is not None)
            db.session.commit()
            if user is not None:
                login_user(user)
                return redirect(safe_next(form.next.data, url_for("manage.dashboard")))
            # Said once, on the password (which is gone from the page), so the focus goes back
            # to it; the same words at the top of the page too read as two problems.
            form.password.errors = [_("The username or password is not right.")]
            wrong_password = True
    else:
        problem = form_problem(form)
    return render_template("admin/login.html", form=form, problem=problem, wrong_password=wrong_password)


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        # The session lives in the cookie itself: forgetting it here would leave a copied
        # cookie valid. Moving the version ends it, on this user's other devices too.
        end_sessions(current_user)
        db.session.commit()
    # Even with a token too old to check (a page left open on the township PC for a day), this
    # browser's session ends: the next person at the PC must not find the account open. A
    # cross-site POST never gets here (refuse_cross_site_posts).
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if current_user.must_change_password:  # "current password" meant nothing to a first-time user
        form.current.label.text = _("Temporary password (the one you were given)")
    problem = None
    if form.validate_on_submit():
        try:
            change_password(current_user, current=form.current.data, new=form.new.data)
        except DomainError as error:
            problem = error.message
        else:
            record("user.password_change", user=current_user, target=current_user.username)
            db.session.commit()
            login_user(current_user)  # the new session version: other sessions end, this one goes on
            flash(_("Your password has been changed."))
            return redirect(url_for("manage.dashboard"))
    else:
        problem = form_problem(form)
    return render_template("admin/password.html", form=form, problem=problem, forced=current_user.must_change_password)


# Pages anyone may open (the poster's pages, the rules, the language and text-size switches):
# a new manager testing her own poster before choosing a password is a phone like any other.
_OPEN_TO_EVERYONE = ("public", "scan", "survey_public", "privacy_public", "core")


def require_password_change():
    """Before any other workspace page, a user with a generated password must choose their own."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.blueprint not in _OPEN_TO_EVERYONE
        and request.endpoint not in ("accounts.password", "accounts.logout", "static")
    ):
        return redirect(url_for("accounts.password"))
    return None
