"""The manager's forms: roster, review queue, roll-call, paper sheets, voiding."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from formsvc.attendance.forms import written_in_words
from formsvc.attendance.models import BOY, CHILD_CATEGORY_TITLES, GIRL, RELATION_TITLES, Child, ChildCategory, Relation
from formsvc.attendance.roster import CategoryPeriodData, ChildData
from formsvc.attendance.voiding import REASON_MAX
from formsvc.forms import OnceForm, PhoneField, TypedDateField, strip_filter
from formsvc.i18n import _, _l
from formsvc.timeutil import local_today

NAME_MAX = 30
SEARCH_MAX = 40
PAPER_MAX = 20000


def _name_field(label):
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Please write the child's name.")),
            Length(max=NAME_MAX, message=_l("Please keep the name to at most %(max)d characters.")),
            written_in_words,  # the public forms' rule: the roster takes no 。, 1 or phone number as a name
        ],
        filters=[strip_filter],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )


def _text_field(label, max_length):
    return StringField(
        label,
        validators=[Optional(), Length(max=max_length, message=_l("Please keep this to at most %(max)d characters."))],
        filters=[strip_filter],
        render_kw={"maxlength": max_length},
    )


class BirthYear:
    def __call__(self, form, field):
        if field.data is not None and not 1990 <= field.data <= local_today().year:
            raise ValidationError(_("Please write a year between 1990 and {year}.").format(year=local_today().year))


class ChildForm(FlaskForm):
    """A child on the roster; the category fields are added below, one set per category."""

    name = _name_field(_l("Child's name"))
    gender = RadioField(
        _l("Gender"),
        choices=[SelectChoice("", _l("Not given")), SelectChoice(GIRL, _l("Girl")), SelectChoice(BOY, _l("Boy"))],
        default="",
    )
    birth_year = IntegerField(
        _l("Year of birth (optional)"),
        validators=[Optional(), BirthYear()],
        render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"},
    )
    grade = _text_field(_l("Grade or class (optional)"), 20)
    guardian_name = _text_field(_l("Guardian's name (optional)"), NAME_MAX)
    guardian_relation = SelectField(
        _l("Guardian is the child's"),
        choices=[SelectChoice("", "—")]
        + [
            SelectChoice(relation.value, title)
            for relation, title in RELATION_TITLES.items()
            if relation != Relation.SELF
        ],
        default="",
    )
    guardian_phone = PhoneField(
        _l("Guardian's mobile number (optional)"),
        render_kw={"type": "tel", "inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    )

    def category_rows(self) -> list[tuple[ChildCategory, BooleanField, DateField, DateField]]:
        return [
            (category, self[category.value], self[f"{category.value}_since"], self[f"{category.value}_until"])
            for category in ChildCategory
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for category, ticked, since, until in self.category_rows():
            if not ticked.data and (since.data or until.data):
                ticked.errors = [_("Tick “{category}” too, or clear its dates.").format(category=category.title)]
                valid = False
            if since.data and until.data and until.data < since.data:
                until.errors = [_("The end date is before the start date.")]
                valid = False
        return valid

    def fill_from(self, child: Child) -> None:
        for field_name in ("name", "gender", "birth_year", "grade", "guardian_name", "guardian_phone"):
            self[field_name].data = getattr(child, field_name)
        self.guardian_relation.data = child.guardian_relation.value if child.guardian_relation else ""
        latest = {period.category: period for period in child.categories}
        for category, ticked, since, until in self.category_rows():
            period = latest.get(category)
            ticked.data = period is not None
            since.data, until.data = (period.since, period.until) if period else (None, None)

    def child_data(self) -> ChildData:
        return ChildData(
            name=self.name.data,
            gender=self.gender.data or "",
            birth_year=self.birth_year.data,
            grade=self.grade.data or "",
            guardian_name=self.guardian_name.data or "",
            guardian_relation=Relation(self.guardian_relation.data) if self.guardian_relation.data else None,
            guardian_phone=self.guardian_phone.data or "",
            categories=tuple(
                CategoryPeriodData(category, since.data, until.data)
                for category, ticked, since, until in self.category_rows()
                if ticked.data
            ),
        )


for _category in ChildCategory:
    setattr(ChildForm, _category.value, BooleanField(CHILD_CATEGORY_TITLES[_category]))
    setattr(ChildForm, f"{_category.value}_since", TypedDateField(_l("Since"), validators=[Optional()]))
    setattr(ChildForm, f"{_category.value}_until", TypedDateField(_l("Until"), validators=[Optional()]))


class NewChildForm(OnceForm, ChildForm):
    # Asked only when the roster already has a child of this name: two rows "王小明" in the
    # roll-call cannot be told apart, so a second one is added on purpose, not by a double entry.
    another_with_same_name = BooleanField(_l("Yes, this is another child with the same name"))


class ToggleForm(OnceForm):
    """One roll-call tap: the state wanted, not "toggle", so a resend changes nothing."""

    state = HiddenField(validators=[AnyOf(["present", "absent"])])
    q = HiddenField(validators=[Length(max=SEARCH_MAX)])


class AddChildForm(OnceForm):
    name = _name_field(_l("A child who is not on the list"))
    q = HiddenField(validators=[Length(max=SEARCH_MAX)])


class MergeForm(FlaskForm):
    target = SelectField(
        _l("Same child as"), validators=[DataRequired(message=_l("Please choose the child to merge into."))]
    )


class EraseChildForm(FlaskForm):
    confirmed = BooleanField(
        _l("The family asked for this, and I checked who asked."),
        validators=[DataRequired(message=_l("Please tick the box to confirm the family asked."))],
    )


class RejectForm(FlaskForm):
    reason = _text_field(_l("Reason for rejecting (optional)"), REASON_MAX)


def _reason_field(label, required_message):
    """A reason that must be given: the audit log and the voided record keep it."""
    return StringField(
        label,
        validators=[
            DataRequired(message=required_message),
            Length(max=REASON_MAX, message=_l("Please keep this to at most %(max)d characters.")),
        ],
        filters=[strip_filter],
        render_kw={"maxlength": REASON_MAX},
    )


class TakeOffRosterForm(FlaskForm):
    reason = _reason_field(
        _l("Why is this child taken off the roster?"), _l("Please say why this child is taken off the roster.")
    )


class VoidForm(FlaskForm):
    reason = _reason_field(_l("Why is this record wrong?"), _l("Please say why this record is wrong."))


class PaperForm(OnceForm):
    audience = RadioField(_l("Who signed this sheet?"), validators=[InputRequired()])
    lines = TextAreaField(
        _l("Names from the sheet, one person per line"),
        validators=[
            DataRequired(message=_l("Please type at least one name.")),
            Length(max=PAPER_MAX, message=_l("Please keep this to at most %(max)d characters.")),
        ],
        render_kw={"rows": 12, "autocomplete": "off", "spellcheck": "false"},
    )
    # The digest of the list last checked: only that exact list can be saved.
    checked = HiddenField()
    check = SubmitField(_l("Check the list"))
    save = SubmitField(_l("Save"))
