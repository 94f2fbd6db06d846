"""Accounts: creating users, checking passwords, loading the signed-in user."""

from __future__ import annotations

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
    if len(password) < 8:
        raise DomainError(_("A password needs at least 8 characters."), code="password_too_short")
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
