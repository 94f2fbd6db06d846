"""Small URL helpers: safe local redirects and absolute links for QR codes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL, for QR codes and printouts made outside a request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
