"""Keeping personal data no longer than needed: anonymise old records, keep their counts.

Counts in tallies come from rows, not from names: an anonymised attendance still counts as a
child participation, and an anonymised child (same row, same id) still counts once as a
distinct child and in its categories. Only what identifies a person is removed.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import String, Text, cast, exists, func, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.attendance.voiding import SYSTEM_REASONS
from formsvc.audit.models import AuditEntry
from formsvc.audit.services import record
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.surveys.models import SurveyAnswer, SurveyResponse
from formsvc.text import ERASED, replace_phones
from formsvc.timeutil import local_to_utc

_PERIOD = re.compile(r"^\s*(\d{1,3})\s*([ymd])\s*$")


def parse_period(text: str) -> tuple[int, str]:
    """'3y', '18m', '400d' → (3, 'y') …; refuses anything else."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise DomainError(_("Write the period as a number and y, m or d, e.g. 3y."), code="bad_period")
    return int(match.group(1)), match.group(2)


def is_shorter_than_retention(today: date, period: str, retention: str) -> bool:
    """True when ``period`` keeps less than ``retention``: "3d" for "3y" is a typo that would
    anonymise nearly everything, so the command line asks for an explicit flag."""
    return cutoff_before(today, period) > cutoff_before(today, retention)


def cutoff_before(today: date, period: str) -> date:
    """The first day that is kept: records of activities before it are anonymised."""
    number, unit = parse_period(period)
    if unit == "d":
        return date.fromordinal(today.toordinal() - number)
    months = number * 12 if unit == "y" else number
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    # The same day of the month; only a day that month lacks (31 April, 29 February in a
    # common year) becomes its last day.
    day = min(today.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class PurgePlan:
    cutoff: date
    adult_signins: int
    children: int
    # Free-text reasons of voided records from before the cutoff (they may name anyone).
    void_reasons: int = 0


def _old_adult_signins(cutoff: date):
    return (
        select(AdultSignIn.id)
        .join(Activity, Activity.id == AdultSignIn.activity_id)
        .where(Activity.on_date < cutoff, AdultSignIn.purged_at.is_(None))
    )


def _old_children(cutoff: date):
    """Children whose personal details have outlived the retention period.

    What counts is when the child last took part: a child seen at an activity on or after the
    cutoff is kept, one whose visits are all before it is anonymised, whenever the row was
    typed in. A child imported today from a 2023 ledger has been gone for as long as the
    ledger says; keeping their name for another period would undo the purge for every old
    ledger imported. Only a child with no visit at all (added to the roster, not yet come)
    is timed from the day they were added. Editing the roster entry does not count as taking
    part: correcting a name or a category must not keep a child who stopped coming.
    """
    visits = select(Attendance.id).join(Activity, Activity.id == Attendance.activity_id)
    recent = visits.where(Attendance.child_id == Child.id, Activity.on_date >= cutoff)
    any_visit = select(Attendance.id).where(Attendance.child_id == Child.id)
    added_before = Child.created_at < local_to_utc(cutoff, time(0, 0))
    return select(Child.id).where(Child.purged_at.is_(None), ~exists(recent), or_(exists(any_visit), added_before))


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def plan_purge(today: date, period: str) -> PurgePlan:
    cutoff = cutoff_before(today, period)
    return PurgePlan(
        cutoff=cutoff,
        adult_signins=_count(_old_adult_signins(cutoff)),
        children=_count(_old_children(cutoff)),
        void_reasons=sum(_count(_old_void_reasons(model, cutoff)) for model in (Attendance, AdultSignIn)),
    )


# Reasons left as they are: none, already erased, or the app's own (stored in English, shown
# translated), which name no one.
_KEPT_REASONS = ("", ERASED, *SYSTEM_REASONS)


def _old_void_reasons(model, cutoff: date):
    """Records of activities before the cutoff whose void reason someone wrote.

    A reason is the manager's own words ("陆一鸣那天生病没来，奶奶打电话13977778888说的"): it
    can name the child, a guardian who is on no roster, a phone number. No list of names finds
    them all, so the whole reason goes, as it does from audit entries of that age.
    """
    return (
        select(model.id)
        .join(Activity, Activity.id == model.activity_id)
        .where(Activity.on_date < cutoff, model.void_reason.not_in(_KEPT_REASONS))
    )


def purge(today: date, period: str, now: datetime) -> PurgePlan:
    """Anonymise what ``plan_purge`` names; the caller commits and writes the audit entry."""
    plan = plan_purge(today, period)
    db.session.execute(
        update(AdultSignIn)
        .where(AdultSignIn.id.in_(_old_adult_signins(plan.cutoff)))
        .values(
            name="",
            name_key="purged:" + func.cast(AdultSignIn.id, String),
            phone="",
            # Typed by the guardian or volunteer: a village, but the field takes any text.
            village="",
            child_name="",
            purged_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Child)
        .where(Child.id.in_(_old_children(plan.cutoff)))
        .values(**CHILD_PERSONAL_FIELDS, name_key="purged:" + func.cast(Child.id, String), purged_at=now)
        .execution_options(synchronize_session=False)
    )
    for model in (Attendance, AdultSignIn):
        db.session.execute(
            update(model)
            .where(model.id.in_(_old_void_reasons(model, plan.cutoff)))
            .values(void_reason=ERASED)
            .execution_options(synchronize_session=False)
        )
    _scrub_old_audit(plan.cutoff)
    db.session.flush()
    return plan


def _scrub_old_audit(cutoff: date) -> None:
    """Entries from before the cutoff keep who did what, when and where, but no one's details.

    The records they were about are anonymised by the same purge; their names must not
    outlive them in the log.
    """
    before = local_to_utc(cutoff, time(0, 0))
    for entry in db.session.execute(select(AuditEntry).where(AuditEntry.at < before)).scalars():
        _rewrite_details(entry, _scrubbed(entry.details, set(), personal_keys=AUDIT_PERSONAL_KEYS))


# What identifies a child, as it is left after a purge or an erasure. The gender and the
# categories stay: they identify no one alone, and the tallies count by them.
CHILD_PERSONAL_FIELDS = {
    "name": "",
    "birth_year": None,
    "grade": "",
    "guardian_name": "",
    "guardian_relation": None,
    "guardian_phone": "",
}


# What an audit entry's details may hold about a person: a child's fields, a guardian's or a
# volunteer's sign-in, and free text that may name someone.
AUDIT_PERSONAL_KEYS = frozenset(CHILD_PERSONAL_FIELDS) | {"phone", "child_name", "village", "reason", "before", "after"}


def erase_child(child: Child, *, user, now: datetime | None = None) -> int:
    """Erase what identifies ``child`` because the family asked (the rules page promises it).

    The child's row stays, anonymous, so the visits keep counting as before; guardians'
    sign-ins that named the child lose that name. Children merged into this one were the
    same child under another spelling: they are erased too. Void reasons and survey answers
    lose the child's names, like earlier audit entries, which keep what happened but no
    longer say to whom; the erase entry names no one. All of it is one transaction, the
    caller's. Returns how many guardian sign-ins named the child.
    """
    children = [child, *_merged_into(child)]
    child_ids = [one.id for one in children]
    linked = list(db.session.execute(select(AuditEntry).where(_about(child_ids))).scalars())
    names, guardians = _names_and_guardians(children, linked)
    for one in children:
        for name, value in CHILD_PERSONAL_FIELDS.items():
            setattr(one, name, value)
        one.name_key = f"purged:{one.id}"
        one.purged_at = now or utcnow()
    named = db.session.execute(
        update(AdultSignIn)
        .where(AdultSignIn.child_id.in_(child_ids))
        .values(child_name="")
        .execution_options(synchronize_session=False)
    ).rowcount
    _scrub_void_reasons(child_ids, names=names, guardians=guardians)
    _scrub_survey_answers({one.site_id for one in children}, names=names)
    _scrub_audit(linked, names=names, guardians=guardians)
    record("child.erase", user=user, site_id=child.site_id, target=f"child:{child.id}", guardian_signins=named)
    db.session.flush()
    return named


def _names_and_guardians(children: list[Child], linked: list[AuditEntry]) -> tuple[set[str], set[str]]:
    """Every name the children had (those before a rename too, from the audit entries about
    them), and their guardians' names and phones."""
    names = {one.name for one in children} | {
        value for entry in linked for value in _values_under(entry.details, {"name"})
    }
    guardians = {value for one in children for value in (one.guardian_name, one.guardian_phone)} | {
        value for entry in linked for value in _values_under(entry.details, {"guardian_name", "guardian_phone"})
    }
    return names - {""}, guardians - {""}


def _without_phones(text: str) -> str:
    return replace_phones(text, lambda _digits: ERASED)


def _scrub_void_reasons(child_ids: list[int], *, names: set[str], guardians: set[str]) -> None:
    """Take the erased children out of void reasons, which managers write in their own words.

    The children's own visits, and guardians' sign-ins that named them, lose the child's
    names, the guardian's name and phone, and any other mobile number (whoever phoned about
    this child). Any other voided record whose reason names the child (an aunt's sign-in
    "替王小明签错了") loses the name only, the same as the audit entries of those voids.
    """
    for model, linked_to_child in (
        (Attendance, Attendance.child_id.in_(child_ids)),
        (AdultSignIn, AdultSignIn.child_id.in_(child_ids)),
    ):
        mentions = [model.void_reason.contains(name, autoescape=True) for name in names]
        rows = db.session.execute(
            select(model, linked_to_child).where(
                model.void_reason != "", or_(linked_to_child, *mentions) if mentions else linked_to_child
            )
        )
        for record_row, is_linked in rows:
            if is_linked:
                reason = _without_phones(_scrubbed(record_row.void_reason, names | guardians))
            else:
                reason = _scrubbed(record_row.void_reason, names)
            if reason != record_row.void_reason:
                record_row.void_reason = reason


def _scrub_survey_answers(site_ids: set[int], *, names: set[str]) -> None:
    """Survey answers are anonymous, but a text answer at the child's home may name the child."""
    if not names:
        return
    answers = db.session.execute(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.site_id.in_(site_ids),
            or_(*(SurveyAnswer.text.contains(name, autoescape=True) for name in names)),
        )
    ).scalars()
    for answer in answers:
        answer.text = _scrubbed(answer.text, names)


