"""The one builder of survey forms, and the rule for conditional questions.

``build_survey_form`` turns a version's question rows into a Flask-WTF form class: one field
per question, named by the question's key. Every question is rendered, so the form works with
JavaScript off; a conditional question carries the hint "only if you answered … above", and
``shown_keys`` decides — on the server, from what was sent — which questions count. A required
question that was not shown is not required, and its answer is ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from formsvc.accounts.forms import CheckboxListField
from formsvc.forms import OnceForm, choices, strip_filter
from formsvc.i18n import _, _l
from formsvc.surveys.models import QuestionKind, SurveyQuestion
from formsvc.text import clean_text

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
# What services.next_key makes (and the ready-made template uses): "q1", "q2", …
QUESTION_KEY = re.compile(r"q\d{1,9}")
# More questions than any survey has; a longer "asked" list is cut here.
ASKED_MAX = 200


def multiline_filter(value):
    """Each line cleaned like a one-line field; empty lines dropped, line breaks kept."""
    if not isinstance(value, str):
        return value
    return "\n".join(line for line in (clean_text(line) for line in value.splitlines()) if line)


def paragraphs_filter(value):
    """Like ``multiline_filter``, but one empty line between paragraphs is kept (a survey's introduction)."""
    if not isinstance(value, str):
        return value
    paragraphs, lines = [], []
    for line in (clean_text(line) for line in value.splitlines()):
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def question_digest(row: SurveyQuestion) -> str:
    """Eight hex digits that change when the question a person reads and answers changes.

    Its place in the survey is left out (moving a question changes no answer to it), and so is
    "required": the form checks that against the question as it is now anyway.
    """
    content = [row.kind.value, row.title_zh, row.title_en, row.options or [], row.condition_key, row.condition_value]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]


def asked_text(rows: Iterable[SurveyQuestion]) -> str:
    """What a rendered form asked, "q1:1a2b3c4d,q2:…": sent back with the answers."""
    ordered = sorted(rows, key=lambda row: row.position)
    return ",".join(f"{row.key}:{question_digest(row)}" for row in ordered)


def parse_asked(text: str | None) -> dict[str, str] | None:
    """Question key → digest from a sent form; None when the form did not say (a page from before)."""
    if not text:
        return None
    asked = {}
    for item in text.split(",")[:ASKED_MAX]:
        key, _sep, digest = item.partition(":")
        if QUESTION_KEY.fullmatch(key) and digest:
            asked[key] = digest[:8]
    return asked


def changed_keys(asked: dict[str, str] | None, rows: Iterable[SurveyQuestion]) -> list[str]:
    """The questions of ``rows`` the person was not asked as they are now: new ones and edited ones.

    An unanswered version is edited in place, so a form open on a phone may be older than its
    own version. Questions removed since do not count here: their answers are simply left out.
    """
    if asked is None:
        return []
    return [row.key for row in rows if asked.get(row.key) != question_digest(row)]


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return not value
    return not str(value).strip()


def _matches(value, wanted: str) -> bool:
    if isinstance(value, (list, tuple)):
        return wanted in value
    return value is not None and str(value) == wanted


def shown_keys(questions: Iterable, values: dict) -> set[str]:
    """The keys of the questions that apply, given the answers in ``values``.

    A question with a condition applies when the earlier question it depends on applies and
    was answered with the condition's value. ``questions`` are rows or ``QuestionDef``s, in order.
    """
    shown: set[str] = set()
    for question in sorted(questions, key=lambda item: item.position):
        if question.condition_key:
            if question.condition_key not in shown:
                continue
            if not _matches(values.get(question.condition_key), question.condition_value):
                continue
        shown.add(question.key)
    return shown


@dataclass(frozen=True)
class QuestionDef:
    """A question as the form and its template need it: plain values in the person's language."""

    key: str
    position: int
    number: int
    kind: QuestionKind
    title: str
    required: bool
    choices: tuple[tuple[str, str], ...]
    condition_key: str = ""
    condition_value: str = ""
    # "Only if you answered “Yes” to question 5 above."
    condition_hint: str = ""


