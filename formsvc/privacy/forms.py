"""Forms of the consent step: the admin's text editor and the phone's "I do not agree" button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from formsvc.i18n import _l
from formsvc.privacy.consent import BODY_MAX


def _strip(value):
    """Trim the ends, keep the line breaks: each line is a paragraph on the phone."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


_TOO_LONG = _l("Please keep the text to at most %(max)d characters: a guardian reads it on a phone.")


class ConsentTextForm(FlaskForm):
    body_zh = TextAreaField(
        _l("Consent text in Chinese"),
        validators=[
            DataRequired(message=_l("Please write the Chinese text.")),
            Length(max=BODY_MAX, message=_TOO_LONG),
        ],
        filters=[_strip],
        render_kw={"rows": 8},
    )
    body_en = TextAreaField(
        _l("Consent text in English (optional)"),
        validators=[Length(max=BODY_MAX, message=_TOO_LONG)],
        filters=[_strip],
        render_kw={"rows": 8},
    )


class RefuseConsentForm(FlaskForm):
    """The "I do not agree" button of the child form: nothing but the CSRF token counts."""
