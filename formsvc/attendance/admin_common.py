"""Pieces the manager's views share: scoped lookups, the JSON-or-redirect choice, messages."""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import select

from formsvc.accounts.scoping import site_for
from formsvc.activities.models import Activity
from formsvc.extensions import db


def activity_for(user, activity_id: int, *, write: bool = False) -> Activity:
    """The activity, if its site is in ``user``'s scope (404 otherwise; 403 to write read-only)."""
    activity = db.session.execute(select(Activity).where(Activity.id == activity_id)).scalar_one_or_none()
    if activity is None:
        abort(404)
    site_for(user, activity.site_id, write=write)
    return activity


def wants_json() -> bool:
    """True for the roll-call script's fetch(), which asks for JSON; a plain form post gets HTML."""
    return request.accept_mimetypes.best == "application/json"
