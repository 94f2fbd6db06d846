"""Form pieces shared by several features."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from formsvc.i18n import _, _l
from formsvc.text import clean_text, is_mainland_mobile, normalise_phone


def strip_filter(value):
    return clean_text(value) if isinstance(value, str) else value


def phone_filter(value):
    return normalise_phone(value) if isinstance(value, str) else value


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class MainlandMobile:
    """An optional mainland mobile number: 11 digits starting with 13–19."""

    def __init__(self, message=None):
        self.message = message or _l("Please write an 11-digit mobile number starting with 1, or leave it empty.")

    def __call__(self, form, field):
        if field.data and not is_mainland_mobile(field.data):
            raise ValidationError(self.message)


class OnceForm(FlaskForm):
    """A form whose sending counts once: it carries a nonce rendered with it."""

    nonce = HiddenField(validators=[DataRequired(), Length(min=16, max=64), Regexp(r"^[A-Za-z0-9_-]+$")])

    def ensure_nonce(self) -> None:
        if not self.nonce.data:
            self.nonce.data = new_nonce()


def csrf_retry_message() -> str:
    """What a person reads when their CSRF token expired: nothing is lost, just tap again."""
    return _("This page was open for a while, so we need one more tap. Please press the button again.")


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


NO_CHOICE = (0, "—")
