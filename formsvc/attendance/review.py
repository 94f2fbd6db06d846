"""The review queue: children created by public sign-ins whose name matched nobody, and new
names from a paper sheet that look like a child already on the roster (``attendance.paper``).

The manager confirms such a child (a new child on the roster), merges them into the child
they really are (a typo, a nickname), or rejects them (a prank, a test). Each action is one
transaction with one audit entry; the child row is locked first, so two managers acting on
the same entry at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from formsvc.accounts.models import User
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildStatus
from formsvc.attendance.namesearch import pinyin_sort_key, search_keys
from formsvc.attendance.roster import ROSTER_STATUSES, roster
from formsvc.attendance.voiding import REASON_MAX, VOID_REASON_MERGED, VOID_REASON_REJECTED
from formsvc.audit.services import record
from formsvc.database import hold_write_lock
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.privacy.consent import move_consents
from formsvc.sites.models import Site
from formsvc.text import clean_text, name_key


class ReviewError(DomainError):
    code = "review_error"


@dataclass(frozen=True)
class ReviewEntry:
    child: Child
    attendance_count: int
    last_seen: datetime | None
    # Active children whose name or initials look alike: the likely merge targets, first.
    suggestions: list[Child]
    # The same name was rejected here before: when, and why (the reason its sign-ins were voided).
    rejected_before: tuple[datetime, str] | None = None

    @property
    def likely_target(self) -> Child | None:
        """The child the merge form offers chosen: the one suggestion, or of several the only one a
        slip of the keyboard explains (王晓明 for 王小明 beside 吴晓梅). The manager still merges."""
        if len(self.suggestions) == 1:
            return self.suggestions[0]
        slips = [other for other in self.suggestions if likely_slip(self.child.name, other.name)]
        return slips[0] if len(slips) == 1 else None


def looks_alike(a: str, b: str) -> bool:
    """Whether two names may be the same child written two ways: a typo, a homophone, a nickname.

    They share a search key (the name, its pinyin or its initials: 农丽萍 / 农丽平), or their
    last two characters (王小明 / 汪小明). Loose on purpose: it only suggests, a person decides.
    """
    keys_a, keys_b = set(search_keys(a).split(" ")), set(search_keys(b).split(" "))
    return bool(keys_a & keys_b) or (len(a) > 1 and len(b) > 1 and a[-2:] == b[-2:])


def likely_slip(a: str, b: str) -> bool:
    """Whether a name typed from paper is most likely a slip for a roster name, not a new child.

    The same sound (农丽平 / 农丽萍, the same pinyin), or the same surname and length with one
    other character changed (王晓明 / 王小明). Stricter than ``looks_alike``: a slip sends the
    name to the review queue, and initials alone (吴晓梅 / 王小明) or a shared given name in
    another family (李小明 / 王小明) flagged one new child in five at a larger home.
    """
    key_a, key_b = name_key(a), name_key(b)
    if key_a == key_b:
        return False  # the same name: the roster's child itself
    if name_key(pinyin_sort_key(a)) == name_key(pinyin_sort_key(b)):
        return True
    if len(key_a) != len(key_b) or len(key_a) < 2 or key_a[0] != key_b[0]:
        return False
    return sum(1 for x, y in zip(key_a, key_b, strict=True) if x != y) == 1


def review_queue(site: Site) -> tuple[list[ReviewEntry], list[Child]]:
    """The children waiting for review, and the active roster to merge them into."""
    waiting = roster(site, statuses=(ChildStatus.TO_REVIEW,))
    active = roster(site, statuses=(ChildStatus.ACTIVE,))
    stats = {}
    if waiting:
        stats = {
            child_id: (count, last)
            for child_id, count, last in db.session.execute(
                select(Attendance.child_id, func.count(Attendance.id), func.max(Attendance.signed_in_at))
                .where(Attendance.child_id.in_([child.id for child in waiting]), Attendance.voided_at.is_(None))
                .group_by(Attendance.child_id)
            )
        }
    rejected = _rejected_before(site, {child.name_key for child in waiting})
    entries = []
    for child in waiting:
        count, last = stats.get(child.id, (0, None))
        # A paper slip waits here because likely_slip flagged it: that child is suggested too.
        suggestions = [
            other for other in active if looks_alike(child.name, other.name) or likely_slip(child.name, other.name)
        ]
        entries.append(ReviewEntry(child, count, last, suggestions, rejected.get(child.name_key)))
    entries.sort(key=lambda entry: (entry.last_seen is None, pinyin_sort_key(entry.child.name)))
    return entries, active


def _rejected_before(site: Site, name_keys: set[str]) -> dict[str, tuple[datetime, str]]:
    """For each name key, the latest rejection of a child of that name at ``site``: a name the
    manager rejected that a grandparent signs in again comes back, and she should know."""
    if not name_keys:
        return {}
    rows = db.session.execute(
        select(Child.name_key, Child.updated_at, Attendance.void_reason)
        .outerjoin(Attendance, Attendance.child_id == Child.id)
        .where(Child.site_id == site.id, Child.status == ChildStatus.REJECTED, Child.name_key.in_(name_keys))
        .order_by(Child.updated_at, Attendance.voided_at)
    ).all()
    return {key: (when, reason or "") for key, when, reason in rows}  # the latest wins


def _locked(child: Child) -> Child:
    """The child's row, locked while a review action checks it and changes it.

    A writer of an attendance checks the child's status again once it has written
    (``services.check_on_roster_as_committed``): either its record is seen here (and counted,
    moved or voided), or it waits and then sees the child reviewed. SQLite has no row locks;
    its write lock, taken first, does the same.
    """
    hold_write_lock(db.session)
    return db.session.execute(
        select(Child).where(Child.id == child.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _waiting(child: Child) -> Child:
    child = _locked(child)
    if child.status != ChildStatus.TO_REVIEW:
        raise ReviewError(
            _("{name} has already been reviewed ({status}).").format(name=child.name, status=child.status.title),
            code="not_to_review",
        )
    return child


def confirm_child(child: Child, *, user: User) -> Child:
    child = _waiting(child)
    child.status = ChildStatus.ACTIVE
    record("child.confirm", user=user, site_id=child.site_id, target=f"child:{child.id}", name=child.name)
    db.session.flush()
    return child


@dataclass(frozen=True)
class MergeResult:
    moved: int
    voided: int


def _void(attendance: Attendance, *, user: User, reason: str, now: datetime) -> None:
    attendance.voided_at = now
    attendance.void_reason = reason
    attendance.voided_by_id = user.id


def _target_has(attendance: Attendance, target: Child) -> bool:
    return (
        db.session.execute(
            select(Attendance.id).where(
                Attendance.activity_id == attendance.activity_id,
                Attendance.child_id == target.id,
                Attendance.voided_at.is_(None),
            )
        ).first()
        is not None
    )


def _move(attendance: Attendance, target: Child, *, user: User, now: datetime) -> bool:
    """Give ``attendance`` to ``target``; void it instead when the target was already there."""
    if not _target_has(attendance, target):
        try:
            with db.session.begin_nested():
                attendance.child_id = target.id
                db.session.flush()
            return True
        except IntegrityError:
            # The target signed in to the same activity a moment ago: now it is a duplicate.
            db.session.refresh(attendance)
    _void(attendance, user=user, reason=VOID_REASON_MERGED, now=now)
    return False


def merge_child(child: Child, target: Child, *, user: User, now: datetime | None = None) -> MergeResult:
    """Merge a to-review child into an active child of the same site."""
    now = now or utcnow()
    if target.id == child.id or target.site_id != child.site_id:
        raise ReviewError(_("Please choose another child of this Children's Home."), code="bad_target")
    child = _waiting(child)
    target = _locked(target)
    if target.status != ChildStatus.ACTIVE:
        raise ReviewError(_("Please choose a child who is on the roster."), code="bad_target")
    attendances = db.session.execute(
        select(Attendance)
        .where(Attendance.child_id == child.id, Attendance.voided_at.is_(None))
        .order_by(Attendance.id)
    ).scalars()
    moved = voided = 0
    for attendance in list(attendances):
        if _move(attendance, target, user=user, now=now):
            moved += 1
        else:
            voided += 1
    relinked = db.session.execute(select(AdultSignIn).where(AdultSignIn.child_id == child.id)).scalars()
    for signin in relinked:
        signin.child_id = target.id
    move_consents(child, target)
    child.status = ChildStatus.MERGED
    child.merged_into_id = target.id
    record(
        "child.merge",
        user=user,
        site_id=child.site_id,
        target=f"child:{child.id}",
        name=child.name,
        merged_into=target.id,
        merged_into_name=target.name,
        moved=moved,
        voided=voided,
    )
    db.session.flush()
    return MergeResult(moved=moved, voided=voided)


def reject_child(child: Child, *, user: User, reason: str = "", now: datetime | None = None) -> int:
    """Reject a to-review child; their attendance no longer counts. Returns how many were voided."""
    now = now or utcnow()
    child = _waiting(child)
    reason = clean_text(reason)[:REASON_MAX] or VOID_REASON_REJECTED
    attendances = db.session.execute(
        select(Attendance).where(Attendance.child_id == child.id, Attendance.voided_at.is_(None))
    ).scalars()
    voided = 0
    for attendance in list(attendances):
        _void(attendance, user=user, reason=reason, now=now)
        voided += 1
    child.status = ChildStatus.REJECTED
    record("child.reject", user=user, site_id=child.site_id, target=f"child:{child.id}", name=child.name, reason=reason)
    db.session.flush()
    return voided


def counted_visits(child: Child) -> int:
    """The child's sign-ins that count (not voided)."""
    return db.session.execute(
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.child_id == child.id, Attendance.voided_at.is_(None))
    ).scalar_one()


