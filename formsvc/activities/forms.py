from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from formsvc.accounts.forms import CheckboxListField
from formsvc.activities.models import ACTIVITY_KIND_TITLES, ActivityKind
from formsvc.forms import NearToday, TypedDateField, choices, strip_filter
from formsvc.i18n import _, _l
from formsvc.timeutil import local_today

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
    """What can still change about a scheduled activity (the edit form)."""

    title = StringField(
        _l("Title"),
        validators=[Length(max=100, message=_l("Please keep the title to at most %(max)d characters."))],
        filters=[strip_filter],
    )
    # The edit page removes it for a daily opening, which never moves.
    day = TypedDateField(_l("Date"), validators=[InputRequired(message=_l("Please give a date."))])
    opens = TimeField(_l("Sign-in opens"), validators=[InputRequired(message=_l("Please give a time."))])
    closes = TimeField(_l("Sign-in closes"), validators=[InputRequired(message=_l("Please give a time."))])
    for_children = BooleanField(_l("Children sign in"))
    for_guardians = BooleanField(_l("Parents and guardians sign in"))
    for_volunteers = BooleanField(_l("Volunteers sign in"))
    rotating_code = BooleanField(_l("Sign-in only with the changing QR code on the screen (lectures)"))

    # The services check the same (check_plan); here each problem is shown beside its field,
    # all at once, instead of the first one at the top of the page.

    # The day the activity has now (the edit page sets it): a day imported from an old ledger
    # is far from today but still its day, so the title of a 2023 activity can be corrected.
    kept_day = None

    def validate_day(self, field):
        if field.data != self.kept_day:
            NearToday()(self, field)

    def validate_closes(self, field):
        if self.opens.data is not None and field.data is not None and field.data <= self.opens.data:
            raise ValidationError(_("Sign-in must close after it opens."))

    def validate_for_children(self, field):
        # The three boxes share one "who signs in" group; its message sits on the first box.
        if not (field.data or self.for_guardians.data or self.for_volunteers.data):
            raise ValidationError(_("Choose who signs in: children, guardians or volunteers."))


SERIES_BACKDATE = timedelta(days=7)


class ScheduleForm(ActivityDetailsForm):
    kind = SelectField(_l("Kind"), choices=schedulable_kinds, validators=[DataRequired()])
    day = TypedDateField(
        _l("Date (first day when repeating)"), validators=[InputRequired(message=_l("Please give a date."))]
    )
    sites = CheckboxListField(_l("Children's Homes"), coerce=int, validate_choice=True)
    township = SelectField(_l("…or every Children's Home of a township"), coerce=int, validators=[Optional()])
    weekdays = CheckboxListField(_l("Repeat on (leave empty for one day only)"), choices=WEEKDAY_TITLES)
    until = TypedDateField(_l("Repeat until (optional)"), validators=[Optional(), NearToday()])

    def validate_sites(self, field):
        if not field.data and not self.township.data:
            raise ValidationError(_("Choose at least one Children's Home."))

    def validate_day(self, field):
        super().validate_day(field)
        # Every day of a series that has started counts as held in the tallies: a repeating activity
        # typed as starting in January (2026-01-05 for 2026-11-05) added 235 volunteer days at once.
        if self.weekdays.data and field.data is not None and field.data < local_today() - SERIES_BACKDATE:
            raise ValidationError(_("A repeating activity starts at most a week ago: each of its days counts as held."))

    def validate_until(self, field):
        if field.data is not None and self.day.data is not None and field.data < self.day.data:
            raise ValidationError(_("“Repeat until” cannot be before the date."))