class SurveyForm(OnceForm):
    """The base of every built survey form; ``questions`` is set by the builder."""

    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
    # The questions as this form showed them (``asked_text``), to tell an edit made meanwhile.
    asked = HiddenField()
    questions: tuple[QuestionDef, ...] = ()
    # ``asked_text`` of the rows the form was built from.
    asked_now: str = ""

    def values(self) -> dict:
        """What was sent, per question key: a string, or a list for multiple choice."""
        values = {}
        for question in self.questions:
            data = self[question.key].data
            if question.kind == QuestionKind.MULTIPLE:
                values[question.key] = [str(item) for item in (data or [])]
            else:
                values[question.key] = "" if data is None else str(data).strip()
        return values

    def answers(self) -> dict:
        """The answers that count: questions that applied and were answered."""
        values = self.values()
        shown = shown_keys(self.questions, values)
        return {key: value for key, value in values.items() if key in shown and not is_empty(value)}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        values = self.values()
        shown = shown_keys(self.questions, values)
        for question in self.questions:
            if question.required and question.key in shown and is_empty(values.get(question.key)):
                field = self[question.key]
                field.errors = [*field.errors, _("Please answer this question.")]
                valid = False
        return valid

    def forget(self, keys: Iterable[str]) -> None:
        """Clear what was sent for these questions (they changed since the person saw them)."""
        for key in keys:
            if key in self._fields:
                field = self[key]
                field.data = [] if isinstance(field, SelectMultipleField) else None
                field.raw_data = []

    def items(self) -> list[tuple[QuestionDef, object]]:
        """(question, field) in display order, for the template."""
        return [(question, self[question.key]) for question in self.questions]


def _field_for(question: QuestionDef):
    label = question.title
    if question.kind in (QuestionKind.RATING, QuestionKind.SINGLE, QuestionKind.YES_NO):
        return RadioField(label, choices=choices(question.choices), validators=[Optional()])
    if question.kind == QuestionKind.MULTIPLE:
        return CheckboxListField(label, choices=choices(question.choices), validators=[Optional()])
    limit = SHORT_TEXT_MAX if question.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    field_class = StringField if question.kind == QuestionKind.SHORT_TEXT else TextAreaField
    return field_class(
        label,
        validators=[Optional(), Length(max=limit, message=_l("Please keep this to at most %(max)d characters."))],
        filters=[strip_filter if question.kind == QuestionKind.SHORT_TEXT else multiline_filter],
        render_kw={"maxlength": limit},
    )


def _display_choices(row: SurveyQuestion, locale: str) -> tuple[tuple[str, str], ...]:
    # Ratings are listed from the best face down, as Chinese questionnaires do.
    pairs = row.choices(locale)
    return tuple(reversed(pairs) if row.kind == QuestionKind.RATING else pairs)


def question_defs(rows: Sequence[SurveyQuestion], locale: str) -> tuple[QuestionDef, ...]:
    ordered = sorted(rows, key=lambda row: row.position)
    numbers = {row.key: index for index, row in enumerate(ordered, 1)}
    by_key = {row.key: row for row in ordered}
    defs = []
    for row in ordered:
        hint = ""
        source = by_key.get(row.condition_key) if row.condition_key else None
        if source is not None:
            hint = _("Only if you answered “{answer}” to question {number} above.").format(
                answer=source.choice_label(row.condition_value, locale), number=numbers[source.key]
            )
        defs.append(
            QuestionDef(
                key=row.key,
                position=row.position,
                number=numbers[row.key],
                kind=row.kind,
                title=row.title(locale),
                required=row.required,
                choices=tuple(
                    reversed(row.choices(locale)) if row.kind == QuestionKind.RATING else row.choices(locale)
                ),
                condition_key=row.condition_key if source is not None else "",
                condition_value=row.condition_value if source is not None else "",
                condition_hint=hint,
            )
        )
    return tuple(defs)


def build_survey_form(rows: Sequence[SurveyQuestion], locale: str) -> type[SurveyForm]:
    """A form class for exactly these question rows, labelled in ``locale`` (Chinese when missing)."""
    defs = question_defs(rows, locale)
    attributes = {"questions": defs, "asked_now": asked_text(rows)}
    for question in defs:
        attributes[question.key] = _field_for(question)
    return type("BuiltSurveyForm", (SurveyForm,), attributes)
