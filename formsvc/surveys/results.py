"""Survey results as plain dataclasses: the page, the PDF and the XLSX render the same numbers.

Everything is counted in SQL over the responses in scope (sites) and period (``on_date``: the
activity's day, or the day a site survey was answered). Each version is shown with its own
questions: a response counts under the version it answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultRole, AdultSignIn
from formsvc.extensions import db
from formsvc.places import place_sort_key
from formsvc.sites.models import Site, Township
from formsvc.surveys.builder import QuestionDef, question_defs
from formsvc.surveys.models import (
    QuestionKind,
    SurveyAnswer,
    SurveyLink,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from formsvc.text import mask_phones_in

TOP_RATINGS = (4, 5)


@dataclass(frozen=True)
class ResultFilter:
    """Which responses count: ``site_ids`` is a list or a subquery, already scoped to the user."""

    site_ids: object
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    # Answers hidden as abusive: listed (marked) on screen, left out of printouts and exports.
    include_hidden: bool = True
    # Homes whose comments show a phone number someone wrote in full (their own managers, on
    # screen, to call back); everywhere else it is masked, as on printouts.
    full_phones_at: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OptionResult:
    value: str
    label: str
    count: int
    # Of the responses that answered the question; None when nobody did.
    share: float | None


@dataclass(frozen=True)
class CommentResult:
    answer_id: int
    text: str
    site_name: str
    on_date: date
    hidden: bool


@dataclass(frozen=True)
class QuestionResult:
    key: str
    number: int
    kind: str
    kind_title: str
    title: str
    required: bool
    condition_hint: str
    # Responses that answered this question (without hidden comments when they are left out).
    answered: int
    options: list[OptionResult]
    mean: float | None = None
    # Share of ratings of 4 or 5.
    top_share: float | None = None
    comments: list[CommentResult] | None = None
    # Comments hidden from printouts, among ``answered`` (0 when they are left out).
    hidden: int = 0


@dataclass(frozen=True)
class VersionResult:
    number: int
    title: str
    is_current: bool
    responses: int
    questions: list[QuestionResult]


@dataclass(frozen=True)
class SiteRow:
    site_id: int
    site_name: str
    township_name: str
    responses: int
    mean_rating: float | None


@dataclass(frozen=True)
class SurveyResults:
    template_id: int
    title: str
    search: str
    responses: int
    # Responses through activity links, against the guardians signed in at those activities.
    activity_responses: int
    guardian_sign_ins: int
    # None where it would mean nothing: no guardian signed in, or more responses than guardians
    # (anyone at the home can answer from the poster page, signed in or not).
    response_rate: float | None
    has_activity_links: bool
    # More responses after activities than guardians signed in there: the reason no rate is given.
    more_responses_than_guardians: bool
    sites: list[SiteRow]
    versions: list[VersionResult]


@dataclass(frozen=True)
class SurveyScore:
    """One site's survey figures for the tallies."""

    responses: int
    # Rating answers (1–5) and their sum: a township's or district's mean is the sum of the
    # sites' ``rating_total`` over the sum of their ``rating_answers``.
    rating_answers: int
    rating_total: int
    mean_rating: float | None


def not_of_a_cancelled_activity():
    """Responses that count: none to the survey of a cancelled activity, which did not happen.

    Cancelling is refused once an activity's survey has answers (``activities.cancelling``);
    activities cancelled before that rule may have some. Restored, the activity counts them again.
    """
    cancelled = select(Activity.id).where(Activity.id == SurveyResponse.activity_id, Activity.cancelled.is_(True))
    return ~cancelled.exists()


def _conditions(flt: ResultFilter, template_id: int | None = None) -> list:
    conditions = [SurveyResponse.site_id.in_(flt.site_ids), not_of_a_cancelled_activity()]
    if template_id is not None:
        conditions.append(SurveyResponse.template_id == template_id)
    if flt.date_from:
        conditions.append(SurveyResponse.on_date >= flt.date_from)
    if flt.date_to:
        conditions.append(SurveyResponse.on_date <= flt.date_to)
    return conditions


def survey_scores(
    site_ids_subquery, date_from: date | None, date_to: date | None, *, template_id: int | None = None
) -> dict[int, SurveyScore]:
    """Per site with any response in the period: responses, rating answers and their mean (1–5).

    For the tallies: ``site_ids_subquery`` is e.g. ``visible_site_ids(user)``; the period is
    inclusive and compares the response's day (the activity's day, or the answering day of a
    site survey). Every template counts unless ``template_id`` is given; the mean is over every
    rating answer, all rating questions alike.
    """
    conditions = _conditions(ResultFilter(site_ids_subquery, date_from, date_to), template_id)
    counts = dict(
        db.session.execute(
            select(SurveyResponse.site_id, func.count(SurveyResponse.id))
            .where(*conditions)
            .group_by(SurveyResponse.site_id)
        ).all()
    )
    ratings = {
        site_id: (number, total)
        for site_id, number, total in db.session.execute(
            select(SurveyResponse.site_id, func.count(SurveyAnswer.id), func.sum(SurveyAnswer.number))
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(*conditions, SurveyAnswer.number.is_not(None))
            .group_by(SurveyResponse.site_id)
        ).all()
    }
    scores = {}
    for site_id, responses in counts.items():
        number, total = ratings.get(site_id, (0, 0))
        scores[site_id] = SurveyScore(
            responses=responses,
            rating_answers=number,
            rating_total=int(total or 0),
            mean_rating=(int(total) / number) if number else None,
        )
    return scores


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _site_rows(template: SurveyTemplate, flt: ResultFilter) -> list[SiteRow]:
    scores = survey_scores(flt.site_ids, flt.date_from, flt.date_to, template_id=template.id)
    if not scores:
        return []
    sites = db.session.execute(
        select(Site.id, Site.name, Township.name)
        .join(Township, Township.id == Site.township_id)
        .where(Site.id.in_(list(scores)))
    ).all()
    sites.sort(key=lambda row: (place_sort_key(row[2]), place_sort_key(row[1]), row[0]))
    return [
        SiteRow(site_id, name, township, scores[site_id].responses, scores[site_id].mean_rating)
        for site_id, name, township in sites
    ]


def _rate(template: SurveyTemplate, flt: ResultFilter) -> tuple[bool, int, int]:
    """Whether the template ran at activities in scope, its responses there, and their guardians."""
    activity_ids = select(SurveyLink.activity_id).where(
        SurveyLink.template_id == template.id, SurveyLink.activity_id.is_not(None)
    )
    activity_conditions = [
        Activity.id.in_(activity_ids),
        Activity.site_id.in_(flt.site_ids),
        Activity.cancelled.is_(False),
    ]
    if flt.date_from:
        activity_conditions.append(Activity.on_date >= flt.date_from)
    if flt.date_to:
        activity_conditions.append(Activity.on_date <= flt.date_to)
    activities = db.session.execute(select(func.count(Activity.id)).where(*activity_conditions)).scalar_one()
    guardians = db.session.execute(
        select(func.count(AdultSignIn.id))
        .join(Activity, Activity.id == AdultSignIn.activity_id)
        .where(*activity_conditions, AdultSignIn.role == AdultRole.GUARDIAN, AdultSignIn.voided_at.is_(None))
    ).scalar_one()
    responses = db.session.execute(
        select(func.count(SurveyResponse.id)).where(
            *_conditions(flt, template.id), SurveyResponse.activity_id.is_not(None)
        )
    ).scalar_one()
    return activities > 0, responses, guardians


def _comments(template: SurveyTemplate, flt: ResultFilter) -> dict[int, list[CommentResult]]:
    query = (
        select(SurveyAnswer.id, SurveyAnswer.question_id, SurveyAnswer.text, SurveyAnswer.hidden_at, Site.name)
        .add_columns(SurveyResponse.on_date, Site.id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Site, Site.id == SurveyResponse.site_id)
        .where(*_conditions(flt, template.id), SurveyAnswer.text != "")
        .order_by(SurveyResponse.on_date.desc(), SurveyAnswer.id.desc())
    )
    if not flt.include_hidden:
        query = query.where(SurveyAnswer.hidden_at.is_(None))
    # The search runs over the text as this reader sees it, masked numbers masked: matched against
    # the stored text, searching 7123 would tell which 137****5678 hides 7123.
    search = flt.search.casefold()
    comments: dict[int, list[CommentResult]] = {}
    for answer_id, question_id, text, hidden_at, site_name, on_date, site_id in db.session.execute(query):
        shown = text if site_id in flt.full_phones_at else mask_phones_in(text)
        if search not in shown.casefold():
            continue
        comments.setdefault(question_id, []).append(
            CommentResult(answer_id, shown, site_name, on_date, hidden=hidden_at is not None)
        )
    return comments


def _question_result(
    question: SurveyQuestion,
    definition: QuestionDef,
    locale: str,
    counts: dict,
    answered: int,
    comments: list,
    hidden: int,
) -> QuestionResult:
    """One question's figures from its counts per value (rating number or choice key)."""
    options = [
        OptionResult(value, label, counts.get(value, 0), _share(counts.get(value, 0), answered))
        for value, label in question.choices(locale)
    ]
    mean = top_share = None
    if question.kind == QuestionKind.RATING and answered:
        mean = sum(int(option.value) * option.count for option in options) / answered
        top_share = sum(option.count for option in options if int(option.value) in TOP_RATINGS) / answered
    return QuestionResult(
        key=question.key,
        number=definition.number,
        kind=question.kind.value,
        kind_title=question.kind.title,
        title=definition.title,
        required=question.required,
        condition_hint=definition.condition_hint,
        answered=answered,
        options=options if not question.kind.is_text else [],
        mean=mean,
        top_share=top_share,
        comments=comments if question.kind.is_text else None,
        hidden=hidden,
    )


def survey_results(template: SurveyTemplate, flt: ResultFilter, locale: str) -> SurveyResults:
    conditions = _conditions(flt, template.id)
    per_version = dict(
        db.session.execute(
            select(SurveyResponse.version_id, func.count(SurveyResponse.id))
            .where(*conditions)
            .group_by(SurveyResponse.version_id)
        ).all()
    )
    value_counts: dict[int, dict[str, int]] = {}
    for question_id, number, choice, count in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.number, SurveyAnswer.choice, func.count(SurveyAnswer.id))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(*conditions, SurveyAnswer.text == "")
        .group_by(SurveyAnswer.question_id, SurveyAnswer.number, SurveyAnswer.choice)
    ):
        value = str(number) if number is not None else choice
        value_counts.setdefault(question_id, {})[value] = count
    answered_query = (
        select(SurveyAnswer.question_id, func.count(distinct(SurveyAnswer.response_id)))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(*conditions)
        .group_by(SurveyAnswer.question_id)
    )
    hidden = {}
    if flt.include_hidden:
        hidden = dict(db.session.execute(answered_query.where(SurveyAnswer.hidden_at.is_not(None))).all())
    else:
        # The printout lists no hidden comment, so it does not count one as answered either.
        answered_query = answered_query.where(SurveyAnswer.hidden_at.is_(None))
    answered = dict(db.session.execute(answered_query).all())
    comments = _comments(template, flt)
    current = template.current
    versions = []
    for version in reversed(template.versions):
        if not per_version.get(version.id) and version is not current:
            continue
        definitions = {d.key: d for d in question_defs(version.questions, locale)}
        questions = [
            _question_result(
                question,
                definitions[question.key],
                locale,
                value_counts.get(question.id, {}),
                answered.get(question.id, 0),
                comments.get(question.id, []),
                hidden.get(question.id, 0),
            )
            for question in version.questions
        ]
        versions.append(
            VersionResult(
                version.number, version.title(locale), version is current, per_version.get(version.id, 0), questions
            )
        )
    has_links, activity_responses, guardians = _rate(template, flt)
    return SurveyResults(
        template_id=template.id,
        title=current.title(locale),
        search=flt.search,
        responses=sum(per_version.values()),
        activity_responses=activity_responses,
        guardian_sign_ins=guardians,
        response_rate=_share(activity_responses, guardians) if has_links and activity_responses <= guardians else None,
        has_activity_links=has_links,
        more_responses_than_guardians=has_links and activity_responses > guardians,
        sites=_site_rows(template, flt),
        versions=versions,
    )
