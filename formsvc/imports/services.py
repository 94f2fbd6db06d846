"""What every import shares: the file's fingerprint and the claim that makes it count once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from formsvc.accounts.models import User
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.models import SheetImport

T = TypeVar("T")
# Row problems shown on a preview page; the command line prints them all.
SHOWN_PROBLEMS = 200


class FileImportError(DomainError):
    code = "import_error"


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def previous_import(scope: str, sha256: str) -> SheetImport | None:
    return db.session.execute(
        select(SheetImport).where(SheetImport.scope == scope, SheetImport.sha256 == sha256)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class ImportOnce(Generic[T]):
    entry: SheetImport
    # What ``work`` returned; None when the file had been imported before.
    value: T | None = None
    repeated: bool = False


def import_once(
    scope: str,
    sha256: str,
    work: Callable[[SheetImport], T],
    *,
    filename: str,
    user: User | None,
    activity_id: int | None = None,
) -> ImportOnce[T]:
    """Claim the file for ``scope``, then run ``work(entry)``; all of it or nothing is written.

    Like ``attendance.once.run_once`` with the file's hash as the nonce: the claim row is
    inserted first, so a second import of the same file, even at the same moment, writes nothing.
    """
    prior = previous_import(scope, sha256)
    if prior is not None:
        return ImportOnce(prior, repeated=True)
    entry = SheetImport(
        scope=scope,
        sha256=sha256,
        filename=filename[:200],
        activity_id=activity_id,
        imported_by_id=getattr(user, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
            value = work(entry)
    except IntegrityError as error:
        prior = previous_import(scope, sha256)
        if prior is not None:
            return ImportOnce(prior, repeated=True)
        raise records_changed() from error
    return ImportOnce(entry, value)


def records_changed() -> FileImportError:
    """The refusal of an import that met a change it had not planned for; planned again, it goes in."""
    return FileImportError(
        _("The records changed while the file was being imported; nothing was imported. Please try again."),
        code="import_conflict",
    )