def take_off_roster(child: Child, *, user: User, reason: str) -> Child:
    """Take a child added by mistake off the roster (a slip at roll-call is saved as active, not to review).

    The child becomes rejected, as from the review queue: no longer listed, matched or offered
    for a merge, and never deleted. Refused while a sign-in of theirs counts, so that no visit
    stops counting unseen: those are voided one by one first, each with its reason.
    """
    child = _locked(child)
    if child.status not in ROSTER_STATUSES:
        raise ReviewError(
            _("{name} is no longer on the roster ({status}).").format(name=child.name, status=child.status.title),
            code="not_on_roster",
        )
    reason = clean_text(reason)[:REASON_MAX]
    if not reason:
        raise ReviewError(_("Please say why this child is taken off the roster."), code="reason_required")
    visits = counted_visits(child)
    if visits:
        raise ReviewError(
            _(
                "{name} has sign-ins that count ({count}), so they stay on the roster. If they were added by "
                "mistake, void those sign-ins first on the day page of each activity."
            ).format(name=child.name, count=visits),
            code="has_visits",
        )
    child.status = ChildStatus.REJECTED
    record(
        "child.take_off", user=user, site_id=child.site_id, target=f"child:{child.id}", name=child.name, reason=reason
    )
    db.session.flush()
    return child
