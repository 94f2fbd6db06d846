"""A site's roster, kept by its manager: finding, adding and editing children.

Categories (留守, 困境 …) are set here and nowhere else, never on a public page. Children
are never deleted: a wrong one is rejected or merged from the review queue, or, added by
mistake, taken off the roster from its page (``review.take_off_roster``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from formsvc.accounts.models import User
from formsvc.attendance.models import ROSTER_STATUSES, Child, ChildCategory, ChildCategoryPeriod, ChildStatus, Relation
from formsvc.attendance.namesearch import name_matches, pinyin_sort_key
from formsvc.attendance.once import run_once
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.sites.models import Site
from formsvc.text import clean_name, clean_text, name_key


class RosterError(DomainError):
    code = "roster_error"


@dataclass(frozen=True)
class CategoryPeriodData:
    category: ChildCategory
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class ChildData:
    """What the manager's child form holds, as plain values."""

    name: str
    gender: str = ""
    birth_year: int | None = None
    grade: str = ""
    guardian_name: str = ""
    guardian_relation: Relation | None = None
    guardian_phone: str = ""
    # One entry per category the child has now; categories left out are removed.
    categories: tuple[CategoryPeriodData, ...] = field(default_factory=tuple)


def roster(site: Site, query: str = "", statuses: Iterable[ChildStatus] = ROSTER_STATUSES) -> list[Child]:
    """The site's children in pinyin order, filtered by name, pinyin or initials."""
    children = db.session.execute(
        select(Child)
        # Erased or purged children keep counting but have no name to list.
        .where(Child.site_id == site.id, Child.status.in_(tuple(statuses)), Child.purged_at.is_(None))
        .options(selectinload(Child.categories))
    ).scalars()
    found = [child for child in children if name_matches(child.name, query)]
    return sorted(found, key=lambda child: (pinyin_sort_key(child.name), child.id))


def roster_child(site: Site, child_id: int) -> Child | None:
    """A child of this site (any status), or None: ids of other sites are not found."""
    return db.session.execute(select(Child).where(Child.id == child_id, Child.site_id == site.id)).scalar_one_or_none()


def review_count(site: Site) -> int:
    return db.session.execute(
        select(func.count()).select_from(Child).where(Child.site_id == site.id, Child.status == ChildStatus.TO_REVIEW)
    ).scalar_one()


def same_name_on_roster(site: Site, name: str, *, other_than: int | None = None) -> Child | None:
    """An active or to-review child with the same name key (a likely duplicate), if any."""
    query = select(Child).where(
        Child.site_id == site.id, Child.name_key == name_key(name), Child.status.in_(ROSTER_STATUSES)
    )
    if other_than is not None:
        query = query.where(Child.id != other_than)
    return db.session.execute(query.order_by(Child.id).limit(1)).scalar_one_or_none()


def _check(data: ChildData) -> None:
    if not clean_text(data.name):
        raise RosterError(_("Please write the child's name."), code="name_required")
    seen = set()
    for period in data.categories:
        if period.category in seen:
            raise RosterError(_("Each category can be given once."), code="category_twice")
        seen.add(period.category)
        if period.since and period.until and period.until < period.since:
            raise RosterError(
                _("“{category}”: the end date is before the start date.").format(category=period.category.title),
                code="category_dates",
            )


def _apply_categories(child: Child, periods: tuple[CategoryPeriodData, ...]) -> None:
    """Set the latest period of each category; earlier (ended) periods are history and stay.

    A start date after the latest period's end begins a new period: the ended one stays, so
    the tallies of the months it covered do not change. Any other edit corrects the latest one.
    """
    wanted = {period.category: period for period in periods}
    latest: dict[ChildCategory, ChildCategoryPeriod] = {}
    for period in child.categories:  # ordered by id: later rows win
        latest[period.category] = period
    for category, period in latest.items():
        if category not in wanted:
            child.categories.remove(period)
    for category, data in wanted.items():
        period = latest.get(category)
        starts_anew = period is not None and period.until and data.since and data.since > period.until
        if period is None or starts_anew:
            child.categories.append(ChildCategoryPeriod(category=category, since=data.since, until=data.until))
        else:
            period.since, period.until = data.since, data.until


def _apply(child: Child, data: ChildData) -> None:
    child.name = clean_name(data.name)
    child.name_key = name_key(data.name)
    child.gender = data.gender or ""
    child.birth_year = data.birth_year
    child.grade = clean_text(data.grade)
    child.guardian_name = clean_name(data.guardian_name)
    child.guardian_relation = data.guardian_relation
    child.guardian_phone = data.guardian_phone or ""
    _apply_categories(child, data.categories)


def _summary(child: Child) -> dict:
    """What the audit log keeps of a child: no phone number, categories as plain strings."""
    return {
        "name": child.name,
        "status": str(child.status),
        "categories": [
            [str(p.category), p.since.isoformat() if p.since else None, p.until.isoformat() if p.until else None]
            for p in child.categories
        ],
    }


def _flush_child(child: Child) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(child)
            db.session.flush()
    except IntegrityError as error:
        # Only the to-review partial index can object: two new names that now read the same.
        raise RosterError(
            _("Another new child waiting for review has this name. Please review that one first."),
            code="duplicate_review_name",
        ) from error


def create_child(site: Site, data: ChildData, *, user: User, nonce: str) -> Child | None:
    """Add an active child to the roster, once per form; None when the form was sent before."""
    _check(data)
    return run_once(nonce, lambda _submission: add_child(site, data, user=user)).value


def add_child(site: Site, data: ChildData, *, user: User) -> Child:
    """Add an active child to the roster; the caller makes it happen once (a form's nonce, an import's file)."""
    _check(data)
    child = Child(site_id=site.id, status=ChildStatus.ACTIVE)
    _apply(child, data)
    _flush_child(child)
    record("child.create", user=user, site_id=site.id, target=f"child:{child.id}", **_summary(child))
    return child


def update_child(child: Child, data: ChildData, *, user: User) -> Child:
    if child.status not in ROSTER_STATUSES:
        raise RosterError(_("This child was merged or rejected and can no longer be changed."), code="not_editable")
    _check(data)
    before = _summary(child)
    _apply(child, data)
    _flush_child(child)
    record(
        "child.update",
        user=user,
        site_id=child.site_id,
        target=f"child:{child.id}",
        before=before,
        after=_summary(child),
    )
    return child
