"""Writing a checked ledger plan: activities, children, their categories, then the records.

Everything is added in a few bulk statements, inside the claim of the file (``import_once``):
the same file imported twice, even at the same moment, writes once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, ActivityKind, Audience
from formsvc.activities.series import series_day
from formsvc.activities.services import new_daily_opening
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildCategoryPeriod, ChildStatus, Source
from formsvc.attendance.roster import ROSTER_STATUSES
from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.ledger import ROLES, ActivityKey, LedgerPlan, PersonKey, PlannedActivity
from formsvc.imports.ledger_existing import chunks
from formsvc.imports.models import LEDGER_SCOPE, SheetImport
from formsvc.imports.services import FileImportError, import_once, records_changed
from formsvc.text import name_key
from formsvc.timeutil import local_to_utc, parse_clock

AUDIENCE_FLAGS = {
    Audience.CHILDREN: "for_children",
    Audience.GUARDIANS: "for_guardians",
    Audience.VOLUNTEERS: "for_volunteers",
}


@dataclass(frozen=True)
class LedgerResult:
    activities_created: int = 0
    children_created: int = 0
    categories_added: int = 0
    records: int = 0
    # The same file had been imported before: nothing was written.
    repeated: bool = False
    previous: SheetImport | None = None


def _activities(plan: LedgerPlan) -> tuple[dict[ActivityKey, Activity], int, int]:
    """The activity of every key; how many were made, and how many existing ones took a new audience."""
    activities: dict[ActivityKey, Activity] = {}
    widened = 0
    for key, planned in plan.activities.items():
        if planned.existing is not None:
            widened += bool(planned.audiences_to_add)
            activities[key] = _with_audiences(planned.existing, planned)
    db.session.flush()  # before the savepoint below, whose rollback would take these changes back
    # Daily openings first, then the rest: rows of the same shape are inserted in one statement.
    new = sorted(
        ((key, planned) for key, planned in plan.activities.items() if planned.existing is None),
        key=lambda item: item[0][2] != ActivityKind.DAILY,
    )
    made = {key: _with_audiences(_new_activity(key, planned), planned) for key, planned in new}
    created = len(made)
    try:
        with db.session.begin_nested():
            db.session.add_all(made.values())
    except IntegrityError:
        # The day view or the poster page made a series' day or a daily opening since the plan
        # read them (both make their day's row on first need): one at a time, made or found.
        made, created = {}, 0
        for key, planned in new:
            made[key], was_made = _made_or_found(key, planned)
            created += was_made
    activities.update(made)
    return activities, created, widened


def _made_or_found(key: ActivityKey, planned: PlannedActivity) -> tuple[Activity, bool]:
    """The new activity of ``key`` inserted (True), or the row of its day someone else made (False)."""
    activity = _with_audiences(_new_activity(key, planned), planned)
    try:
        with db.session.begin_nested():
            db.session.add(activity)
        return activity, True
    except IntegrityError:
        found = db.session.execute(_same_day_row(activity)).scalar_one_or_none()
        if found is None:
            raise
    if found.cancelled:  # the series' day was moved away or cancelled meanwhile: plan again
        raise records_changed()
    _with_audiences(found, planned)
    db.session.flush()
    return found, False


def _same_day_row(activity: Activity):
    """The row that holds ``activity``'s place: its series' day, or its home's daily opening of the day."""
    query = select(Activity).where(Activity.on_date == activity.on_date)
    if activity.series_id is not None:
        return query.where(Activity.series_id == activity.series_id)
    return query.where(Activity.site_id == activity.site_id, Activity.kind == ActivityKind.DAILY)


def _new_activity(key: ActivityKey, planned: PlannedActivity) -> Activity:
    site_id, day, kind, _title = key
    if kind == ActivityKind.DAILY:
        return new_daily_opening(site_id, day)
    if planned.series is not None:
        return series_day(planned.series, day)
    config = current_app.config
    return Activity(
        site_id=site_id,
        kind=kind,
        title=planned.title,
        on_date=day,
        opens_at=local_to_utc(day, parse_clock(config["DAILY_OPENS"])),
        closes_at=local_to_utc(day, parse_clock(config["DAILY_CLOSES"])),
        for_children=False,
    )


