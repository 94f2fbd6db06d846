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

from formsvc.accounts.models import Role
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.attendance.models import Attendance, Child, ChildStatus
from formsvc.attendance.voiding import reason_title
from formsvc.extensions import db
from formsvc.i18n import _, _l
from formsvc.sites.models import Site, SiteLevel, Township
from formsvc.surveys.models import SurveyTemplate
from formsvc.text import erasures_shown


def _activity_name(activity: Activity) -> str:
    return f"{activity.display_title} {activity.on_date.isoformat()}"


def _attendance_name(attendance: Attendance) -> str:
    """A child's sign-in: whose, at what."""
    return f"{erasures_shown(attendance.child.name)} · {_activity_name(attendance.activity)}"


# The kinds of target whose rows have a name, and how each is looked up and worded.
_NAMED_KINDS = {
    "township": (Township, lambda township: township.name),
    "site": (Site, lambda site: site.name),
    "child": (Child, lambda child: erasures_shown(child.name)),
    "activity": (Activity, _activity_name),
    "activities": (Activity, _activity_name),
    "activity_series": (ActivitySeries, lambda series: series.title or series.kind.title),
    "attendance": (Attendance, _attendance_name),
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
        if target == "homes_of_account":  # a manager's "all my homes": the account's, at that time
            names[target] = _("All the account's Children's Homes")
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
    "address": _l("Address"),
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
    "counted_again": _l("Sign-ins counted again"),
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
    "level": _l("Level"),
    "link": _l("Survey link"),
    "merged_into": _l("Merged into"),
    "merged_into_name": _l("Merged into"),
    "moved": _l("Moved"),
    "name": _l("Name"),
    "new_children": _l("New children"),
    "opened_on": _l("Opened on"),
    "period": _l("Period"),
    "q": _l("Comments containing"),
    "reason": _l("Reason"),
    "records": _l("Records"),
    "replaced_by": _l("Replaced by"),
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
    "township": _l("Township"),
    "unchanged": _l("Unchanged"),
    "updated": _l("Updated"),
    "version": _l("Version"),
    "via": _l("Through"),
    "village": _l("Village"),
    "void_reasons": _l("Reasons for voiding"),
    "voided": _l("Voided"),
    "volunteers": _l("Volunteers"),
    "weekdays": _l("Weekdays"),
}


def _enum_title(enum_type):
    def title(value):
        try:
            return enum_type(value).title
        except ValueError:
            return value  # a code from an older version: as stored

    return title


# Codes stored as values, and the words for them.
_VALUE_WORDS = {
    "role": _enum_title(Role),
    "status": _enum_title(ChildStatus),
    "kind": _enum_title(ActivityKind),
    "level": _enum_title(SiteLevel),
    # The app's own void reasons are stored in English ("activity cancelled"), a person's as written.
    "reason": reason_title,
}


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return erasures_shown(value)
    return erasures_shown(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _value_text(key: str, value, site_names: dict[int, str], names: dict[str, str] | None = None) -> str:
    if key in _VALUE_WORDS and isinstance(value, str):
        return str(_VALUE_WORDS[key](value))
    if key == "scope" and names and value in names:  # "township:3": as the audit log names its targets
        return names[value]
    if key == "sites" and isinstance(value, list):
        return _(", ").join(site_names.get(number, f"#{number}") for number in value) or "—"
    if key == "changes" and isinstance(value, dict):  # {field: [old, new]}
        return "; ".join(
            f"{_title(field)}: {_value_text(field, pair[0], site_names)} → {_value_text(field, pair[1], site_names)}"
            if isinstance(pair, list | tuple) and len(pair) == 2
            else f"{_title(field)}: {_plain(pair)}"
            for field, pair in sorted(value.items())
        )
    return _plain(value)


def _title(key: str) -> str:
    return str(DETAIL_TITLES.get(key, key))


def site_names_in(details_list: Iterable[dict | None]) -> dict[int, str]:
    """The names of the homes the page's details list by number (an account's homes)."""
    listed = (details.get("sites") for details in details_list if details)
    numbers = {number for sites in listed if isinstance(sites, list) for number in sites if isinstance(number, int)}
    if not numbers:
        return {}
    return dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(numbers))).all())


def detail_lines(
    details: dict | None, site_names: dict[int, str] | None = None, names: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """An entry's details as (label, value) lines in the reader's language: codes in words, an
    account's homes by name, a scope as the targets are named (``names``, from target_names),
    a change as old → new; a key without a label is shown as stored."""
    return [
        (_title(key), _value_text(key, value, site_names or {}, names))
        for key, value in sorted((details or {}).items())
    ]


def named_in(entries: Iterable) -> set[str]:
    """The codes a page of entries names: their targets and the scopes in their details."""
    codes: set = set()
    for entry in entries:
        codes.add(entry.target)
        if isinstance(entry.details, dict):
            codes.add(entry.details.get("scope"))
    return {code for code in codes if isinstance(code, str)}
