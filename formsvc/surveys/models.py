"""Survey templates, their frozen versions and question rows, links, responses and answers.

A template (the district's or one site's) has numbered versions. A version is edited in
place until someone answers it; from then on it is frozen, and the next edit copies it into
a new version. Every response points at the version it answered, so results always show the
questions exactly as the person saw them.

A survey is answered through a ``SurveyLink``: at one activity (open in a window around the
activity) or at one site (always open). The link carries the unguessable token of ``/q/<token>``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.activities.models import Activity
from formsvc.db import Base, TimestampMixin, UTCDateTime, utcnow
from formsvc.enums import enum_column_type
from formsvc.i18n import _l
from formsvc.sites.models import Site
from formsvc.tokens import random_token

# The key of the ready-made parent satisfaction template made by the migration.
PARENT_SATISFACTION = "parent_satisfaction"


def new_link_token() -> str:
    return random_token(12)


class QuestionKind(enum.StrEnum):
    RATING = "rating"
    SINGLE = "single"
    MULTIPLE = "multiple"
    YES_NO = "yes_no"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"

    @property
    def title(self) -> str:
        return str(QUESTION_KIND_TITLES[self])

    @property
    def has_options(self) -> bool:
        """Single and multiple choice: the person picks from options written by the builder."""
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)

    @property
    def is_text(self) -> bool:
        return self in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


QUESTION_KIND_TITLES = {
    QuestionKind.RATING: _l("Rating from 1 to 5 (faces)"),
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
}
# The words under the five faces, from 1 to 5.
RATING_WORDS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}
YES_NO_WORDS = {"yes": _l("Yes"), "no": _l("No")}


class SurveyTemplate(TimestampMixin, Base):
    """A survey as the builder knows it; its questions live in its versions."""

    __tablename__ = "survey_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the district's template, usable at every site; else one site's own.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # "parent_satisfaction" for the ready-made template; empty for templates people built.
    builtin: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    site: Mapped[Site | None] = relationship()
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="template", order_by="SurveyVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> SurveyVersion:
        return self.versions[-1]


class SurveyVersion(Base):
    """One question set of a template, frozen once anybody has answered it."""

    __tablename__ = "survey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id"))
    number: Mapped[int]
    title_zh: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str] = mapped_column(String(100), default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    # Set by the first response: from then on an edit makes the next version.
    frozen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[SurveyTemplate] = relationship(back_populates="versions")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="version", order_by="SurveyQuestion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_survey_versions_template_number"),)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_zh

    def intro(self, locale: str) -> str:
        return self.intro_en if locale == "en" and self.intro_en else self.intro_zh


class SurveyQuestion(Base):
    """A question of one version. ``key`` stays the same when a version is copied."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(12))
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_column_type(QuestionKind))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    required: Mapped[bool] = mapped_column(default=False)
    # Single and multiple choice: [{"key": "1", "zh": "…", "en": "…"}, …] in display order.
    options: Mapped[list] = mapped_column(JSON, default=list)
    # Shown only when the earlier question ``condition_key`` was answered ``condition_value``
    # (an option key, "yes"/"no", or a rating "1"–"5"); empty: always shown.
    condition_key: Mapped[str] = mapped_column(String(12), default="")
    condition_value: Mapped[str] = mapped_column(String(12), default="")

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")

    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_survey_questions_version_key"),)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_zh

    def choices(self, locale: str) -> list[tuple[str, str]]:
        """(value, label) of everything the person can pick, in display order."""
        if self.kind == QuestionKind.RATING:
            return [(str(number), str(word)) for number, word in RATING_WORDS.items()]
        if self.kind == QuestionKind.YES_NO:
            return [(value, str(word)) for value, word in YES_NO_WORDS.items()]
        return [
            (option["key"], option.get("en") if locale == "en" and option.get("en") else option["zh"])
            for option in self.options
        ]

    def choice_label(self, value: str, locale: str) -> str:
        return dict(self.choices(locale)).get(value, value)


class SurveyLink(Base):
    """Where a template is answered: after one activity, or at one site at any time."""

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    # None: a site survey, open whenever the site is active.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    # The token in /q/<token>.
    public_token: Mapped[str] = mapped_column(String(16), unique=True, default=new_link_token)
    # Activity surveys open this many minutes before sign-in closes; None: from the start.
    opens_before_close: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    template: Mapped[SurveyTemplate] = relationship()
    site: Mapped[Site] = relationship()
    activity: Mapped[Activity | None] = relationship()

    __table_args__ = (
        # One running survey per activity.
        Index(
            "uq_survey_links_activity",
            "activity_id",
            unique=True,
            sqlite_where=text("activity_id IS NOT NULL AND stopped_at IS NULL"),
            postgresql_where=text("activity_id IS NOT NULL AND stopped_at IS NULL"),
        ),
        # A template runs at most once as a site survey of the same site.
        Index(
            "uq_survey_links_site_template",
            "site_id",
            "template_id",
            unique=True,
            sqlite_where=text("activity_id IS NULL AND stopped_at IS NULL"),
            postgresql_where=text("activity_id IS NULL AND stopped_at IS NULL"),
        ),
    )


class SurveyResponse(Base):
    """One person's answers, sent once. Anonymous: no name, no phone, no IP address."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    # The activity's day, or the local day of answering for a site survey: what periods filter on.
    on_date: Mapped[date]
    # The rendered form's one-time nonce: a double tap or a resend stores nothing new.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    # A keyed hash of the phone's random survey cookie: one response per phone per link.
    device_key: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[SurveyVersion] = relationship()
    link: Mapped[SurveyLink] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", order_by="SurveyAnswer.id")

    __table_args__ = (
        UniqueConstraint("link_id", "device_key", name="uq_survey_responses_link_device"),
        Index("ix_survey_responses_template_date", "template_id", "on_date"),
        Index("ix_survey_responses_site_date", "site_id", "on_date"),
    )


class SurveyAnswer(Base):
    """The answer to one question; a multiple choice has one row per option picked."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    # Ratings 1–5.
    number: Mapped[int | None]
    # An option key, or "yes"/"no"; empty for ratings and text.
    choice: Mapped[str] = mapped_column(String(12), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # Abusive text is hidden from printouts and exports, never deleted.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()

    __table_args__ = (
        UniqueConstraint("response_id", "question_id", "choice", name="uq_survey_answers_response_question_choice"),
    )
