from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from formsvc.forms import EndsAfterStart, TypedDateField, width_filter
from formsvc.i18n import _l


class TallyForm(FlaskForm):
    """The tally page's GET form: which sites, which period (or an explicit range)."""

    class Meta:
        csrf = False  # a GET form changes nothing

    scope = SelectField(_l("Children's Homes"))
    # Typed full-width (２０２６－１１) as a Chinese keyboard may, it means 2026-11.
    period = StringField(
        _l("Period"),
        validators=[Optional(), Length(max=12)],
        filters=[width_filter],
        description=_l("2026, 2026-Q4 or 2026-11"),
    )
    date_from = TypedDateField(_l("From"), validators=[Optional()])
    date_to = TypedDateField(_l("To"), validators=[Optional(), EndsAfterStart()])
