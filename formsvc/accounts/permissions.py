"""Decorators for who may open a workspace page at all; site data is scoped in scoping.py."""

from __future__ import annotations

from functools import wraps

from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from formsvc.accounts.models import Role


def admin_required(view):
    """District admins only; everyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapped


def writer_required(view):
    """Admins and site managers; township viewers read only."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.can_write:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapped
