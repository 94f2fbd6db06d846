"""Building survey templates and putting them to use.

Every change to the questions goes through ``editable_version``: the latest version, or — once
somebody has answered it — a fresh copy of it with the next number. Responses therefore always
keep the exact question set they answered. Questions are addressed by their ``key``, which a
copy keeps, so "edit question q3" means the same thing before and after a new version.

Services flush; the view commits (and rolls back after a ``SurveyError``, which may come after
a new version was already made).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from formsvc.accounts.models import Role, User
from formsvc.activities.models import Activity
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site
from formsvc.surveys.models import QuestionKind, SurveyLink, SurveyQuestion, SurveyTemplate, SurveyVersion

MAX_OPTIONS = 12
# What a condition may depend on: questions with a fixed set of answers.
CONDITION_SOURCES = (QuestionKind.RATING, QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO)


class SurveyError(DomainError):
    code = "survey_error"


@dataclass(frozen=True)
class QuestionSpec:
    """What the question form asks, as plain values."""

    kind: QuestionKind
    title_zh: str
    title_en: str = ""
    required: bool = False
    options_zh: Sequence[str] = field(default_factory=tuple)
    options_en: Sequence[str] = field(default_factory=tuple)
    condition_key: str = ""
    condition_value: str = ""


def create_template(
    *, site: Site | None, title_zh: str, title_en: str = "", intro_zh: str = "", intro_en: str = "", user=None
) -> SurveyTemplate:
    """A new, empty template: the district's when ``site`` is None, else that site's."""
    version = SurveyVersion(number=1, title_zh=title_zh, title_en=title_en, intro_zh=intro_zh, intro_en=intro_en)
    template = SurveyTemplate(
        site_id=site.id if site else None, created_by_id=getattr(user, "id", None), versions=[version]
    )
    db.session.add(template)
    db.session.flush()
    return template


def latest_version(template: SurveyTemplate, *, lock: bool = False) -> SurveyVersion:
    query = (
        select(SurveyVersion)
        .where(SurveyVersion.template_id == template.id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )
    if lock:
        # A response freezes the version with an UPDATE of this row, so it waits for the edit.
        query = query.with_for_update()
    return db.session.execute(query).scalar_one()


def editable_version(template: SurveyTemplate) -> SurveyVersion:
    """The version an edit may change in place: the latest, or its copy once it was answered."""
    current = latest_version(template, lock=True)
    if not current.frozen:
        return current
    copied = SurveyVersion(
        number=current.number + 1,
        title_zh=current.title_zh,
        title_en=current.title_en,
        intro_zh=current.intro_zh,
        intro_en=current.intro_en,
    )
    for question in current.questions:
        copied.questions.append(
            SurveyQuestion(
                key=question.key,
                position=question.position,
                kind=question.kind,
                title_zh=question.title_zh,
                title_en=question.title_en,
                required=question.required,
                options=copy.deepcopy(question.options),
                condition_key=question.condition_key,
                condition_value=question.condition_value,
            )
        )
    template.versions.append(copied)
    db.session.flush()
    return copied


def update_settings(
    template: SurveyTemplate, *, title_zh: str, title_en: str, intro_zh: str, intro_en: str
) -> SurveyVersion:
    wanted = {"title_zh": title_zh, "title_en": title_en, "intro_zh": intro_zh, "intro_en": intro_en}
    current = latest_version(template)
    if all(getattr(current, name) == value for name, value in wanted.items()):
        return current  # nothing changed: no new version
    version = editable_version(template)
    for name, value in wanted.items():
        setattr(version, name, value)
    db.session.flush()
    return version


def question_in(version: SurveyVersion, key: str) -> SurveyQuestion | None:
    return next((question for question in version.questions if question.key == key), None)


def choice_values(question: SurveyQuestion) -> list[str]:
    return [value for value, _label in question.choices("zh_Hans")]


def next_key(template: SurveyTemplate) -> str:
    """A key never used in any version of the template, so an old key never changes meaning."""
    keys = db.session.execute(
        select(SurveyQuestion.key)
        .join(SurveyVersion, SurveyVersion.id == SurveyQuestion.version_id)
        .where(SurveyVersion.template_id == template.id)
    ).scalars()
    numbers = [int(key[1:]) for key in keys if key[1:].isdigit()]
    return f"q{max(numbers, default=0) + 1}"


def _check_options(spec: QuestionSpec) -> None:
    if not spec.kind.has_options:
        return
    if len(spec.options_zh) < 2:
        raise SurveyError(_("A choice question needs at least two options, one per line."), code="too_few_options")
    if len(spec.options_zh) > MAX_OPTIONS:
        raise SurveyError(_("Please keep to at most {count} options.").format(count=MAX_OPTIONS), code="many_options")
    if len(set(spec.options_zh)) != len(spec.options_zh):
        raise SurveyError(_("Two options have the same text."), code="duplicate_option")
    if spec.options_en and len(spec.options_en) != len(spec.options_zh):
        raise SurveyError(
            _("Give the English options in the same order and number as the Chinese ones, or none."),
            code="options_mismatch",
        )


def _check_condition(version: SurveyVersion, spec: QuestionSpec, position: int) -> None:
    if not spec.condition_key:
        return
    source = question_in(version, spec.condition_key)
    if source is None or source.position >= position:
        raise SurveyError(_("A question can only depend on an earlier question."), code="condition_order")
    if source.kind not in CONDITION_SOURCES:
        raise SurveyError(_("A question can only depend on a question with fixed answers."), code="condition_kind")
    if spec.condition_value not in choice_values(source):
        raise SurveyError(_("That answer is not one of the earlier question's answers."), code="condition_value")


def _option_rows(spec: QuestionSpec, previous: list[dict]) -> list[dict]:
    """Options with keys: an option whose Chinese text is unchanged keeps its key."""
    if not spec.kind.has_options:
        return []
    known = {option["zh"]: option["key"] for option in previous}
    next_number = max((int(option["key"]) for option in previous), default=0) + 1
    rows = []
    for index, text in enumerate(spec.options_zh):
        key = known.get(text)
        if key is None:
            key, next_number = str(next_number), next_number + 1
        rows.append({"key": key, "zh": text, "en": spec.options_en[index] if spec.options_en else ""})
    return rows


def _dependents(version: SurveyVersion, key: str) -> list[SurveyQuestion]:
    return [question for question in version.questions if question.condition_key == key]


def _apply(question: SurveyQuestion, spec: QuestionSpec) -> None:
    question.kind = spec.kind
    question.title_zh = spec.title_zh
    question.title_en = spec.title_en
    question.required = spec.required
    question.options = _option_rows(spec, question.options or [])
    question.condition_key = spec.condition_key
    question.condition_value = spec.condition_value if spec.condition_key else ""


def add_question(template: SurveyTemplate, spec: QuestionSpec) -> SurveyQuestion:
    version = editable_version(template)
    position = max((question.position for question in version.questions), default=0) + 1
    _check_options(spec)
    _check_condition(version, spec, position)
    question = SurveyQuestion(key=next_key(template), position=position, options=[])
    _apply(question, spec)
    version.questions.append(question)
    db.session.flush()
    return question


def update_question(template: SurveyTemplate, key: str, spec: QuestionSpec) -> SurveyQuestion:
    version = editable_version(template)
    question = question_in(version, key)
    if question is None:
        raise SurveyError(_("That question is no longer in the survey."), code="no_question")
    _check_options(spec)
    _check_condition(version, spec, question.position)
    previous_kind = question.kind
    _apply(question, spec)
    for dependent in _dependents(version, key):
        if question.kind != previous_kind or dependent.condition_value not in choice_values(question):
            raise SurveyError(
                _("A later question is shown only for one of this question's answers; change that question first."),
                code="has_dependents",
            )
    db.session.flush()
    return question


def _ordered(version: SurveyVersion) -> list[SurveyQuestion]:
    return sorted(version.questions, key=lambda question: question.position)


def move_question(template: SurveyTemplate, key: str, step: int) -> None:
    """Move a question one place up (``step=-1``) or down (``step=1``)."""
    keys = [question.key for question in _ordered(latest_version(template))]
    if key not in keys:
        raise SurveyError(_("That question is no longer in the survey."), code="no_question")
    index = keys.index(key)
    if not 0 <= index + step < len(keys):
        return  # already first or last: no new version for nothing
    version = editable_version(template)
    ordered = _ordered(version)
    moving, other = ordered[index], ordered[index + step]
    earlier, later = (other, moving) if step < 0 else (moving, other)
    if later.condition_key == earlier.key:
        raise SurveyError(_("A question can only depend on an earlier question."), code="condition_order")
    moving.position, other.position = other.position, moving.position
    db.session.flush()


def delete_question(template: SurveyTemplate, key: str) -> None:
    version = editable_version(template)
    question = question_in(version, key)
    if question is None:
        return
    if _dependents(version, key):
        raise SurveyError(
            _("A later question is shown only for one of this question's answers; change that question first."),
            code="has_dependents",
        )
    version.questions.remove(question)
    for position, remaining in enumerate(_ordered(version), 1):
        remaining.position = position
    db.session.flush()


# --- putting a template to use ---------------------------------------------------------


def usable_at(template: SurveyTemplate, site_id: int) -> bool:
    return template.site_id is None or template.site_id == site_id


def running_link_at_activity(activity_id: int) -> SurveyLink | None:
    return db.session.execute(
        select(SurveyLink).where(SurveyLink.activity_id == activity_id, SurveyLink.stopped_at.is_(None))
    ).scalar_one_or_none()


def activity_name(activity: Activity) -> str:
    return f"{activity.display_title} ({activity.on_date.isoformat()})"


def other_survey_at(template: SurveyTemplate, activity: Activity) -> SurveyLink | None:
    """The link of another survey asked after ``activity`` now, which attaching ``template`` replaces."""
    existing = running_link_at_activity(activity.id)
    return existing if existing is not None and existing.template_id != template.id else None


def attached_by_district(link: SurveyLink) -> bool:
    """Whether a district admin (or the command line, which the district runs) put this link up."""
    creator = db.session.get(User, link.created_by_id) if link.created_by_id is not None else None
    return creator is None or creator.role == Role.ADMIN


def may_replace(user, link: SurveyLink) -> bool:
    """A home's manager replaces the surveys the home put up, not those the district asks there."""
    return user is None or user.is_admin or not attached_by_district(link)


