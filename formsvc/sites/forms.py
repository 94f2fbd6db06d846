from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from formsvc.forms import TypedDateField, strip_filter
from formsvc.i18n import _, _l
from formsvc.sites.models import SITE_LEVEL_TITLES
from formsvc.timeutil import local_today


def level_choices() -> list[SelectChoice]:
    return [SelectChoice(level.value, title) for level, title in SITE_LEVEL_TITLES.items()]


class SiteForm(FlaskForm):
    township = StringField(
        _l("Township or sub-district"),
        validators=[DataRequired(message=_l("Please write the township.")), Length(max=60)],
        filters=[strip_filter],
        render_kw={"list": "townships"},
    )
    name = StringField(
        _l("Name of the Children's Home"),
        validators=[DataRequired(message=_l("Please write the name.")), Length(max=80)],
        filters=[strip_filter],
    )
    village = StringField(_l("Village or community"), validators=[Length(max=60)], filters=[strip_filter])
    level = SelectField(_l("Level"), choices=level_choices, validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Length(max=200)], filters=[strip_filter])
    opened_on = TypedDateField(_l("Opened on"), validators=[Optional()])

    def validate_opened_on(self, field):
        # A home takes no sign-ins before it opens: 2030 typed for 2020 closed it for years
        # without a word. A home being built may open within the year.
        if field.data is not None and field.data > local_today() + timedelta(days=366):
            raise ValidationError(
                _(
                    "This opening date is more than a year ahead: please check the year."
                    " A home takes no sign-ins before it opens."
                )
            )


class SiteImportForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], message=_l("Please upload a CSV or XLSX file.")),
        ],
    )


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9]{24}$")])
