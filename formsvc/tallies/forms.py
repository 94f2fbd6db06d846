from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from formsvc.forms import EndsAfterStart
from formsvc.i18n import _l


class TallyForm(FlaskForm):
    """The tally page's GET form: which sites, which period (or an explicit range)."""

    class Meta:
        csrf = False  # a GET form changes nothing

    scope = SelectField(_l("Children's Homes"))
    period = StringField(
        _l("Period"), validators=[Optional(), Length(max=12)], description=_l("2026, 2026-Q4 or 2026-11")
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional(), EndsAfterStart()])
