"""People who sign in to the workspace: district admins, township viewers, site managers."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from formsvc.db import Base, TimestampMixin, UTCDateTime, utcnow
from formsvc.enums import enum_column_type
from formsvc.i18n import _l
from formsvc.sites.models import Site, Township


class Role(enum.StrEnum):
    ADMIN = "admin"
    TOWNSHIP_VIEWER = "township_viewer"
    MANAGER = "manager"

    @property
    def title(self) -> str:
        return str(ROLE_TITLES[self])


ROLE_TITLES = {
    Role.ADMIN: _l("District admin"),
    Role.TOWNSHIP_VIEWER: _l("Township viewer"),
    Role.MANAGER: _l("Site manager"),
}

user_sites = Table(
    "user_sites",
    Base.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    # For township viewers: the township whose sites they may read.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the login cookie's identity: bumping it ends every other session.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sites: Mapped[list[Site]] = relationship(secondary=user_sites, order_by="Site.name")
    township: Mapped[Township | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.enabled

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)


class LoginAttempt(Base):
    """One try at the login form (or an admin's fresh start), kept a short while to slow down password guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # As typed (lower-cased), whether or not such a user exists: throttling must not reveal that.
    username: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str] = mapped_column(String(45), default="")
    # True for a login that got in, and for an admin's reset, enabling or unlock (no address):
    # either way the account's earlier failures stop counting toward its lock-out.
    succeeded: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )
