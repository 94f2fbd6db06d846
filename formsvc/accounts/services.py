"""Accounts: creating users, checking passwords, loading the signed-in user."""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import select
from werkzeug.security import check_password_hash

from formsvc.accounts.models import Role, User
from formsvc.accounts.throttle import clear_account_failures
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site, Township

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


class AccountDisabled(DomainError):
    """The right password for a disabled account: only its owner knows it, so saying so reveals
    nothing to a stranger, and it tells the manager whom to call instead of retyping."""

    code = "account_disabled"


def authenticate(username: str, password: str) -> User | None:
    """The user for these credentials, or None; raises AccountDisabled for a disabled account's right password."""
    user = user_by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        return None
    if not user.enabled:
        raise AccountDisabled(_("This account is disabled. Please ask the district office to enable it again."))
    user.last_login_at = utcnow()
    return user


# Typed at login on a phone's Latin keyboard, read out over the phone, written in the audit log.
USERNAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]+")


def well_formed_username(username: str) -> str:
    """The username as stored (trimmed, lower case), if it is one: the rule the account form and
    ``flask users create`` share, so the command line no longer makes accounts ("bad name!",
    王专干) the form would refuse."""
    username = username.strip()
    if not username:
        raise DomainError(_("A username is required."), code="username_required")
    # SQLite would store a longer one as it is, PostgreSQL refuse it with an error.
    longest = User.username.type.length
    if len(username) > longest:
        raise DomainError(
            _("A username can have at most {count} characters.").format(count=longest), code="username_too_long"
        )
    # Checked before lower(): the Kelvin sign "K" lowers to an ASCII "k".
    if not USERNAME_CHARACTERS.fullmatch(username):
        raise DomainError(
            _("A username can have only letters, digits, dots, dashes and underscores."), code="username_characters"
        )
    return username.lower()


def _new_username(username: str) -> str:
    """The username as stored, if it can be a new account's."""
    username = well_formed_username(username)
    if user_by_username(username):
        raise DomainError(_("That username is taken."), code="username_taken")
    return username


def _scope_sites(site_ids: list[int] | None, township_id: int | None) -> list[Site]:
    """The homes of a new account, once its township and every home are known to exist."""
    # Checked here, not left to the foreign key: its IntegrityError printed the password hash.
    if township_id is not None and db.session.get(Township, township_id) is None:
        raise DomainError(_("No township with id {id}.").format(id=township_id), code="no_such_township")
    if not site_ids:
        return []
    sites = list(db.session.execute(select(Site).where(Site.id.in_(site_ids))).scalars())
    missing = set(site_ids) - {site.id for site in sites}
    if missing:
        raise DomainError(
            _("No site with id {ids}.").format(ids=", ".join(map(str, sorted(missing)))), code="no_such_site"
        )
    return sites


