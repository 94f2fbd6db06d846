from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from formsvc.accounts.forms import CheckboxListField
from formsvc.activities.models import ACTIVITY_KIND_TITLES, ActivityKind
from formsvc.forms import NearToday, choices, strip_filter
from formsvc.i18n import _l

WEEKDAY_TITLES = choices(
    [
        ("1", _l("Mon")),
        ("2", _l("Tue")),
        ("3", _l("Wed")),
        ("4", _l("Thu")),
        ("5", _l("Fri")),
        ("6", _l("Sat")),
        ("7", _l("Sun")),
    ]
)


def schedulable_kinds() -> list[SelectChoice]:
    return [
        SelectChoice(kind.value, title) for kind, title in ACTIVITY_KIND_TITLES.items() if kind != ActivityKind.DAILY
    ]


class ActivityDetailsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=100)], filters=[strip_filter])
    opens = TimeField(_l("Sign-in opens"), validators=[InputRequired(message=_l("Please give a time."))])
    closes = TimeField(_l("Sign-in closes"), validators=[InputRequired(message=_l("Please give a time."))])
    for_children = BooleanField(_l("Children sign in"))
    for_guardians = BooleanField(_l("Parents and guardians sign in"))
    for_volunteers = BooleanField(_l("Volunteers sign in"))
    rotating_code = BooleanField(_l("Sign-in only with the changing QR code on the screen (lectures)"))


class ScheduleForm(ActivityDetailsForm):
    kind = SelectField(_l("Kind"), choices=schedulable_kinds, validators=[DataRequired()])
    day = DateField(
        _l("Date (first day when repeating)"),
        validators=[InputRequired(message=_l("Please give a date.")), NearToday()],
    )
    sites = CheckboxListField(_l("Children's Homes"), coerce=int, validate_choice=True)
    township = SelectField(_l("…or every Children's Home of a township"), coerce=int, validators=[Optional()])
    weekdays = CheckboxListField(_l("Repeat on (leave empty for one day only)"), choices=WEEKDAY_TITLES)
    until = DateField(_l("Repeat until (optional)"), validators=[Optional(), NearToday()])
