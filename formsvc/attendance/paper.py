"""Typing in a signed paper sheet (签到表): one person per line, checked, then saved once.

Syntax, also explained on the page:

- children: one name per line (commas or 、 may separate several names on a line),
  perhaps followed by who signed the child in ("王小明 奶奶", "王小明（奶奶）", "王小明，奶奶");
  a line that starts with such a word (奶奶, 家长 …) has no name and must be corrected, and so
  must such a word after several names ("王小明、李思琪，奶奶": whose?);
- guardians: the name first (a line starting with 奶奶 or 家长 lacks it), then in any order
  a relation word (奶奶, 妈妈 …), a mobile number, a village (a word ending in 村, 社区,
  屯 …) and the child's name, separated by spaces or commas;
- volunteers: the name first, then a mobile number and the organisation or village;
- a word of digits is always the mobile number, never a name or a village: it may be written
  in groups (+86 138 1234 5678), and a line whose number is not an 11-digit mobile (or that
  has two) must be corrected. On the children's sheet a name with such a word is refused.

A name that is a roster child's name followed by other words ("吉𠮷 9岁", "蓝天天 外星人") is not
read as a new child: the line must be corrected (the check names the roster child). Nobody is
called "吉𠮷 9岁"; a new child whose name starts like a roster child's is added on the roster first.

A manager typing their own sheet is trusted: an unknown child's name is added to the roster
as an active child (not sent to the review queue). People already signed in are skipped,
and a name written twice counts once.

Except a new name that looks like a child on the roster (农丽平 typed, 农丽萍 listed; see
``review.likely_slip``). The check page names that child so the line can be corrected
before saving, and if it is saved as it is, the new child waits in the review queue instead
of going straight onto the roster. The trust above is about whether a child exists (review's
"reject" is for pranks on the public form, which a manager's own sheet is not); it says
nothing about a slip of the keyboard, and merging a misspelt name into the child it really
is can only be done in the review queue: an active duplicate would count as a second child
(人数) for good. A real second child with a similar name costs one "confirm" there, and
their visits count all the same while they wait.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, ChildStatus, Source, Submission
from formsvc.attendance.once import Once, moment_within, run_once
from formsvc.attendance.paper_syntax import ParsedLine, parse_sheet, shorter_names
from formsvc.attendance.review import likely_slip
from formsvc.attendance.roster import roster
from formsvc.attendance.services import (
    _active_adult_signin,
    _active_attendance,
    activity_as_committed,
    check_on_roster_as_committed,
    match_roster,
    submission_by_nonce,
)
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.text import name_key
from formsvc.timeutil import local_today

# Sheets of one month are often typed in during the next; older activities may already be
# in a printed, stamped tally.
PAPER_LATE_DAYS = 62
ROLES = {Audience.GUARDIANS: AdultRole.GUARDIAN, Audience.VOLUNTEERS: AdultRole.VOLUNTEER}


class PaperError(DomainError):
    code = "paper_error"


class LineStatus(enum.StrEnum):
    ON_ROSTER = "on_roster"
    NEW = "new"
    ALREADY_SIGNED_IN = "already_signed_in"
    REPEATED = "repeated"
    INVALID = "invalid"


@dataclass(frozen=True)
class PreviewLine:
    parsed: ParsedLine
    status: LineStatus
    child: Child | None = None
    # A new child's look-alikes on the roster: the child the line probably meant.
    look_alikes: tuple[Child, ...] = ()
    # The roster's name the line is recorded for, when it differs: a name merged into another
    # child leads to that child (覃海艳 written, 覃海燕 signed in).
    recorded_as: str = ""

    @property
    def writes(self) -> bool:
        return self.status in (LineStatus.ON_ROSTER, LineStatus.NEW)

    @property
    def to_review(self) -> bool:
        """A new child saved for the review queue, where a misspelling can still be merged."""
        return self.status == LineStatus.NEW and bool(self.look_alikes)


@dataclass
class PaperPreview:
    audience: Audience
    lines: list[PreviewLine] = field(default_factory=list)

    def count(self, *statuses: LineStatus) -> int:
        return sum(1 for line in self.lines if line.status in statuses)

    @property
    def to_write(self) -> int:
        return self.count(LineStatus.ON_ROSTER, LineStatus.NEW)

    @property
    def new_children(self) -> int:
        """New children who join the roster; those waiting for review are ``for_review``."""
        if self.audience != Audience.CHILDREN:
            return 0
        return sum(1 for line in self.lines if line.status == LineStatus.NEW and not line.to_review)

    @property
    def for_review(self) -> int:
        return sum(1 for line in self.lines if line.to_review)

    @property
    def skipped(self) -> int:
        return self.count(LineStatus.ALREADY_SIGNED_IN, LineStatus.REPEATED)

    @property
    def invalid(self) -> int:
        return self.count(LineStatus.INVALID)


def paper_digest(audience: str, text: str) -> str:
    """Ties a save to the exact list that was checked: edit the text, and it must be checked again."""
    lines = "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())
    return hashlib.sha256(f"{audience}\n{lines}".encode()).hexdigest()[:32]


def check_paper_open(activity: Activity, audience: Audience, now: datetime | None = None) -> None:
    today = local_today(now)
    if activity.cancelled:
        raise PaperError(_("This activity has been cancelled."), code="cancelled")
    if audience not in activity.audiences:
        raise PaperError(_("This activity does not take this kind of sign-in."), code="wrong_audience")
    if activity.on_date > today:
        raise PaperError(_("Paper sheets can be entered from the day of the activity."), code="not_yet")
    if activity.on_date < today - timedelta(days=PAPER_LATE_DAYS):
        raise PaperError(
            _("Paper sheets can be entered up to {days} days after an activity; this one is older.").format(
                days=PAPER_LATE_DAYS
            ),
            code="too_late",
        )


def _classify(
    activity: Activity, audience: Audience, parsed: ParsedLine, seen: set[str], listed: list[Child]
) -> PreviewLine:
    if parsed.problem:
        return PreviewLine(parsed, LineStatus.INVALID)
    key = name_key(parsed.name)
    if key in seen:
        return PreviewLine(parsed, LineStatus.REPEATED)
    seen.add(key)
    if audience == Audience.CHILDREN:
        child = match_roster(activity.site, parsed.name)
        if child is None and (problem := _words_after_a_roster_name(activity, parsed.name)):
            return PreviewLine(replace(parsed, problem=problem), LineStatus.INVALID)
        if child is None:
            alike = tuple(other for other in listed if other.name and likely_slip(parsed.name, other.name))
            return PreviewLine(parsed, LineStatus.NEW, look_alikes=alike)
        status = LineStatus.ALREADY_SIGNED_IN if _active_attendance(activity, child) else LineStatus.ON_ROSTER
        recorded_as = child.name if child.name_key != key else ""
        return PreviewLine(parsed, status, child, recorded_as=recorded_as)
    child = match_roster(activity.site, parsed.child_name) if parsed.child_name else None
    if _active_adult_signin(activity, ROLES[audience], parsed.name):
        return PreviewLine(parsed, LineStatus.ALREADY_SIGNED_IN, child)
    return PreviewLine(parsed, LineStatus.NEW, child)


def _words_after_a_roster_name(activity: Activity, name: str) -> str:
    """What is wrong with a new name that is a roster child's name and more ("吉𠮷 9岁"); empty if none.

    Saved as typed it would add a child called "吉𠮷 9岁" to the roster, and no look-alike check
    catches it: the words after the name (an age, a note) are never a relation, or the line
    would have read them as who signed.
    """
    for shorter, words in shorter_names(name):
        child = match_roster(activity.site, shorter)
        if child is not None:
            return _(
                "Not understood: “{words}” after the name. If this is {name} on the roster, write only the"
                " name; a new child whose name starts the same way is added on the roster page first."
            ).format(words=words, name=child.name)
    return ""


def classify_lines(activity: Activity, audience: Audience, parsed: list[ParsedLine]) -> PaperPreview:
    """Sort lines read from a sheet (typed in or uploaded) into new, on the roster, skipped, invalid."""
    seen: set[str] = set()
    # The children a new name is compared with: active ones and those already waiting for review.
    listed = roster(activity.site) if audience == Audience.CHILDREN else []
    return PaperPreview(audience, [_classify(activity, audience, line, seen, listed) for line in parsed])


def preview_paper(activity: Activity, audience: Audience, text: str, now: datetime | None = None) -> PaperPreview:
    check_paper_open(activity, audience, now)
    parsed = parse_sheet(text, audience)
    if not parsed:
        raise PaperError(_("Please type at least one name."), code="empty")
    return classify_lines(activity, audience, parsed)


@dataclass(frozen=True)
class PaperResult:
    preview: PaperPreview | None
    written: int = 0
    repeated: bool = False


def _write_child(
    activity: Activity, line: PreviewLine, *, user: User | None, moment: datetime, created: list[int]
) -> int | None:
    child = line.child or match_roster(activity.site, line.parsed.name) or _new_child(activity, line, created)
    attendance = Attendance(
        activity_id=activity.id,
        child_id=child.id,
        signed_by=line.parsed.signed_by,
        source=Source.PAPER,
        signed_in_at=moment,
        recorded_by_id=getattr(user, "id", None),
    )
    written = _insert(attendance)
    if written is not None:
        check_on_roster_as_committed(child)  # taken off the roster since the sheet was checked: refused
    return written


def _new_child(activity: Activity, line: PreviewLine, created: list[int]) -> Child:
    name = line.parsed.name
    status = ChildStatus.TO_REVIEW if line.to_review else ChildStatus.ACTIVE
    child = Child(site_id=activity.site_id, name=name, name_key=name_key(name), status=status)
    try:
        with db.session.begin_nested():
            db.session.add(child)
            db.session.flush()
    except IntegrityError:
        # A phone put the same new name up for review a moment ago (one review entry per name).
        existing = match_roster(activity.site, name)
        if existing is None:
            raise
        return existing
    created.append(child.id)
    return child


def _write_adult(
    activity: Activity, line: PreviewLine, role: AdultRole, *, user: User | None, moment: datetime
) -> int | None:
    parsed = line.parsed
    signin = AdultSignIn(
        activity_id=activity.id,
        role=role,
        name=parsed.name,
        name_key=name_key(parsed.name),
        relation=parsed.relation,
        phone=parsed.phone,
        village=parsed.village,
        child_name=parsed.child_name,
        child_id=line.child.id if line.child else None,
        source=Source.PAPER,
        signed_in_at=moment,
        recorded_by_id=getattr(user, "id", None),
    )
    return _insert(signin)


def _insert(item) -> int | None:
    """Insert one record; None when the same person signed in by QR a moment ago."""
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:
        return None
    return item.id


def write_paper_lines(
    activity: Activity, preview: PaperPreview, *, user: User | None, moment: datetime, now: datetime
) -> tuple[list[int], list[int]]:
    """Write the lines of a checked preview as paper records; the ids of the records and new children.

    A line whose person signed in by QR since the check is skipped (not in the ids). ``user``
    is None for the command line. The sheet is checked again once written (``now``): an activity
    cancelled or moved since the check refuses it.
    """
    created: list[int] = []
    ids = []
    for line in preview.lines:
        if not line.writes:
            continue
        if preview.audience == Audience.CHILDREN:
            ids.append(_write_child(activity, line, user=user, moment=moment, created=created))
        else:
            ids.append(_write_adult(activity, line, ROLES[preview.audience], user=user, moment=moment))
    written = [record_id for record_id in ids if record_id is not None]
    if written:
        check_paper_open(activity_as_committed(activity), preview.audience, now)
    return written, created


def enter_paper(
    activity: Activity, audience: Audience, text: str, *, nonce: str, user: User, now: datetime | None = None
) -> PaperResult:
    """Save a checked sheet, once per nonce. The text is checked again: the preview is not trusted."""
    now = now or utcnow()
    if submission_by_nonce(nonce) is not None:
        return PaperResult(None, repeated=True)
    preview = preview_paper(activity, audience, text, now)
    if preview.invalid:
        raise PaperError(_("Some lines could not be read. Please correct them first."), code="invalid_lines")
    moment = moment_within(activity, now)

    def work(_submission: Submission) -> int:
        written, created = write_paper_lines(activity, preview, user=user, moment=moment, now=now)
        record(
            "paper.enter",
            user=user,
            site_id=activity.site_id,
            target=f"activity:{activity.id}",
            audience=str(audience),
            records=written,
            new_children=created,
            skipped=preview.skipped + preview.to_write - len(written),
        )
        return len(written)

    once: Once[int] = run_once(nonce, work)
    if once.repeated:
        return PaperResult(None, repeated=True)
    return PaperResult(preview, written=once.value or 0)


def with_review_count(message: str, for_review: int) -> str:
    """A saved sheet's message, and how many new names wait in the review queue: they are not on
    the roster yet, and "new on the roster" counted them as if they were."""
    if not for_review:
        return message
    return message + " " + _("Waiting in the review queue: {count}.").format(count=for_review)
