"""The guardian's consent on a public sign-in form that may name a child (PIPL Art. 31).

What the form shows and asks comes from formsvc/privacy/consent.py; this ties it to one
request's form and sign-in: whether this phone must still accept, and which consent row the
sign-in records (ticked on this form, or carried over from an earlier acceptance on the phone).

A phone's acceptance covers the adults who agreed to it there (formsvc/privacy/acceptance.py).
On a shared phone (a grandparent's passed to a neighbour, the phone at the home's door) the
name of an adult who has not agreed on it, typed on the guardian form, asks again as on a new
phone; an adult who has, signing in again, is not asked. An acceptance whose adult is not
known (ticked on the child form of a phone that remembered no adult, or remembered before the
adult was kept) covers the child form but no adult on the guardian form. The child form types
no adult, and a child's name never asks again by itself.
"""

from __future__ import annotations

from formsvc.activities.models import Activity
from formsvc.attendance import device
from formsvc.attendance.services import SignInResult
from formsvc.privacy.acceptance import Acceptance, Agreement, adult_key, phone_acceptance, remember_acceptance
from formsvc.privacy.consent import ShownConsent, carry_over_consent, record_consent, shown_consent, ticked_with


class FormConsent:
    """The consent a form shows: the text, whether this phone must still accept it, and the version accepted."""

    def __init__(self, form):
        self.shown = shown_consent()
        self.phone = phone_acceptance()
        if not form.consent_version.data:  # a POST carries the version its page showed
            form.consent_version.data = str(self.shown.version)
        version = form.consent_version.data
        self.accepted = int(version) if version.isdigit() else self.shown.version
        self.form = form
        self.ticked_id: int | None = None
        self.check()

    def check(self) -> None:
        """Whether this phone must still accept, for the adult the form holds now.

        Run as the form is built (a sent form holds what was typed, which it validates against)
        and again as a page shows it, after the phone's last entries were filled in. A form
        holding no adult's name (the child form, a blank guardian form) is covered by any
        acceptance of the current version; a name is covered only by that adult's own.
        """
        typed = adult_key(self.form.adult_name())
        self.form.asked_again = self._accepted_shown and typed is not None and self.phone.of(typed) is None
        self.form.consent_needed = not self._accepted_shown or self.form.asked_again

    @property
    def _accepted_shown(self) -> bool:
        """This phone accepted the version the page shows."""
        return self.phone is not None and self.phone.version == self.shown.version

    @property
    def given(self) -> bool:
        """The form asked for consent and named a child, so the tick was given (it validated)."""
        return self.form.consent_needed and self.form.names_a_child()

    def record(self, activity: Activity, result: SignInResult) -> None:
        """Record this phone's acceptance with a sign-in that named a child; a resend of the same form
        records nothing, and finds the consent its first sending ticked.

        Ticked on this form: recorded, also when the child was already signed in from another
        phone (this guardian accepted too). Not asked, as the phone accepted this version before:
        the child signed in, or the roster child a guardian's sign-in named, gets a row carried
        over from that acceptance (linked to the tick of the adult concerned, see ``_relied_on``),
        unless the child already has one for this version. Either way
        the row covers the child the stored sign-in holds (a guardian already signed in keeps
        the child of that first sign-in).
        """
        if not self.form.names_a_child():
            return
        if result.repeated:
            if self.given:  # its answer was lost: the phone is to remember the tick it sent then
                self.ticked_id = ticked_with(result.submission)
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
            # The id now: after the commit, reading it would load the row again.
            self.ticked_id = record_consent(version=self.accepted, shown=self.shown, **covering).id
        elif not self.form.consent_needed and signed_in.child_id is not None:
            # child_id None: the child a guardian named is not on the roster; nothing is looked up.
            carry_over_consent(shown=self.shown, carried_from_id=self._relied_on().consent_id, **covering)

    def _adult(self) -> str | None:
        """adult_key() of the adult concerned: the one typed on the guardian form; on the child form,
        which types none, the adult the phone remembers from its last sign-in, if any."""
        return adult_key(self.form.adult_name() or device.recall().get("name"))

    def _relied_on(self) -> Agreement:
        """The agreement a sign-in the form did not ask for relies on: the adult concerned's own
        (on the guardian form there is one, or it would have asked), else the most recent."""
        return self.phone.of(self._adult()) or self.phone.most_recent

    def remember(self, response) -> None:
        """After a sign-in went through, the phone remembers an acceptance ticked on it, under the
        adult concerned, beside the adults who agreed to the same version on it before.

        A sign-in the form did not ask for changes nothing: an acceptance whose adult is not
        known stays nobody's, so each adult who names a child on the guardian form is asked once.
        """
        if not self.given:
            return
        if self.phone is not None and self.phone.version == self.accepted:
            earlier = self.phone
        else:  # a new version: everyone is asked again, so nobody who agreed before is kept
            earlier = Acceptance(self.accepted, ())
        remember_acceptance(response, earlier.adding(Agreement(self._adult(), self.ticked_id)))

    def to_show(self) -> ShownConsent | None:
        """The consent box for the page, for the adult the form holds as it is shown."""
        self.check()
        return self.shown if self.form.consent_needed or self._nobody_known_yet() else None

    def _nobody_known_yet(self) -> bool:
        """A guardian form with no name in it yet, on a phone whose acceptance knows no adult (ticked
        on the child form): whoever writes a name and a child's will be asked, so the box is there
        from the start instead of after "Sign in". Whether the tick is needed is decided on what is
        sent, as always (``check``)."""
        return (
            hasattr(self.form, "name")
            and not self.form.adult_name()
            and self._accepted_shown
            and all(agreement.adult is None for agreement in self.phone.agreements)
        )