def _merged_into(child: Child) -> list[Child]:
    """The children merged into ``child``, directly or through another merged child."""
    found: dict[int, Child] = {}
    frontier = [child.id]
    while frontier:
        rows = db.session.execute(select(Child).where(Child.merged_into_id.in_(frontier))).scalars()
        fresh = [row for row in rows if row.id not in found and row.id != child.id]
        found.update((row.id, row) for row in fresh)
        frontier = [row.id for row in fresh]
    return list(found.values())


def _scrub_audit(linked: list[AuditEntry], *, names: set[str], guardians: set[str]) -> None:
    """Replace the erased children's names and details in the audit log with ``ERASED``.

    Entries about the children (``linked``: a ``child:`` target, or one of their attendances)
    lose every personal field, names the child had before a rename included, and any
    mention of the child or the guardian in free text. Any other entry whose details hold
    one of the child's names (a merge into this child, a reason) has that name replaced.
    The guardian's name alone is not searched for: "王奶奶" is many grandmothers. Details are
    JSON, which may keep Chinese as \\u escapes, so both spellings are searched, as text, the
    same way on SQLite and PostgreSQL.
    """
    details = cast(AuditEntry.details, Text)
    spellings = {spelling for name in names for spelling in (name, json.dumps(name)[1:-1])}
    mentioning = (
        db.session.execute(
            select(AuditEntry).where(or_(*(details.contains(spelling, autoescape=True) for spelling in spellings)))
        ).scalars()
        if spellings
        else ()
    )
    linked_ids = {entry.id for entry in linked}
    for entry in {entry.id: entry for entry in [*linked, *mentioning]}.values():
        if entry.id in linked_ids:
            scrubbed = _scrubbed(entry.details, names | guardians, personal_keys=CHILD_PERSONAL_FIELDS)
        else:
            scrubbed = _scrubbed(entry.details, names)
        _rewrite_details(entry, scrubbed)


def _rewrite_details(entry: AuditEntry, details) -> None:
    if details != entry.details:
        entry.details = details
        flag_modified(entry, "details")  # a JSON column does not see changes inside it


def _about(child_ids: list[int]):
    targets = [f"child:{child_id}" for child_id in child_ids]
    # Roll-call entries name the attendance ("attendance:7"), voids its table ("attendances:7").
    attendance_targets = select(Attendance.id).where(
        Attendance.child_id.in_(child_ids),
        or_(
            AuditEntry.target == "attendance:" + cast(Attendance.id, String),
            AuditEntry.target == "attendances:" + cast(Attendance.id, String),
        ),
    )
    return or_(AuditEntry.target.in_(targets), exists(attendance_targets))


def _values_under(value, keys: set[str]) -> set[str]:
    """The text under any of ``keys`` anywhere in an entry's details (the "before" of an update too)."""
    if isinstance(value, dict):
        found = {text for key, text in value.items() if key in keys and isinstance(text, str)}
        return found.union(*(_values_under(item, keys) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_values_under(item, keys) for item in value))
    return set()


def _scrubbed(value, names: set[str], *, personal_keys=frozenset()):
    """``value`` with ``names`` replaced by ``ERASED``, and whatever is under ``personal_keys`` too."""
    if isinstance(value, dict):
        return {
            key: ERASED
            if key in personal_keys and item not in (None, "")
            else _scrubbed(item, names, personal_keys=personal_keys)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(item, names, personal_keys=personal_keys) for item in value]
    if isinstance(value, str):
        if value in names:
            return ERASED
        # Inside longer text only names of two characters or more: a one-character name would
        # take that character out of every word that has it.
        for name in sorted(names, key=len, reverse=True):
            if len(name) > 1:
                value = value.replace(name, ERASED)
    return value
