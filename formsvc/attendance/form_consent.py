"""The guardian's consent on a public sign-in form that may name a child (PIPL Art. 31).

What the form shows and asks comes from formsvc/privacy/consent.py; this ties it to one
request's form and sign-in: whether this phone must still accept, and which consent row the
sign-in records (ticked on this form, or carried over from the phone's earlier acceptance).
"""

from __future__ import annotations

from formsvc.activities.models import Activity
from formsvc.attendance.services import SignInResult
from formsvc.privacy.consent import (
    ShownConsent,
    carry_over_consent,
    consent_needed,
    record_consent,
    remember_acceptance,
    shown_consent,
)


class FormConsent:
    """The consent a form shows: the text, whether this phone must still accept it, and the version accepted."""

    def __init__(self, form):
        self.shown = shown_consent()
        form.consent_needed = consent_needed(self.shown.version)
        if not form.consent_version.data:  # a POST carries the version its page showed
            form.consent_version.data = str(self.shown.version)
        version = form.consent_version.data
        self.accepted = int(version) if version.isdigit() else self.shown.version
        self.form = form

    @property
    def given(self) -> bool:
        """The form asked for consent and named a child, so the tick was given (it validated)."""
        return self.form.consent_needed and self.form.names_a_child()

    def record(self, activity: Activity, result: SignInResult) -> None:
        """Record this phone's acceptance with a sign-in that named a child; a resend of the same form
        records nothing.

        Ticked on this form: recorded, also when the child was already signed in from another
        phone (this guardian accepted too). Not asked, as the phone accepted this version before:
        the child signed in, or the roster child a guardian's sign-in named, gets a row carried
        over from that acceptance, unless the child already has one for this version. Either way
        the row covers the child the stored sign-in holds (a guardian already signed in keeps
        the child of that first sign-in).
        """
        if result.repeated or not self.form.names_a_child():
            return
        submission = result.submission
        signed_in = submission.adult_signin if submission.attendance_id is None else submission.attendance
        covering = {
            "activity": activity,
            "child_id": signed_in.child_id,
            "attendance_id": submission.attendance_id,
            "adult_signin_id": submission.adult_signin_id,
        }
        if self.given:
            record_consent(version=self.accepted, shown=self.shown, **covering)
        elif not self.form.consent_needed and signed_in.child_id is not None:
            # child_id None: the child a guardian named is not on the roster; nothing is looked up.
            carry_over_consent(shown=self.shown, **covering)

    def remember(self, response) -> None:
        if self.given:
            remember_acceptance(response, self.accepted)

    @property
    def to_show(self) -> ShownConsent | None:
        return self.shown if self.form.consent_needed else None
