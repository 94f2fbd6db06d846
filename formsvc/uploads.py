"""Uploaded files kept between a dry-run preview and the confirmed import.

The preview parses the file and shows what would change; the confirm step names the upload by
an unguessable token instead of asking the clerk to choose the same file again.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from formsvc.tokens import looks_like_token, random_token

KEEP_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(raw: bytes, filename: str) -> str:
    _forget_old_uploads()
    token = random_token(24)
    suffix = Path(filename).suffix.lower()[:6]
    (_folder() / f"{token}{suffix}").write_bytes(raw)
    return token


def load_upload(token: str) -> tuple[bytes, str] | None:
    if not looks_like_token(token, 24):
        return None
    for path in _folder().glob(f"{token}.*"):
        return path.read_bytes(), path.name
    return None


def discard_upload(token: str) -> None:
    if looks_like_token(token, 24):
        for path in _folder().glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def _forget_old_uploads() -> None:
    limit = time.time() - KEEP_SECONDS
    for path in _folder().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