def check_new_account(*, username: str, role: Role, site_ids: list[int], township_id: int | None) -> str:
    """Everything about a new account but its password: the scope for the role, the username, the
    township and homes. ``flask users create`` asks for the password only after this, so a
    mistake in its arguments is said before anyone types a password for nothing.

    Returns the username as it will be stored (for the password's check against it).
    """
    check_scope(role, site_ids=site_ids, township_id=township_id)
    username = _new_username(username)
    _scope_sites(site_ids, township_id)
    return username


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
    username = _new_username(username)
    check_new_password(password, username=username)
    sites = _scope_sites(site_ids, township_id)
    user = User(
        username=username,
        role=role,
        township_id=township_id,
        display_name=display_name or username,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    user.sites = sites
    db.session.add(user)
    db.session.flush()
    return user


def generate_password() -> str:
    """A temporary password an admin reads out over the phone: no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


# Among the first guesses of anyone trying passwords (leaked-password lists, Chinese ones
# included); compared in lower case. Digit-only and one-character passwords are caught by rule.
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "qwerty123",
        "qwertyuiop",
        "qwer1234",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "q1w2e3r4",
        "asdf1234",
        "zxcvbnm123",
        "abc12345",
        "abcd1234",
        "abc123456",
        "a1234567",
        "a123456789",
        "aa123456",
        "qq123456",
        "admin123",
        "admin888",
        "iloveyou",
        "woaini1314",
        "woaini520",
        "abcdefgh",
    }
)


def _is_digit_run(password: str) -> bool:
    """12345678, 87654321, 1234567890: each digit one more (or one less) than the one before."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {9})


# A run along one of these, either way, is typed by sliding a finger: qwertyui, lkjhgfds, abcdefgh.
_KEY_RUNS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


def _is_key_run(password: str) -> bool:
    return any(password in row or password in row[::-1] for row in _KEY_RUNS)


def _is_repeated_chunk(password: str) -> bool:
    """abababab, 12341234, woaiwoai: a chunk of up to four characters, again and again."""
    return any(
        password == password[:size] * (len(password) // size) for size in range(1, 5) if len(password) % size == 0
    )


def _folded(password: str) -> str:
    """What the rules look at: full-width characters (a Chinese keyboard in full-width mode
    types １２３４５６７８) become their plain forms, so they get no easier pass."""
    return unicodedata.normalize("NFKC", password)


def too_easy_to_guess(password: str) -> bool:
    text = _folded(password).strip().lower()
    all_digits = text.isascii() and text.isdigit()
    return (
        (all_digits and (len(text) < 12 or _is_digit_run(text)))
        or _is_key_run(text)
        or _is_repeated_chunk(text)
        or text in COMMON_PASSWORDS
    )


def check_new_password(password: str, *, username: str) -> None:
    """The rule for every password a person chooses (their own, or an admin's on the command line).

    It is checked in its folded form and stored as typed, since that is what the login form sends.
    """
    folded = _folded(password)
    if len(folded) < 8:
        raise DomainError(_("A password needs at least 8 characters."), code="password_too_short")
    # wangli2024 is the first guess at wangli's account, so the username with digits around it counts as it.
    if username and folded.strip().lower().strip("0123456789") == username.lower():
        raise DomainError(_("The password must not be the username."), code="password_is_username")
    if too_easy_to_guess(password):
        raise DomainError(
            _("This password is too easy to guess. Please mix letters and digits, or use a longer phrase."),
            code="password_too_easy",
        )


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
    # The manager phoning in is often the one locked out: the new password must work at once.
    clear_account_failures(user.username)
    return password


def unlock(user: User) -> None:
    """Let a locked-out user try again now rather than in 15 minutes."""
    clear_account_failures(user.username)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere at once: every login cookie names the old session version."""
    user.session_version += 1


def _check_an_admin_remains(user: User, *, role: Role, enabled: bool) -> None:
    """Refuse a change that leaves no enabled district admin: nobody could manage accounts then."""
    if user.role != Role.ADMIN or not user.enabled or (role == Role.ADMIN and enabled):
        return
    # Two admins demoting each other at once must take turns, so the second sees the first's
    # change and is refused: PostgreSQL waits on the locked admin rows, SQLite on the write
    # lock that a savepoint takes first (formsvc/database.py).
    with db.session.begin_nested():
        admin_ids = set(
            db.session.execute(
                select(User.id)
                .where(User.role == Role.ADMIN, User.enabled.is_(True))
                .order_by(User.id)
                .with_for_update()
            ).scalars()
        )
    if not admin_ids - {user.id}:
        raise DomainError(
            _("At least one district admin must stay. Make another account a district admin first."),
            code="last_admin",
        )


def set_enabled(user: User, enabled: bool, *, by: User) -> None:
    if user.id == by.id and not enabled:
        raise DomainError(_("You cannot disable your own account."), code="own_account")
    _check_an_admin_remains(user, role=user.role, enabled=enabled)
    user.enabled = enabled
    if enabled:
        clear_account_failures(user.username)  # as after a reset: the manager is told to try again now
    else:
        end_sessions(user)


def check_scope(role: Role, *, site_ids: list[int], township_id: int | None) -> None:
    """A site manager needs homes and a township viewer a township: without one the account
    sees nothing, and pages that take the scope for granted (a viewer's tallies) fail.

    The account form, ``update_user`` and ``flask users create`` check it; ``create_user``
    does not, as the test fixtures make accounts without one.
    """
    if role == Role.MANAGER and not site_ids:
        raise DomainError(_("Choose at least one Children's Home for a site manager."), code="sites_required")
    if role == Role.TOWNSHIP_VIEWER and not township_id:
        raise DomainError(_("Choose the township this viewer may see."), code="township_required")
    # A scope chosen for another role was dropped without a word: homes ticked, or a township
    # chosen, and the role left at district admin made an account that sees every home.
    if site_ids and role != Role.MANAGER:
        raise DomainError(
            _("Children's Homes are ticked only for a site manager. Choose the role “Site manager”, or untick them."),
            code="sites_not_for_role",
        )
    if township_id and role != Role.TOWNSHIP_VIEWER:
        raise DomainError(
            _("A township is chosen only for a township viewer. Choose the role “Township viewer”, or no township."),
            code="township_not_for_role",
        )


def scope_for_role(role: Role, *, site_ids: list[int], township_id: int | None) -> tuple[list[int], int | None]:
    """The homes and township the account form means for ``role``.

    The edit page shows a manager's homes ticked; making her township viewer failed until the
    admin unticked them all. A viewer's township and a manager's homes are each a scope of its
    own, so the other one is simply left out. A district admin sees every home: a scope chosen
    with that role is kept for ``check_scope`` to refuse, as the admin likely meant another role.
    """
    if role == Role.ADMIN:
        return site_ids, township_id
    if role != Role.MANAGER:
        site_ids = []
    if role != Role.TOWNSHIP_VIEWER:
        township_id = None
    return site_ids, township_id


def update_user(
    user: User, *, display_name: str, role: Role, site_ids: list[int], township_id: int | None, by: User
) -> None:
    """An admin's edit of an account; ``by`` may not change their own role (they would lose this page)."""
    check_scope(role, site_ids=site_ids, township_id=township_id)
    if user.id == by.id and role != user.role:
        raise DomainError(_("You cannot change your own role. Another district admin can."), code="own_role")
    _check_an_admin_remains(user, role=role, enabled=user.enabled)
    user.display_name = display_name or user.username
    user.role = role
    user.township_id = township_id if role == Role.TOWNSHIP_VIEWER else None
    user.sites = (
        list(db.session.execute(select(Site).where(Site.id.in_(site_ids))).scalars()) if role == Role.MANAGER else []
    )


def all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.role, User.username)).scalars())
