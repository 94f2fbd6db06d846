"""Guardian consent (PIPL Art. 31): the versioned consent texts and what was accepted, when, where."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy import text as sql_text  # "text" is also Consent's relationship to its ConsentText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow
from formsvc.enums import enum_column_type
from formsvc.i18n import _l


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


class HowGiven(enum.StrEnum):
    """How a consent row came about."""

    # The guardian ticked "I have read and agree" on the form of this very sign-in.
    TICKED = "ticked"
    # The phone had accepted this version with an earlier sign-in, so the form did not ask
    # again: a later child signed in from it, or named on a guardian's sign-in from it, gets
    # its own row, linked to the sign-in it came with and, through carried_from_id, to the
    # consent ticked with the acceptance when the phone's cookie names it.
    CARRIED_OVER = "carried_over"

    @property
    def title(self) -> str:
        return str(HOW_GIVEN_TITLES[self])


HOW_GIVEN_TITLES = {
    HowGiven.TICKED: _l("Ticked on the form of this sign-in"),
    HowGiven.CARRIED_OVER: _l("Carried over from an earlier acceptance on the same phone"),
}


CARRIED_OVER_ONLY = sql_text("how_given = 'carried_over'")


class Consent(Base):
    """A guardian accepted a consent text on a phone, with the sign-in it came with.

    That is a child's sign-in, or a guardian's own sign-in that named their child. A child
    signed in, or a roster child named by a guardian, from a phone that had already accepted
    gets a row of its own too, carried over.

    Nothing about the person is stored here: the sign-in it is linked to holds what it holds.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("consent_texts.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendances.id"))
    adult_signin_id: Mapped[int | None] = mapped_column(ForeignKey("adult_signins.id"))
    # The child the consent covers: the child signed in, or the roster child a guardian's sign-in
    # named (None when the name matched nobody). Kept here so that "has this child a consent
    # for this version?" is one index lookup on the sign-in path; a merge moves it along.
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    how_given: Mapped[HowGiven] = mapped_column(
        enum_column_type(HowGiven), default=HowGiven.TICKED, server_default=HowGiven.TICKED.value
    )
    # A carried-over row: the consent ticked with the phone's acceptance, so the sign-in on which
    # it was ticked. None for a ticked row, and when the cookie did not name one (a cookie older
    # than this column, a resent form's, or a restore's that named a row no longer there).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    text: Mapped[ConsentText] = relationship()

    __table_args__ = (
        Index("ix_consents_site_accepted", "site_id", "accepted_at"),
        Index("ix_consents_child_text", "child_id", "text_id"),
        # One carried-over row per child and version, even when two phones sign the child in at once.
        Index(
            "uq_consents_carried_over_once",
            "child_id",
            "text_id",
            unique=True,
            sqlite_where=CARRIED_OVER_ONLY,
            postgresql_where=CARRIED_OVER_ONLY,
        ),
    )
