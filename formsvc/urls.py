"""Small URL helpers: safe local redirects, absolute links for QR codes, the id converter of routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.routing import IntegerConverter


def safe_next(target: str | None, fallback: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def names_this_site(url: str) -> bool:
    """Whether an absolute address (an Origin, a Referer) is on this site: the host the request came
    to, or BASE_URL's (behind a proxy the two may differ)."""
    host = urlsplit(url).netloc.lower()
    return host in {request.host.lower(), urlsplit(current_app.config["BASE_URL"]).netloc.lower()}


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL, for QR codes and printouts made outside a request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number no id column can hold is a page that does not exist.

    Without the bound, /admin/sites/2147483648 reached PostgreSQL's integer column (and 2**63
    SQLite's) and failed there with a 500 instead of a 404.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
