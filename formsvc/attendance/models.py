"""The roster of children and what people submitted: attendance, adult sign-ins, submissions."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from formsvc.activities.models import Activity
from formsvc.db import Base, TimestampMixin, UTCDateTime, utcnow
from formsvc.enums import enum_column_type
from formsvc.i18n import _l
from formsvc.sites.models import Site
from formsvc.tokens import random_token

# A receipt code is read aloud or glanced at, so it avoids look-alike characters.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NOT_VOIDED = text("voided_at IS NULL")


def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(4))


def new_receipt_token() -> str:
    return random_token(16)


class ChildStatus(enum.StrEnum):
    ACTIVE = "active"
    # Created from a public sign-in whose name matched nobody on the roster, or from a paper
    # line whose new name looks like a roster child's (a slip the review can still merge).
    TO_REVIEW = "to_review"
    REJECTED = "rejected"
    MERGED = "merged"

    @property
    def title(self) -> str:
        return str(CHILD_STATUS_TITLES[self])


# The children on a home's roster: a sign-in may count for them (merged and rejected ones are gone).
ROSTER_STATUSES = (ChildStatus.ACTIVE, ChildStatus.TO_REVIEW)


CHILD_STATUS_TITLES = {
    ChildStatus.ACTIVE: _l("On the roster"),
    ChildStatus.TO_REVIEW: _l("New — to review"),
    ChildStatus.REJECTED: _l("Rejected"),
    ChildStatus.MERGED: _l("Merged"),
}


class Relation(enum.StrEnum):
    """Who a person is to the child."""

    SELF = "self"
    FATHER = "father"
    MOTHER = "mother"
    GRANDFATHER = "grandfather"
    GRANDMOTHER = "grandmother"
    MATERNAL_GRANDFATHER = "maternal_grandfather"
    MATERNAL_GRANDMOTHER = "maternal_grandmother"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(RELATION_TITLES[self])


RELATION_TITLES = {
    Relation.SELF: _l("The child"),
    Relation.FATHER: _l("Father"),
    Relation.MOTHER: _l("Mother"),
    Relation.GRANDFATHER: _l("Grandfather (father's side)"),
    Relation.GRANDMOTHER: _l("Grandmother (father's side)"),
    Relation.MATERNAL_GRANDFATHER: _l("Grandfather (mother's side)"),
    Relation.MATERNAL_GRANDMOTHER: _l("Grandmother (mother's side)"),
    Relation.OTHER_RELATIVE: _l("Other relative"),
    Relation.OTHER: _l("Other"),
}


class Source(enum.StrEnum):
    """How a record came in."""

    QR = "qr"
    ROLL_CALL = "roll_call"
    PAPER = "paper"
    IMPORT = "import"

    @property
    def title(self) -> str:
        return str(SOURCE_TITLES[self])


SOURCE_TITLES = {
    Source.QR: _l("QR sign-in"),
    Source.ROLL_CALL: _l("Roll-call"),
    Source.PAPER: _l("Paper sheet"),
    Source.IMPORT: _l("Imported"),
}


class AdultRole(enum.StrEnum):
    GUARDIAN = "guardian"
    VOLUNTEER = "volunteer"


class ChildCategory(enum.StrEnum):
    """Why a child is in the Federation's care; kept by the manager, never asked publicly."""

    LEFT_BEHIND = "left_behind"
    DIFFICULT = "difficult"
    DISABLED = "disabled"
    REGISTERED_POOR = "registered_poor"
    MILITARY_FAMILY = "military_family"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(CHILD_CATEGORY_TITLES[self])


CHILD_CATEGORY_TITLES = {
    ChildCategory.LEFT_BEHIND: _l("Left-behind"),
    ChildCategory.DIFFICULT: _l("In difficulty"),
    ChildCategory.DISABLED: _l("With a disability"),
    ChildCategory.REGISTERED_POOR: _l("Registered poor household"),
    ChildCategory.MILITARY_FAMILY: _l("Military or martyr family"),
    ChildCategory.OTHER: _l("Other"),
}


# Child.gender: one letter, or "" when not given.
GIRL, BOY = "f", "m"


