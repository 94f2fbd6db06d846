"""Unguessable tokens for links: letters and digits only, so they survive being read aloud,
retyped from a printout or wrapped in a chat message."""

from __future__ import annotations

import re
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int) -> str:
    """``length`` characters from 62 symbols: 10 characters carry about 60 bits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def looks_like_token(value: str | None, max_length: int) -> bool:
    """Cheap shape check before a lookup, so junk from a mangled link never reaches the database."""
    return bool(value) and len(value) <= max_length and value.isascii() and value.isalnum()


# The one-time nonce a form carries (``formsvc.forms.new_nonce``: 24 URL-safe characters).
NONCE_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def looks_like_nonce(value: str | None) -> bool:
    return bool(value) and re.fullmatch(NONCE_PATTERN, value) is not None
