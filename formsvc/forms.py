"""Form pieces shared by several features."""

from __future__ import annotations

import secrets
from urllib.parse import unquote_to_bytes

from flask import abort, current_app, request
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from formsvc.i18n import _, _l
from formsvc.text import clean_text, fold_width, is_mainland_mobile, normalise_phone
from formsvc.timeutil import near_today
from formsvc.tokens import NONCE_PATTERN
from formsvc.urls import names_this_site


def strip_filter(value):
    """Cleaned text; a field missing from the request is empty text, never None in a NOT NULL column."""
    return clean_text(value) if isinstance(value, str) else "" if value is None else value


def width_filter(value):
    """``strip_filter`` that also reads full-width digits and letters as ASCII (text typed to a pattern)."""
    return fold_width(value) if isinstance(value, str) else "" if value is None else value


def phone_filter(value):
    return normalise_phone(value) if isinstance(value, str) else value


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class MainlandMobile:
    """An optional mainland mobile number: 11 digits starting with 13–19.

    Something typed that holds no digit at all (没有手机, a word from voice input) is refused
    too: read as digits it is empty, and the sign-in would silently lose the number.
    """

    def __init__(self, message=None):
        self.message = message or _l("Please write an 11-digit mobile number starting with 1, or leave it empty.")

    def __call__(self, form, field):
        typed = bool(field.raw_data and field.raw_data[0] and field.raw_data[0].strip())
        if (field.data and not is_mainland_mobile(field.data)) or (typed and not field.data):
            raise ValidationError(self.message)


class PhoneField(StringField):
    """An optional mainland mobile number, kept as its 11 digits (138 1234 5678, +86…, full-width
    digits and 一三八… are all read). Refused, it is shown back as typed, not as the digits
    read from it, so the person sees what they wrote and can correct it."""

    def __init__(self, label, **kwargs):
        super().__init__(label, validators=[Optional(), MainlandMobile()], filters=[phone_filter], **kwargs)

    def _value(self):
        if self.errors and self.raw_data:
            return self.raw_data[0]
        return super()._value()


class TypedDateField(DateField):
    """A date field whose text may be typed full-width (２０２６－１１－０１).

    Browsers show a date picker and send 2026-11-01; where one shows a plain text box instead
    (older WebViews, a browser in compatibility mode), the person types the date, perhaps with
    the keyboard in full-width mode. On an error it shows back what was typed.
    """

    def process_formdata(self, valuelist):
        super().process_formdata([fold_width(value) for value in valuelist])


class NearToday:
    """A date within two years of today, either way (timeutil.near_today)."""

    def __call__(self, form, field):
        if field.data is not None and not near_today(field.data):
            raise ValidationError(_("Please give a date within two years of today."))


class EndsAfterStart:
    """On the end date of a from–to range: an end before the start is refused in words.

    A range that runs backwards finds nothing, and a page that then says "nothing recorded" or
    an export without rows reads as if nothing had happened in those days. The tallies, the
    survey results and the audit log filter with it, so all three say it alike.
    """

    def __init__(self, start: str = "date_from"):
        self.start = start

    def __call__(self, form, field):
        start = form[self.start].data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_("The period starts after it ends."))


def foreign_origin() -> bool:
    """True when a request's Origin (or, lacking one, its Referer) names another site.

    A browser sends Origin with every form POST; an old WebView may send neither header, and
    then the CSRF token alone decides.
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    if source.strip() == "null":  # a sandboxed frame, a data: page, a cross-site redirect
        return True
    return not names_this_site(source)


class OnceForm(FlaskForm):
    """A form whose sending counts once: it carries a nonce rendered with it.

    A POST from another site fails like a missing CSRF token: nothing is written and the
    form comes back with what was sent in it.
    """

    nonce = HiddenField(validators=[DataRequired(), Regexp(NONCE_PATTERN)])

    def ensure_nonce(self) -> None:
        if not self.nonce.data:
            self.nonce.data = new_nonce()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "csrf_token" in self._fields and foreign_origin():
            self.csrf_token.errors = [*self.csrf_token.errors, _("This form was sent from another website.")]
            self._errors = None
            return False
        return valid


# The phone pages: a form there is a few hundred bytes, so a body over this is refused (413).
PUBLIC_BLUEPRINTS = ("public", "survey_public", "privacy_public")


def check_public_body() -> None:
    """Before a phone page reads its form: a small body, plain ASCII, UTF-8 once decoded.

    Werkzeug would keep percent-escapes of bytes that are not UTF-8 as literal text ("%FF")
    and drop a body of raw non-ASCII bytes without a word; both are refused here (400), so a
    name is stored exactly as the phone sent it or not at all.
    """
    if request.blueprint not in PUBLIC_BLUEPRINTS or request.method != "POST":
        return
    request.max_content_length = current_app.config["PUBLIC_MAX_CONTENT_LENGTH"]
    if request.mimetype != "application/x-www-form-urlencoded":
        return  # refuse_malformed_body() answers it in the view
    raw = request.get_data(cache=True)  # the form is then parsed from these cached bytes
    if not raw.isascii():
        abort(400)
    for part in raw.split(b"&"):
        try:
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            abort(400)


# Characters no phone keyboard types: what bad UTF-8 decodes to (U+FFFD) and NUL.
_NEVER_TYPED = ("\ufffd", "\x00")


def refuse_malformed_body(form) -> None:
    """400 for a body no rendered form could have sent; the person's browser still holds the input.

    Refused: another encoding than a plain form's, fields the form does not have, a field sent
    twice (but for multiple choice), bytes that are not UTF-8, NUL characters. Sizes are
    bounded before this by MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS (413).
    """
    if request.mimetype != "application/x-www-form-urlencoded" or request.files:
        abort(400)
    for key in request.form:
        field = form._fields.get(key)
        if field is None:
            abort(400)
        values = request.form.getlist(key)
        if len(values) > 1 and not isinstance(field, SelectMultipleField):
            abort(400)
        if any(char in value for value in values for char in _NEVER_TYPED):
            abort(400)


def csrf_retry_message() -> str:
    """What a person reads when their CSRF token expired: nothing is lost, just tap again."""
    return _("This page was open for a while, so we need one more tap. Please press the button again.")


def form_problem(form) -> str | None:
    """The message for a form that failed as a whole (an expired page), not field by field."""
    return csrf_retry_message() if "csrf_token" in form.errors else None


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


NO_CHOICE = (0, "—")
