"""Guardian consent (PIPL Art. 31): the versioned consent texts and what was accepted, when, where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow


class ConsentText(Base):
    """One version of the consent text; an edit adds a version, none is ever changed."""

    __tablename__ = "consent_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body_zh: Mapped[str] = mapped_column(Text)
    # Optional: a phone set to English shows it when there is one, else the Chinese text.
    body_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def body(self, locale: str) -> str:
        return self.body_en if locale == "en" and self.body_en.strip() else self.body_zh


class Consent(Base):
    """A guardian accepted a consent text on a phone, with the sign-in it came with.

    That is a child's sign-in, or a guardian's own sign-in that named their child.

    Nothing about the person is stored here: the sign-in it is linked to holds what it holds.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("consent_texts.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendances.id"))
    adult_signin_id: Mapped[int | None] = mapped_column(ForeignKey("adult_signins.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    text: Mapped[ConsentText] = relationship()

    __table_args__ = (Index("ix_consents_site_accepted", "site_id", "accepted_at"),)
