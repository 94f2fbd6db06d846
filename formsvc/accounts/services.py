"""Accounts: creating users, checking passwords, loading the signed-in user."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash

from formsvc.accounts.models import Role, User
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site

# Checked against when the username is unknown, so a wrong username costs the same time as
# a wrong password and the response time does not tell which usernames exist.
_DUMMY_HASH = (
    "scrypt:32768:8:1$UQjnMyCkJGssxF8M$acad6ce11fcbbdfd88047bb1fd77b31020dfc074fb511492e56df0299e62c62e"
    "9797b8afaf75104c592f431bfe284fa8a78ef648a01c2ef00b6d082ec765fc88"
)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so old cookies stop working."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or not user.enabled or user.session_version != version:
        return None
    return user


def user_by_username(username: str) -> User | None:
    return db.session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()


def authenticate(username: str, password: str) -> User | None:
    user = user_by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.enabled:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    *,
    username: str,
    password: str,
    role: Role,
    site_ids: list[int] | None = None,
    township_id: int | None = None,
    display_name: str = "",
    must_change_password: bool = False,
) -> User:
    username = username.strip().lower()
    if not username:
        raise DomainError(_("A username is required."), code="username_required")
    if user_by_username(username):
        raise DomainError(_("That username is taken."), code="username_taken")
    check_new_password(password, username=username)
    user = User(
        username=username,
        role=role,
        township_id=township_id,
        display_name=display_name or username,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    if site_ids:
        sites = list(db.session.execute(select(Site).where(Site.id.in_(site_ids))).scalars())
        missing = set(site_ids) - {site.id for site in sites}
        if missing:
            raise DomainError(
                _("No site with id {ids}.").format(ids=", ".join(map(str, sorted(missing)))), code="no_such_site"
            )
        user.sites = sites
    db.session.add(user)
    db.session.flush()
    return user


def generate_password() -> str:
    """A temporary password an admin reads out over the phone: no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def check_new_password(password: str, *, username: str) -> None:
    if len(password) < 8:
        raise DomainError(_("A password needs at least 8 characters."), code="password_too_short")
    if password.strip().lower() == username.lower():
        raise DomainError(_("The password must not be the username."), code="password_is_username")


def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own change; it ends every other session of theirs (the session version moves)."""
    if not user.check_password(current):
        raise DomainError(_("The current password is not right."), code="wrong_password")
    check_new_password(new, username=user.username)
    if current == new:
        raise DomainError(_("Please choose a password different from the current one."), code="password_unchanged")
    user.set_password(new)
    user.must_change_password = False


def reset_password(user: User) -> str:
    """An admin's reset: a generated password, to be changed at the next login."""
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    return password


def set_enabled(user: User, enabled: bool) -> None:
    user.enabled = enabled
    if not enabled:
        user.session_version += 1  # signs the user out everywhere at once


def update_user(user: User, *, display_name: str, role: Role, site_ids: list[int], township_id: int | None) -> None:
    user.display_name = display_name or user.username
    user.role = role
    user.township_id = township_id if role == Role.TOWNSHIP_VIEWER else None
    user.sites = (
        list(db.session.execute(select(Site).where(Site.id.in_(site_ids))).scalars()) if role == Role.MANAGER else []
    )


def all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.role, User.username)).scalars())
