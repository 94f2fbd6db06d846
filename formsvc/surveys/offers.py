"""What the public pages offer: the surveys open at a home now, the one a guardian's receipt
asks, when a survey not yet open opens, and which of them this phone has answered.

Whether a link is open, and answering it, live in ``surveys.answering``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultRole, Submission
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.surveys.answering import answered_on_device, closed_reason, link_window, may_answer, survey_locale
from formsvc.surveys.models import SurveyLink
from formsvc.timeutil import local_today


@dataclass(frozen=True)
class OpenSurvey:
    """A survey a person can answer now, as a big button shows it."""

    token: str
    title: str


def _open_survey(link: SurveyLink, locale: str) -> OpenSurvey:
    return OpenSurvey(link.public_token, link.template.current.title(locale))


def open_surveys_at_site(
    site: Site,
    *,
    now: datetime | None = None,
    locale: str | None = None,
    attended: Collection[int] = (),
) -> list[OpenSurvey]:
    """Site surveys and the surveys of today's (and last night's) activities that are open now.

    The survey of a scan-only activity is offered only to a phone that signed in to it
    (``attended``, see ``may_answer``): anyone else would only be turned away.

    One button per survey: a template asked at the site and after one of its activities is
    offered through the site survey (always open, and for anyone who comes by), so the
    activity's link stays the one its signed-in guardians get on their receipt. A template
    asked after two activities is offered through the latest one.
    """
    now = now or utcnow()
    locale = locale or survey_locale()
    if not site.active:
        return []
    today = local_today(now)
    links = db.session.execute(
        select(SurveyLink)
        .outerjoin(Activity, Activity.id == SurveyLink.activity_id)
        .where(
            SurveyLink.site_id == site.id,
            SurveyLink.stopped_at.is_(None),
            (SurveyLink.activity_id.is_(None)) | (Activity.on_date.between(today - timedelta(days=1), today)),
        )
        .order_by(SurveyLink.activity_id.is_(None), Activity.opens_at.desc(), SurveyLink.id)
    ).scalars()
    open_links = [link for link in links if closed_reason(link, now) is None and may_answer(link, attended)]
    at_site = {link.template_id for link in open_links if link.activity_id is None}
    offered: dict[int, SurveyLink] = {}
    for link in open_links:
        if link.activity_id is not None and link.template_id in at_site:
            continue
        offered.setdefault(link.template_id, link)
    return [_open_survey(link, locale) for link in offered.values()]


@dataclass(frozen=True)
class ReceiptSurvey:
    """What the receipt of a guardian's sign-in says of the activity's survey."""

    surveys: list[OpenSurvey]  # the survey, while it is open
    opens: datetime | None = None  # when it opens, while it has not yet


def receipt_survey(
    submission: Submission,
    *,
    now: datetime | None = None,
    locale: str | None = None,
    attended: Collection[int] = (),
) -> ReceiptSurvey:
    """The activity's survey on a guardian's receipt: offered while open; before it opens, when.

    A grandmother signing in at 14:00 for a lecture whose survey opens at 19:45 is told to come
    back to her receipt then. A receipt's address can be forwarded too: a scan-only activity's
    survey is offered only on a phone that signed in to it (``attended``).
    """
    link = _guardians_link(submission)  # a stopped link is not found
    if link is None or not may_answer(link, attended):
        return ReceiptSurvey([])
    now = now or utcnow()
    if closed_reason(link, now) is None:
        return ReceiptSurvey([_open_survey(link, locale or survey_locale())])
    if link.activity.cancelled or not link.site.active:
        return ReceiptSurvey([])
    opens, _closes = link_window(link)
    return ReceiptSurvey([], opens if opens > now else None)


def _guardians_link(submission: Submission) -> SurveyLink | None:
    """The survey asked after the activity of a guardian's sign-in (none for a child or a volunteer)."""
    signin = submission.adult_signin
    if signin is None or signin.role != AdultRole.GUARDIAN:
        return None
    return db.session.execute(
        select(SurveyLink).where(SurveyLink.activity_id == signin.activity_id, SurveyLink.stopped_at.is_(None))
    ).scalar_one_or_none()


def answered_here(site: Site, key: str | None, now: datetime | None = None) -> frozenset[str]:
    """The tokens of the surveys asked at ``site`` that this phone (``key``) has answered, so the
    poster page and the receipt show them as answered instead of offering them again."""
    if not key:
        return frozenset()
    links = db.session.execute(
        select(SurveyLink).where(SurveyLink.site_id == site.id, SurveyLink.stopped_at.is_(None))
    ).scalars()
    return frozenset(link.public_token for link in links if answered_on_device(link, key, now))