class Child(TimestampMixin, Base):
    """A child on a site's roster. Categories are kept by the manager, never asked publicly."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(40))
    # formsvc.text.name_key(name): what matches a typed name to the roster.
    name_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[ChildStatus] = mapped_column(enum_column_type(ChildStatus), default=ChildStatus.ACTIVE)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    gender: Mapped[str] = mapped_column(String(1), default="")  # GIRL, BOY or ""
    birth_year: Mapped[int | None]
    grade: Mapped[str] = mapped_column(String(20), default="")
    guardian_name: Mapped[str] = mapped_column(String(40), default="")
    guardian_relation: Mapped[Relation | None] = mapped_column(enum_column_type(Relation))
    guardian_phone: Mapped[str] = mapped_column(String(20), default="")
    # Set when the retention purge removed the personal fields; the child still counts.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    categories: Mapped[list[ChildCategoryPeriod]] = relationship(
        back_populates="child", order_by="ChildCategoryPeriod.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_children_site_key", "site_id", "name_key"),
        # Two guardians typing the same unknown name at once must not make two review entries.
        Index(
            "uq_children_review_name",
            "site_id",
            "name_key",
            unique=True,
            sqlite_where=text("status = 'to_review'"),
            postgresql_where=text("status = 'to_review'"),
        ),
    )


class ChildCategoryPeriod(TimestampMixin, Base):
    """A category a child had from ``since`` until ``until`` (open-ended when None)."""

    __tablename__ = "child_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    category: Mapped[ChildCategory] = mapped_column(enum_column_type(ChildCategory))
    since: Mapped[date | None]
    until: Mapped[date | None]

    child: Mapped[Child] = relationship(back_populates="categories")


class CountedRecord(TimestampMixin):
    """What every record that counts carries: where and how it came in, its receipt, its voiding.

    A wrong record is never deleted: it is voided with a reason, and voided records never count.
    """

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    source: Mapped[Source] = mapped_column(enum_column_type(Source))
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Signed in at a lecture LATE_AFTER_MINUTES or more after sign-in opened (QR sign-ins only).
    late: Mapped[bool] = mapped_column(default=False, server_default=false())
    receipt_code: Mapped[str] = mapped_column(String(8), default=new_receipt_code)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @declared_attr
    def activity(cls) -> Mapped[Activity]:
        return relationship(Activity)


class Attendance(CountedRecord, Base):
    """A child at an activity. Never deleted: a wrong record is voided with a reason."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    # Who did the signing in on the phone (the child, a grandmother …), when known.
    signed_by: Mapped[Relation | None] = mapped_column(enum_column_type(Relation))

    child: Mapped[Child] = relationship()

    __table_args__ = (
        Index(
            "uq_attendances_once_per_activity",
            "activity_id",
            "child_id",
            unique=True,
            sqlite_where=NOT_VOIDED,
            postgresql_where=NOT_VOIDED,
        ),
        # The tallies read every counted visit from this index alone (docs/performance.md).
        Index(
            "ix_attendances_tally",
            "activity_id",
            "child_id",
            "source",
            sqlite_where=NOT_VOIDED,
            postgresql_where=NOT_VOIDED,
        ),
    )


class AdultSignIn(CountedRecord, Base):
    """A guardian at a lecture or a volunteer at an activity."""

    __tablename__ = "adult_signins"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[AdultRole] = mapped_column(enum_column_type(AdultRole))
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40))
    relation: Mapped[Relation | None] = mapped_column(enum_column_type(Relation))
    # Digits only, validated as a mainland mobile number; optional.
    phone: Mapped[str] = mapped_column(String(20), default="")
    village: Mapped[str] = mapped_column(String(60), default="")
    child_name: Mapped[str] = mapped_column(String(40), default="")
    # Set when the child's name matched the roster; the text above is kept either way.
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    # Set when the retention purge removed the personal fields; the sign-in still counts.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_adult_signins_activity", "activity_id"),
        # The tallies read every counted adult sign-in from this index alone.
        Index(
            "ix_adult_signins_tally",
            "activity_id",
            "role",
            "source",
            sqlite_where=NOT_VOIDED,
            postgresql_where=NOT_VOIDED,
        ),
        Index(
            "uq_adult_signins_once_per_activity",
            "activity_id",
            "role",
            "name_key",
            unique=True,
            sqlite_where=NOT_VOIDED,
            postgresql_where=NOT_VOIDED,
        ),
    )


class Submission(Base):
    """One rendered form, sent once: the nonce makes a double tap or a resend harmless."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    # The unguessable part of the receipt page's URL.
    token: Mapped[str] = mapped_column(String(24), unique=True, default=new_receipt_token)
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendances.id"))
    adult_signin_id: Mapped[int | None] = mapped_column(ForeignKey("adult_signins.id"))
    # True when the person had already signed in earlier: this submission counted nothing new.
    found_existing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[Attendance | None] = relationship()
    adult_signin: Mapped[AdultSignIn | None] = relationship()
