"""Spreadsheets imported once: a filled-in sign-in sheet for its activity, or a district ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.accounts.models import User
from formsvc.db import Base, UTCDateTime, utcnow

LEDGER_SCOPE = "ledger"


def activity_scope(activity_id: int) -> str:
    return f"activity:{activity_id}"


class SheetImport(Base):
    """One imported file, known by the SHA-256 of its bytes.

    The hash is unique per scope: a second import of the same file (or the same file sent twice
    at once) writes nothing, and the preview can say when and by whom it was imported.
    """

    __tablename__ = "sheet_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "activity:<id>" for an uploaded sign-in sheet, "ledger" for a district ledger.
    scope: Mapped[str] = mapped_column(String(40))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200), default="")
    # Records the import wrote; rows already in the database are not counted.
    records: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for the command line.
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    imported_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("scope", "sha256", name="uq_sheet_imports_scope_sha256"),)