def attach_to_activity(
    template: SurveyTemplate, activity: Activity, *, opens_before_close: int | None, user=None, replace: bool = False
) -> SurveyLink:
    """Ask the activity's guardians this survey.

    Another survey asked there is stopped (and the stop audited) only with ``replace``, and one
    the district put there only by a district admin (or the command line, ``user`` None).
    """
    if not usable_at(template, activity.site_id):
        raise SurveyError(_("This survey belongs to another Children's Home."), code="other_site")
    existing = running_link_at_activity(activity.id)
    if existing is not None and existing.template_id == template.id:
        existing.opens_before_close = opens_before_close
        db.session.flush()
        return existing
    if existing is not None:
        title = existing.template.current.title_zh
        if not may_replace(user, existing):
            raise SurveyError(
                _("The district asks “{survey}” after {activity}; only a district admin can replace it.").format(
                    survey=title, activity=activity_name(activity)
                ),
                code="district_survey",
            )
        if not replace:
            raise SurveyError(
                _("“{survey}” is already asked after {activity}.").format(
                    survey=title, activity=activity_name(activity)
                ),
                code="other_survey",
            )
        stop_link(existing)
        record(
            "survey.stop",
            user=user,
            site_id=existing.site_id,
            target=f"survey_templates:{existing.template_id}",
            link=existing.id,
            replaced_by=f"survey_templates:{template.id}",
        )
    link = SurveyLink(
        template_id=template.id,
        site_id=activity.site_id,
        activity_id=activity.id,
        opens_before_close=opens_before_close,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(link)
    db.session.flush()
    return link


def attach_to_site(template: SurveyTemplate, site: Site, *, user=None) -> SurveyLink:
    """A survey always open at the site's poster page."""
    if not usable_at(template, site.id):
        raise SurveyError(_("This survey belongs to another Children's Home."), code="other_site")
    existing = db.session.execute(
        select(SurveyLink).where(
            SurveyLink.site_id == site.id,
            SurveyLink.template_id == template.id,
            SurveyLink.activity_id.is_(None),
            SurveyLink.stopped_at.is_(None),
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    link = SurveyLink(template_id=template.id, site_id=site.id, created_by_id=getattr(user, "id", None))
    db.session.add(link)
    db.session.flush()
    return link


def stop_link(link: SurveyLink, now: datetime | None = None) -> None:
    """No more answers through this link; what was answered stays."""
    if link.stopped_at is None:
        link.stopped_at = now or utcnow()
        db.session.flush()
