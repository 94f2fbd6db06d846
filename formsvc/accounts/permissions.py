"""Decorators for who may open a workspace page at all; site data is scoped in scoping.py."""

from __future__ import annotations

from functools import wraps

from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden, NotFound

from formsvc.accounts.models import Role
from formsvc.accounts.scoping import sees_what_is_named


def _refuse(named: dict):
    """403 for a page the person may not use; 404 if its address names a record they cannot see.

    Checked before the role, /admin/sites/<another home>/edit answered a manager 403 where the
    home's own page answered 404: every out-of-scope address answers 404 (README, scoping.py).
    """
    if not sees_what_is_named(current_user, named):
        raise NotFound()
    raise Forbidden()


def admin_required(view):
    """District admins only; everyone else signed in gets 403 (404 for a record not theirs)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            _refuse(kwargs)
        return view(*args, **kwargs)

    return wrapped


def writer_required(view):
    """Admins and site managers; township viewers read only (404 for a record not theirs)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.can_write:
            _refuse(kwargs)
        return view(*args, **kwargs)

    return wrapped
