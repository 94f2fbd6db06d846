"""Helpers shared by the tests of the managers' workspace: roster, review, roll-call, paper, voids."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from tests.conftest import form_fields, local, login, race  # noqa: F401  (re-exported)

DAY = date(2026, 11, 27)
NOW = local(2026, 11, 27, 16, 30)
EN = {"Accept-Language": "en"}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def audits(app, action: str) -> int:
    return count(app, AuditEntry, AuditEntry.action == action)


def fragment(html: bytes | str, element_id: str) -> str:
    """The HTML of the element with this id, up to its closing tag (li, section or form)."""
    html = html.decode() if isinstance(html, bytes) else html
    match = re.search(rf'<(li|section|form)\b[^>]*\bid="{re.escape(element_id)}".*?</\1>', html, flags=re.S)
    assert match, f"no element #{element_id} on the page"
    return match.group(0)


def fields_of(html: bytes | str, element_id: str) -> dict[str, str]:
    return form_fields(fragment(html, element_id))


def signed_in_client(app, user: dict):
    client = app.test_client()
    login(client, user)
    return client


def township_viewer(app, site: dict) -> dict:
    from formsvc.accounts.models import Role
    from formsvc.accounts.services import create_user

    with app.app_context():
        create_user(
            username="viewer", password="viewer-pass-1", role=Role.TOWNSHIP_VIEWER, township_id=site["township_id"]
        )
        db.session.commit()
    return {"username": "viewer", "password": "viewer-pass-1"}


def qr_sign_in(app, activity_id: int, name: str) -> int:
    """A child signed in by a guardian's phone, as the public form does; the attendance id."""
    from formsvc.activities.models import Activity
    from formsvc.attendance.services import sign_in_child
    from formsvc.forms import new_nonce

    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        result = sign_in_child(activity, child_name=name, signed_by=None, nonce=new_nonce(), now=NOW)
        db.session.commit()
        return result.submission.attendance_id


def guardian_sign_in(app, activity_id: int, name: str = "李秀英") -> int:
    """A guardian signed in by her phone, as the public form does; the adult sign-in id."""
    from formsvc.activities.models import Activity
    from formsvc.attendance.models import AdultRole
    from formsvc.attendance.services import sign_in_adult
    from formsvc.forms import new_nonce

    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        result = sign_in_adult(
            activity,
            role=AdultRole.GUARDIAN,
            name=name,
            relation=None,
            phone="",
            village="",
            child_name="",
            nonce=new_nonce(),
            now=NOW,
        )
        db.session.commit()
        return result.submission.adult_signin_id


def csrf_only(client, url: str) -> dict[str, str]:
    """A page's CSRF token, for posting to routes that need nothing else."""
    return {"csrf_token": form_fields(client.get(url).data).get("csrf_token", "")}
