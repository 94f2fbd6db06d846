"""Pieces the manager's views share: the JSON-or-redirect choice."""

from __future__ import annotations

from flask import request


def wants_json() -> bool:
    """True for the roll-call script's fetch(), which asks for JSON; a plain form post gets HTML."""
    return request.accept_mimetypes.best == "application/json"
