"""The public sign-in forms: the minimum a grandparent has to type."""

from __future__ import annotations

import re
import unicodedata

from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from formsvc.attendance.models import RELATION_TITLES, Relation
from formsvc.forms import OnceForm, PhoneField, strip_filter
from formsvc.i18n import _, _l

NAME_MAX = 30
VILLAGE_MAX = 40


def _relation_choices(include_self: bool) -> list[SelectChoice]:
    return [
        SelectChoice(relation.value, title)
        for relation, title in RELATION_TITLES.items()
        if include_self or relation != Relation.SELF
    ]


# Seven digits or more, with or without spaces and dashes: a phone number, never part of a name
# (digits beside a name, 王小明2, may tell two children apart).
_NUMBER_IN_NAME = re.compile(r"(?:\d[\s-]?){6}\d")


# Signs no name is written with: =HYPERLINK("…") or <b> is not a child to put on the roster, and a
# leading = + @ is what spreadsheets take for a formula.
_SIGNS_NOT_IN_NAMES = frozenset('=+<>@#$%&*\\/"[]{}|^`~_')


def _sign_in_name(folded: str) -> str | None:
    """The first sign in an NFKC-folded name that no name is written with (＝ folds to =)."""
    for char in folded:
        if char in _SIGNS_NOT_IN_NAMES or unicodedata.category(char) == "Sm":
            return char
    return None


def written_in_words(form, field):
    """A name has at least one letter or character (。, 1 or 😀 alone would be a person to
    review), no sign such as = or @, and no phone number (王芳 138 1234 5678 put the number
    on the roster and the sheets)."""
    if not field.data:
        return
    if not any(char.isalpha() for char in field.data):
        raise ValidationError(_("Please write the name in characters or letters."))
    folded = unicodedata.normalize("NFKC", field.data)
    if (sign := _sign_in_name(folded)) is not None:
        raise ValidationError(_("Please write only the name, without signs such as %(sign)s.", sign=sign))
    if _NUMBER_IN_NAME.search(folded):
        raise ValidationError(_("Please write only the name here; a phone number has its own box."))


def name_field(label, required_message):
    return StringField(
        label,
        validators=[
            DataRequired(message=required_message),
            Length(max=NAME_MAX, message=_l("Please keep the name to at most %(max)d characters.")),
            written_in_words,
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX, "autocapitalize": "words"},
    )


def phone_field():
    return PhoneField(
        _l("Mobile number (optional)"),
        render_kw={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": 20},
    )


def short_text_field(label, max_length=VILLAGE_MAX, *validators):
    return StringField(
        label,
        validators=[Length(max=max_length, message=_l("Please keep this to at most %(max)d characters.")), *validators],
        filters=[strip_filter],
        render_kw={"maxlength": max_length},
    )


class ConsentForm(OnceForm):
    """A form that may carry a child's name, so it asks the guardian's consent (formsvc/privacy/consent.py).

    Asked while this phone has not accepted the current text, or the adult typed is not among
    those who agreed to it on this phone; the version is the one the page showed.
    ``consent_needed`` and ``asked_again`` are set by the view (formsvc/attendance/form_consent.py).
    """

    # Given to the text as shown, in the language shown: static/keep-typed.js never carries it over.
    consent = BooleanField(_l("I have read and agree"), render_kw={"data-ask-again": True})
    consent_version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,6}$")])
    consent_needed = False
    # The phone accepted the current text, but the adult typed has not agreed to it on this phone.
    asked_again = False

    def names_a_child(self) -> bool:
        return True

    def adult_name(self) -> str:
        """The adult who signs, as typed: the child form has no such field (a child's name never asks again)."""
        return ""

    def consent_refused_message(self) -> str:
        return _("Please tick “I have read and agree”, or press “I do not agree”.")

    def signed_by_the_child(self) -> bool:
        """The child says they are signing themself in: the guardian form has no such choice."""
        return False

    def validate_consent(self, field):
        if not (self.consent_needed and self.names_a_child()):
            return
        if self.signed_by_the_child():
            # Under 14, only a guardian consents (PIPL Art. 31): a child's own tick is not kept on the
            # page sent back, so the guardian who takes the phone ticks it themself.
            field.data = False
            raise ValidationError(
                _(
                    "A child cannot agree to this alone. Please ask a parent or guardian to read the text below, "
                    "tick “I have read and agree” and choose above who is signing in; or ask the manager of the "
                    "Children's Home to mark you present."
                )
            )
        if not field.data:
            raise ValidationError(self.consent_refused_message())


class ChildSignInForm(ConsentForm):
    child_name = name_field(_l("Child's name"), _l("Please write the child's name."))
    signed_by = RadioField(
        _l("Who is signing in? (optional)"),
        choices=_relation_choices(include_self=True),
        validators=[Optional()],
    )

    def signed_by_the_child(self) -> bool:
        return self.signed_by.data == Relation.SELF.value


class GuardianSignInForm(ConsentForm):
    name = name_field(_l("Your name"), _l("Please write your name."))
    relation = RadioField(
        _l("You are the child's"),
        choices=_relation_choices(include_self=False),
        validators=[InputRequired(message=_l("Please choose how you are related to the child."))],
    )
    phone = phone_field()
    village = short_text_field(_l("Village or community"))
    child_name = short_text_field(_l("Child's name (optional)"), NAME_MAX, written_in_words)

    def names_a_child(self) -> bool:
        return bool(self.child_name.data)

    def adult_name(self) -> str:
        return self.name.data or ""

    def consent_refused_message(self) -> str:
        if self.asked_again:  # the page this was sent from may not have shown the box at all
            # Shown at the top of the box, above the text (templates/public/_consent.html).
            return _(
                "This phone has not yet agreed under your name. To give your child's name, please read the text "
                "below and tick “I have read and agree”; or leave the child's name empty."
            )
        return _("To give your child's name, please tick “I have read and agree”; or leave the child's name empty.")


class SentAgainForm(OnceForm):
    """Only the nonce of a sign-in form sent to an activity link that a rotation retired since.

    It leads to nothing but the receipt of the sign-in that nonce made, so the page's CSRF
    token, which may have ended with the browser session, is not asked for (as on the live
    link, where a counted form leads to its receipt whatever else is wrong with it).
    """

    class Meta:
        csrf = False


class VolunteerSignInForm(OnceForm):
    name = name_field(_l("Your name"), _l("Please write your name."))
    phone = phone_field()
    village = short_text_field(_l("Organisation, village or community"))
