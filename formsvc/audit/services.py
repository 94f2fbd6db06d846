"""Writing audit entries; callers flush and commit with the change they describe."""

from __future__ import annotations

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db


def record(action: str, *, user=None, site_id: int | None = None, target: str = "", **details) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        user_id=getattr(user, "id", None),
        site_id=site_id,
        target=target,
        details=details,
    )
    db.session.add(entry)
    return entry
