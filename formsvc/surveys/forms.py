"""The workspace's survey forms: template settings, a question, putting a survey to use, results filters.

(The phone's survey form is made from question rows by ``builder.build_survey_form``.)
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from formsvc.accounts.forms import CheckboxListField
from formsvc.forms import EndsAfterStart, TypedDateField, choices, strip_filter
from formsvc.i18n import _, _l
from formsvc.surveys.builder import multiline_filter, paragraphs_filter
from formsvc.surveys.models import QUESTION_KIND_TITLES, QuestionKind
from formsvc.surveys.services import MAX_OPTIONS, QuestionSpec

OPTION_MAX = 60
WINDOW_CHOICES = choices(
    [
        ("start", _l("From the start of the activity")),
        ("15", _l("15 minutes before sign-in closes")),
        ("30", _l("30 minutes before sign-in closes")),
        ("60", _l("1 hour before sign-in closes")),
    ]
)


def lines(value: str | None) -> list[str]:
    return [line for line in (value or "").split("\n") if line]


class OptionLines:
    """At most MAX_OPTIONS lines of at most OPTION_MAX characters."""

    def __call__(self, form, field):
        found = lines(field.data)
        if len(found) > MAX_OPTIONS:
            raise ValidationError(_("Please keep to at most {count} options.").format(count=MAX_OPTIONS))
        if any(len(line) > OPTION_MAX for line in found):
            raise ValidationError(_("Please keep each option to at most {count} characters.").format(count=OPTION_MAX))


class TemplateForm(FlaskForm):
    title_zh = StringField(
        _l("Title (Chinese)"),
        validators=[DataRequired(message=_l("Please give the survey a Chinese title.")), Length(max=100)],
        filters=[strip_filter],
    )
    title_en = StringField(_l("Title (English, optional)"), validators=[Length(max=100)], filters=[strip_filter])
    intro_zh = TextAreaField(
        _l("Introduction (Chinese)"), validators=[Length(max=1000)], filters=[paragraphs_filter], render_kw={"rows": 3}
    )
    intro_en = TextAreaField(
        _l("Introduction (English, optional)"),
        validators=[Length(max=1000)],
        filters=[paragraphs_filter],
        render_kw={"rows": 3},
    )


class NewTemplateForm(TemplateForm):
    # "district", or a site id.
    owner = SelectField(_l("Belongs to"), validators=[DataRequired()])


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, title) for kind, title in QUESTION_KIND_TITLES.items()]


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=kind_choices, validators=[DataRequired()])
    title_zh = StringField(
        _l("Question (Chinese)"),
        validators=[DataRequired(message=_l("Please write the question in Chinese.")), Length(max=200)],
        filters=[strip_filter],
    )
    title_en = StringField(_l("Question (English, optional)"), validators=[Length(max=200)], filters=[strip_filter])
    required = BooleanField(_l("An answer is required"))
    options_zh = TextAreaField(
        _l("Options in Chinese, one per line (choice questions only)"),
        validators=[OptionLines()],
        filters=[multiline_filter],
        render_kw={"rows": 5},
    )
    options_en = TextAreaField(
        _l("Options in English, same order (optional)"),
        validators=[OptionLines()],
        filters=[multiline_filter],
        render_kw={"rows": 5},
    )
    # "" (always shown), or "<key>=<value>" of an earlier question.
    condition = SelectField(_l("Show this question"), validators=[Optional()])

    def spec(self) -> QuestionSpec:
        key, _sep, value = (self.condition.data or "").partition("=")
        return QuestionSpec(
            kind=QuestionKind(self.kind.data),
            title_zh=self.title_zh.data,
            title_en=self.title_en.data or "",
            required=bool(self.required.data),
            options_zh=tuple(lines(self.options_zh.data)),
            options_en=tuple(lines(self.options_en.data)),
            condition_key=key,
            condition_value=value,
        )


class UseAtActivitiesForm(FlaskForm):
    activities = CheckboxListField(_l("Choose the activities"), coerce=int, validate_choice=True)
    window = SelectField(_l("The survey opens"), choices=WINDOW_CHOICES, default="15")
    # Shown only when a listed activity already asks another survey.
    replace = BooleanField(_l("Replace the survey already asked after the activities ticked"))

    def opens_before_close(self) -> int | None:
        return None if self.window.data == "start" else int(self.window.data)

    # Not DataRequired: its "required" flag would mark every checkbox as one that must be ticked.
    def validate_activities(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one activity."))


class UseAtSitesForm(FlaskForm):
    sites = CheckboxListField(_l("Children's Homes"), coerce=int, validate_choice=True)

    def validate_sites(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one Children's Home."))


class ResultsFilterForm(FlaskForm):
    """Read from the query string: filters change nothing, so they need no CSRF token."""

    class Meta:
        csrf = False

    scope = SelectField(_l("Where"), validators=[Optional()])
    date_from = TypedDateField(_l("From"), validators=[Optional()])
    date_to = TypedDateField(_l("To"), validators=[Optional(), EndsAfterStart()])
    q = StringField(_l("Comments containing"), validators=[Length(max=50)], filters=[strip_filter])
