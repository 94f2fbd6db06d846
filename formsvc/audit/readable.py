"""The audit log in words a clerk reads: what ``township:3`` is, and its details as labelled lines.

Entries store stable codes (``township:3``, ``{"date_from": "2026-01-01"}``), so that a home's
renaming or the reader's language never changes what was recorded. The page names them when it
shows them: one query per kind of target for the whole page, not one per row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from flask_babel import get_locale
from sqlalchemy import select

from formsvc.activities.models import Activity, ActivitySeries
from formsvc.attendance.models import Child
from formsvc.extensions import db
from formsvc.i18n import _, _l
from formsvc.sites.models import Site, Township
from formsvc.surveys.models import SurveyTemplate
from formsvc.text import erasures_shown


def _activity_name(activity: Activity) -> str:
    return f"{activity.display_title} {activity.on_date.isoformat()}"


# The kinds of target whose rows have a name, and how each is looked up and worded.
_NAMED_KINDS = {
    "township": (Township, lambda township: township.name),
    "site": (Site, lambda site: site.name),
    "child": (Child, lambda child: erasures_shown(child.name)),
    "activity": (Activity, _activity_name),
    "activities": (Activity, _activity_name),
    "activity_series": (ActivitySeries, lambda series: series.title or series.kind.title),
    "survey_templates": (SurveyTemplate, lambda template: template.current.title(str(get_locale()))),
}


def target_names(targets: Iterable[str | None]) -> dict[str, str]:
    """``{stored target: its name}`` for the targets that name something still on file."""
    wanted: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for target in set(filter(None, targets)):
        if target == "district":
            names[target] = _("Whole district")
            continue
        kind, _sep, number = target.partition(":")
        if kind == "version" and number.isdigit():
            names[target] = _("Consent text, version %(number)s", number=number)
        elif kind in _NAMED_KINDS and number.isdigit():
            wanted[kind][int(number)].append(target)
    for kind, by_id in wanted.items():
        model, name_of = _NAMED_KINDS[kind]
        for row in db.session.execute(select(model).where(model.id.in_(by_id))).scalars():
            for target in by_id[row.id]:
                names[target] = name_of(row)
    return names


DETAIL_TITLES = {
    "activities_created": _l("Activities made"),
    "activities_widened": _l("Activities widened"),
    "activity_id": _l("Activity"),
    "activity_links": _l("Activity links"),
    "adult_signin_id": _l("Adult's sign-in"),
    "adult_signins": _l("Adults' sign-ins"),
    "after": _l("After"),
    "already_present": _l("Already there"),
    "attendance_id": _l("Child's sign-in"),
    "audience": _l("Who signs in"),
    "before": _l("Before"),
    "categories": _l("Categories"),
    "categories_added": _l("Categories added"),
    "changes": _l("Changes"),
    "child_id": _l("Child"),
    "children": _l("Children"),
    "children_created": _l("Children added"),
    "created": _l("Created"),
    "cutoff": _l("Before"),
    "date_from": _l("From"),
    "date_to": _l("To"),
    "day": _l("Day"),
    "duplicates": _l("Duplicates"),
    "english": _l("English text"),
    "filename": _l("File"),
    "format": _l("Format"),
    "guardian_signins": _l("Guardians' sign-ins"),
    "guardians": _l("Guardians"),
    "key": _l("Key"),
    "kind": _l("Kind"),
    "link": _l("Survey link"),
    "merged_into": _l("Merged into"),
    "merged_into_name": _l("Merged into"),
    "moved": _l("Moved"),
    "name": _l("Name"),
    "new_children": _l("New children"),
    "period": _l("Period"),
    "reason": _l("Reason"),
    "records": _l("Records"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "scope": _l("Scope"),
    "series_stopped": _l("Repeating activities stopped"),
    "sha256": _l("File fingerprint (SHA-256)"),
    "site_id": _l("Children's Home"),
    "sites": _l("Children's Homes"),
    "skipped": _l("Skipped"),
    "status": _l("Status"),
    "title": _l("Title"),
    "unchanged": _l("Unchanged"),
    "updated": _l("Updated"),
    "version": _l("Version"),
    "via": _l("Through"),
    "void_reasons": _l("Reasons for voiding"),
    "voided": _l("Voided"),
    "volunteers": _l("Volunteers"),
    "weekdays": _l("Weekdays"),
}


def _value_text(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return erasures_shown(value)
    return erasures_shown(json.dumps(value, ensure_ascii=False, sort_keys=True))


def detail_lines(details: dict | None) -> list[tuple[str, str]]:
    """An entry's details as (label, value) lines, labelled in the reader's language; a key
    without a label is shown as stored."""
    return [(str(DETAIL_TITLES.get(key, key)), _value_text(value)) for key, value in sorted((details or {}).items())]
