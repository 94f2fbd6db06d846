"""The scan pass of lecture mode, and the typed input kept while a person scans again.

A good scan of the changing code (formsvc/attendance/rotating.py) puts a pass for that
activity into the phone's session — Flask's signed cookie, nothing on the server — good for
SCAN_PASS_MINUTES. The forms of a rotating-code activity need it: opened without one they say
"scan the code on the screen", and a POST without one writes nothing.

When the pass runs out while a grandparent is still typing, nothing typed is lost:

* the form comes back with everything in it (same nonce, fresh CSRF token) and the message
  to scan again; scanning sets a new pass in the same cookie jar, so *this* page, still open,
  can simply be sent again — that is what happens when iOS WeChat brings the page back from its
  back/forward cache, or when the person scans with another app and returns;
* the input (with its nonce) is also kept in the session as a draft, because the usual way
  back is WeChat's own scanner, which opens the scanned link in a new page — and Android
  WeChat reloads pages instead of restoring them. The form the scan leads to comes back
  filled in from the draft, so the person only presses "Sign in".

A form sent to the lecture's link after the manager gave the home new links (sites/rotation.py)
is kept as the draft too (public.py): that link takes no sign-in any more, and the screen's new
code brings the form back at the new one.

Both pages carry the same nonce, so sending both still counts once. The draft is dropped when
it is restored, when a sign-in succeeds, or after DRAFT_MINUTES; values are cut short so the
cookie stays far below the browsers' 4 KB limit.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template, session

from formsvc.activities.models import Activity
from formsvc.attendance.services import submission_by_nonce
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.i18n import _
from formsvc.sites.models import Site
from formsvc.tokens import looks_like_nonce

PASSES_KEY = "scan_passes"
DRAFT_KEY = "scan_draft"
DRAFT_MINUTES = 30
DRAFT_VALUE_MAX = 60
_NOT_KEPT = ("csrf_token",)


class ScanNeeded(DomainError):
    code = "scan_needed"


def _now(now: datetime | None) -> int:
    return int((now or utcnow()).timestamp())


def _passes() -> dict:
    value = session.get(PASSES_KEY)
    return value if isinstance(value, dict) else {}


def grant(activity: Activity, now: datetime | None = None) -> None:
    """A good scan: this phone may send the activity's forms for SCAN_PASS_MINUTES."""
    moment = _now(now)
    passes = {key: until for key, until in _passes().items() if isinstance(until, int) and until > moment}
    passes[str(activity.id)] = moment + 60 * int(current_app.config["SCAN_PASS_MINUTES"])
    session[PASSES_KEY] = passes


def holds(activity: Activity, now: datetime | None = None) -> bool:
    until = _passes().get(str(activity.id))
    return isinstance(until, int) and until > _now(now)


def check(activity: Activity, form, now: datetime | None = None) -> None:
    """Before a sign-in is written: a rotating-code activity needs a pass on this phone.

    A form that was already sent and counted (a resend after a dropped connection) needs
    none: it gets its receipt again.
    """
    if not activity.rotating_code or holds(activity, now):
        return
    if submission_by_nonce(form.nonce.data or "") is not None:
        return
    keep_draft(activity, form, now)
    raise ScanNeeded(
        _("Please scan the QR code on the screen again, then press “Sign in” once more. Everything you typed is kept.")
    )


def keep_draft(activity: Activity, form, now: datetime | None = None) -> None:
    fields = {
        field.name: field.data[:DRAFT_VALUE_MAX] if isinstance(field.data, str) else "y"
        for field in form
        if field.name not in _NOT_KEPT and ((isinstance(field.data, str) and field.data) or field.data is True)
    }
    # One draft at a time keeps the cookie small; a newer one replaces it.
    session[DRAFT_KEY] = {"activity": activity.id, "until": _now(now) + 60 * DRAFT_MINUTES, "fields": fields}


def keep_sent_here(activity: Activity, form) -> None:
    """Keep a form sent to a link the scan cannot reach any more (a lecture's link that a
    rotation retired) as the draft, when this phone's own page sent it.

    Its CSRF token tells: the draft comes back as if typed on this phone, so another site's post
    must not plant one. Nothing else is checked; the page it comes back on checks it when sent.
    """
    form.validate()
    if "csrf_token" in form.errors:
        return
    if not looks_like_nonce(form.nonce.data):  # made up: the page it comes back on makes a new one
        form.nonce.data = ""
    keep_draft(activity, form)


def _draft(activity: Activity, now: datetime | None = None) -> dict | None:
    draft = session.get(DRAFT_KEY)
    if not isinstance(draft, dict) or draft.get("activity") != activity.id:
        return None
    until = draft.get("until")
    if not isinstance(until, int) or until <= _now(now) or not isinstance(draft.get("fields"), dict):
        return None
    return draft["fields"]


def has_draft(activity: Activity) -> bool:
    return _draft(activity) is not None


def restore_draft(activity: Activity, form) -> bool:
    """Fill a fresh form with the input kept while the person scanned again; True when it did."""
    fields = _draft(activity)
    if fields is None:
        return False
    for field in form:
        value = fields.get(field.name)
        if field.name not in _NOT_KEPT and isinstance(value, str):
            field.data = value
    forget_draft()
    return True


def forget_draft() -> None:
    session.pop(DRAFT_KEY, None)


def scan_again_page(
    activity: Activity | None, message: str, status: int = 200, *, site: Site | None = None, back_from_receipt=False
):
    """The page instead of a form: scan the code on the screen (what was typed is kept).

    Without ``activity`` (a code whose link a rotation retired names only its ``site``), the
    page names the home alone. ``back_from_receipt``: the page stands where a form was, which
    Back from a receipt loads again, so it says a sign-in already made counts.
    """
    return (
        render_template(
            "public/scan_again.html",
            activity=activity,
            site=activity.site if activity is not None else site,
            message=message,
            draft_kept=activity is not None and has_draft(activity),
            back_from_receipt=back_from_receipt,
        ),
        status,
    )


def code_changed_message() -> str:
    return _("This QR code has already changed. Please scan the code on the screen again.")


def sent_to_a_replaced_link_message() -> str:
    """For a form sent to a lecture's link that a rotation retired (public.py): it did not count."""
    return _(
        "This QR code has just been replaced, so you are not signed in yet. "
        "Please scan the code on the screen again, then press “Sign in” once more."
    )


def scan_needed_message() -> str:
    return _(
        "This sign-in works only with the QR code shown on the screen at the activity. "
        "A photo of the poster or a forwarded link does not work."
    )
