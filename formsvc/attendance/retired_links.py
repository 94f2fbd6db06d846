"""What a poster's or a form's link answers once a rotation retired it (formsvc/sites/rotation.py).

The manager gave the home a new poster, and today's and later activities new links. Nothing is
signed in through a retired link. A form that counted and is sent again (Back, then the button)
leads to its receipt, as at the new link (public.py). A lecture's form (lecture mode) sends the
person back to the screen, whose code carries the new link by now: a form sent there is kept as
the scan pass's draft, and the screen's new code brings it back filled in. Anything else is
"this QR code is no longer valid". Both pages tell whoever is back from a receipt that the
sign-in counts.
"""

from __future__ import annotations

from flask import abort, make_response, render_template, request

from formsvc.activities.models import Activity, Audience
from formsvc.attendance import scanpass
from formsvc.attendance.forms import ChildSignInForm, GuardianSignInForm, SentAgainForm, VolunteerSignInForm
from formsvc.attendance.models import Submission
from formsvc.attendance.services import counted_sign_in
from formsvc.db import utcnow
from formsvc.forms import refuse_malformed_body
from formsvc.sites.models import RetiredSiteToken
from formsvc.sites.rotation import retired_token

# The form each audience's link shows, to read what was sent to a retired link.
FORM_CLASSES = {
    Audience.CHILDREN: ChildSignInForm,
    Audience.GUARDIANS: GuardianSignInForm,
    Audience.VOLUNTEERS: VolunteerSignInForm,
}


def retired_or_404(token: str) -> RetiredSiteToken:
    retired = retired_token(token)
    if retired is None:
        abort(404)
    return retired


def counted_sign_in_sent(retired: RetiredSiteToken) -> Submission | None:
    """The sign-in that a form sent to this retired link already made at its activity, or None.

    Only reads: whatever else the body holds is not looked at, and an unknown nonce is None.
    """
    if retired.activity is None or request.method != "POST":
        return None
    form = SentAgainForm()
    if not form.validate_on_submit():
        return None
    return counted_sign_in(retired.activity, form.nonce.data)


def refusal(retired: RetiredSiteToken, audience: Audience | None):
    """The 410 page for a retired link: back to the lecture's screen, or "no longer valid"."""
    activity = retired.activity
    lecture = activity is not None and activity.rotating_code and audience in activity.audiences
    if lecture and retired.site.active and _screen_in_use(activity):
        return _back_to_the_screen(activity, audience)
    return make_response(render_template("public/poster_retired.html", site=retired.site), 410)


def _screen_in_use(activity: Activity) -> bool:
    """A form was sent, a draft is kept (Android reloads the page on Back), or the lecture is on:
    its screen shows the new link."""
    return request.method == "POST" or scanpass.has_draft(activity) or activity.is_open_at(utcnow())


def _back_to_the_screen(activity: Activity, audience: Audience):
    if request.method != "POST":
        page = scanpass.scan_again_page(activity, scanpass.code_changed_message(), 410, back_from_receipt=True)
        return make_response(page)
    form = FORM_CLASSES[audience]()
    refuse_malformed_body(form)
    scanpass.keep_sent_here(activity, form)
    return make_response(scanpass.scan_again_page(activity, scanpass.sent_to_a_replaced_link_message(), status=410))