def _with_audiences(activity: Activity, planned: PlannedActivity) -> Activity:
    for audience in planned.needs:
        setattr(activity, AUDIENCE_FLAGS[audience], True)
    return activity


def _children(plan: LedgerPlan) -> dict[PersonKey, int]:
    new = {
        person: Child(site_id=person[0], name=name, name_key=name_key(name), status=ChildStatus.ACTIVE)
        for person, name in plan.new_children.items()
    }
    db.session.add_all(new.values())
    db.session.flush()
    ids = {person: child.id for person, child in plan.children.items()}
    ids.update({person: child.id for person, child in new.items()})
    return ids


def _check_as_committed(activity_ids: set[int], child_ids: set[int]) -> None:
    """The plan read the activities and the roster before the writes: check them again, as committed now.

    An activity cancelled or a child taken off the roster since then would count records it
    must not (``attendance.services.activity_as_committed`` and ``check_on_roster_as_committed``
    do this for one record). After the writes this transaction holds SQLite's write lock; on
    PostgreSQL FOR SHARE waits for a cancellation or a take-off in progress, then reads its result.
    """
    for chunk in chunks(sorted(activity_ids)):
        query = select(Activity.cancelled).where(Activity.id.in_(chunk)).with_for_update(read=True)
        if any(db.session.execute(query).scalars()):
            raise records_changed()
    for chunk in chunks(sorted(child_ids)):
        query = select(Child.status).where(Child.id.in_(chunk)).with_for_update(read=True)
        if any(ChildStatus(status) not in ROSTER_STATUSES for status in db.session.execute(query).scalars()):
            raise records_changed()


def apply_ledger_import(plan: LedgerPlan, *, user: User | None) -> LedgerResult:
    """Write a checked plan once per file; ``user`` is None for the command line."""
    if plan.problems:
        raise FileImportError(_("The file has errors; nothing was imported."), code="import_has_errors")
    recorded_by = getattr(user, "id", None)

    def work(entry: SheetImport) -> LedgerResult:
        activities, created, widened = _activities(plan)
        children = _children(plan)
        if plan.new_periods:
            db.session.execute(
                insert(ChildCategoryPeriod),
                [
                    {"child_id": children[person], "category": category, "since": since, "until": until}
                    for person, category, since, until in plan.new_periods
                ],
            )
        attendances, adults = [], []
        for row in plan.records:
            activity = activities[row.activity_key]
            common = {
                "activity_id": activity.id,
                "source": Source.IMPORT,
                "signed_in_at": activity.opens_at,
                "recorded_by_id": recorded_by,
            }
            if row.audience == Audience.CHILDREN:
                attendances.append({**common, "child_id": children[row.person], "signed_by": row.signed_by})
            else:
                adults.append(
                    {
                        **common,
                        "role": ROLES[row.audience],
                        "name": row.name,
                        "name_key": name_key(row.name),
                        "relation": row.relation,
                        "phone": row.phone,
                        "village": row.village,
                    }
                )
        if attendances:
            db.session.execute(insert(Attendance), attendances)
        if adults:
            db.session.execute(insert(AdultSignIn), adults)
        _check_as_committed(
            {written["activity_id"] for written in attendances + adults},
            {child.id for child in plan.children.values()} & {written["child_id"] for written in attendances},
        )
        entry.records = len(plan.records)
        result = LedgerResult(
            activities_created=created,
            children_created=len(plan.new_children),
            categories_added=len(plan.new_periods),
            records=len(plan.records),
        )
        record(
            "ledger.import",
            user=user,
            target=plan.filename[:80],
            sha256=plan.sha256,
            rows=plan.rows,
            activities_created=result.activities_created,
            activities_widened=widened,
            children_created=result.children_created,
            categories_added=result.categories_added,
            children=len(attendances),
            guardians=plan.new_records(Audience.GUARDIANS),
            volunteers=plan.new_records(Audience.VOLUNTEERS),
            already_present=plan.already_present,
            duplicates=len(plan.duplicates),
            via="web" if user is not None else "cli",
        )
        return result

    once = import_once(LEDGER_SCOPE, plan.sha256, work, filename=plan.filename, user=user)
    if once.repeated:
        return LedgerResult(repeated=True, previous=once.entry)
    return once.value
