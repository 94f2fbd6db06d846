"""Writing a checked ledger plan: activities, children, their categories, then the records.

Everything is added in a few bulk statements, inside the claim of the file (``import_once``):
the same file imported twice, even at the same moment, writes once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, ActivityKind, Audience
from formsvc.activities.series import series_day
from formsvc.activities.services import new_daily_opening
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildCategoryPeriod, ChildStatus, Source
from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.ledger import ROLES, ActivityKey, LedgerPlan, PersonKey
from formsvc.imports.models import LEDGER_SCOPE, SheetImport
from formsvc.imports.services import FileImportError, import_once
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


def _activities(plan: LedgerPlan) -> tuple[dict[ActivityKey, Activity], int]:
    """The activity of every key, the new ones added; and how many existing ones took a new audience."""
    config = current_app.config
    opens, closes = parse_clock(config["DAILY_OPENS"]), parse_clock(config["DAILY_CLOSES"])
    activities: dict[ActivityKey, Activity] = {}
    widened = 0
    # Daily openings first, then the rest: rows of the same shape are inserted in one statement.
    ordered = sorted(plan.activities.items(), key=lambda item: item[0][2] != ActivityKind.DAILY)
    for key, planned in ordered:
        activity = planned.existing
        if activity is None:
            site_id, day, kind, _title = key
            if kind == ActivityKind.DAILY:
                activity = new_daily_opening(site_id, day)
            elif planned.series is not None:
                activity = series_day(planned.series, day)
            else:
                activity = Activity(
                    site_id=site_id,
                    kind=kind,
                    title=planned.title,
                    on_date=day,
                    opens_at=local_to_utc(day, opens),
                    closes_at=local_to_utc(day, closes),
                    for_children=False,
                )
            db.session.add(activity)
        elif planned.audiences_to_add:
            widened += 1
        for audience in planned.needs:
            setattr(activity, AUDIENCE_FLAGS[audience], True)
        activities[key] = activity
    db.session.flush()
    return activities, widened


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


def apply_ledger_import(plan: LedgerPlan, *, user: User | None) -> LedgerResult:
    """Write a checked plan once per file; ``user`` is None for the command line."""
    if plan.problems:
        raise FileImportError(_("The file has errors; nothing was imported."), code="import_has_errors")
    recorded_by = getattr(user, "id", None)

    def work(entry: SheetImport) -> LedgerResult:
        activities, widened = _activities(plan)
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
        entry.records = len(plan.records)
        result = LedgerResult(
            activities_created=plan.new_activities,
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
