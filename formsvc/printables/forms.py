from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from formsvc.i18n import _l


class RotateTokenForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that the posters already printed for this Children's Home will stop working."),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )
