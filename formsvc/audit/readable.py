"""The audit log in words a clerk reads: what ``township:3`` is, and its details as labelled lines.

Entries store stable codes (``township:3``, ``{"date_from": "2026-01-01"}``), so that a home's
renaming or the reader's language never changes what was recorded. The page names them when it
shows them: one query per kind of target for the whole page, not one per row. No code, id or
JSON is left for the clerk to read: a record no longer on file is its kind and number
(儿童之家 #12), a detail with nothing in it (no changes, no date) is left out, a child's
before-and-after is shown as what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import get_locale
from sqlalchemy import select

from formsvc.accounts.models import Role
from formsvc.activities.models import Activity, ActivityKind, ActivitySeries
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildCategory, ChildStatus
from formsvc.attendance.voiding import reason_title
from formsvc.extensions import db
from formsvc.i18n import _, _l
from formsvc.sites.models import Site, SiteLevel, Township
from formsvc.surveys.models import SurveyAnswer, SurveyTemplate
from formsvc.text import erasures_shown
from formsvc.timeutil import weekday_words


def _activity_name(activity: Activity) -> str:
    return f"{activity.display_title} {activity.on_date.isoformat()}"


def _attendance_name(attendance: Attendance) -> str:
    """A child's sign-in: whose, at what."""
    return f"{erasures_shown(attendance.child.name)} · {_activity_name(attendance.activity)}"


def _adult_signin_name(signin: AdultSignIn) -> str:
    """An adult's sign-in: whose, at what."""
    return f"{erasures_shown(signin.name)} · {_activity_name(signin.activity)}"


def _survey_title(template: SurveyTemplate) -> str:
    return template.current.title(str(get_locale()))


# The kinds of target whose rows have a name: how each is looked up and worded, and what it is
# called when its row is no longer on file. A void names its record by table ("attendances:5").
_NAMED_KINDS = {
    "township": (Township, lambda township: township.name, _l("Township")),
    "site": (Site, lambda site: site.name, _l("Children's Home")),
    "child": (Child, lambda child: erasures_shown(child.name), _l("Child")),
    "activity": (Activity, _activity_name, _l("Activity")),
    "activities": (Activity, _activity_name, _l("Activity")),
    "activity_series": (ActivitySeries, lambda series: series.title or series.kind.title, _l("Repeating activity")),
    "attendance": (Attendance, _attendance_name, _l("Child's sign-in")),
    "attendances": (Attendance, _attendance_name, _l("Child's sign-in")),
    "adult_signins": (AdultSignIn, _adult_signin_name, _l("Adult's sign-in")),
    "survey_templates": (SurveyTemplate, _survey_title, _l("Survey")),
    "survey_answers": (SurveyAnswer, lambda answer: _survey_title(answer.response.template), _l("Survey comment")),
}


def target_names(targets: Iterable[str | None]) -> dict[str, str]:
    """``{stored target: its name}`` for the targets that are codes: a row still on file by its
    name, one that is not by its kind and number. Free text (a username, a file) is not a code."""
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
        model, name_of, kind_title = _NAMED_KINDS[kind]
        for row in db.session.execute(select(model).where(model.id.in_(by_id))).scalars():
            for target in by_id[row.id]:
                names[target] = name_of(row)
        for number, codes in by_id.items():
            for target in codes:
                names.setdefault(target, f"{kind_title} #{number}")
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
    "moved_from": _l("Moved from"),
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


def _words(table: dict):
    return lambda value: str(table[value]) if value in table else value


_FORMATS = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV"}
_AUDIENCES = {
    "children": _l("Child sign-in"),
    "guardians": _l("Parent and guardian sign-in"),
    "volunteers": _l("Volunteer sign-in"),
}
_VIA = {"web": _l("Workspace"), "cli": _l("command line")}

# Codes stored as values, and the words for them.
_VALUE_WORDS = {
    "role": _enum_title(Role),
    "status": _enum_title(ChildStatus),
    "kind": _enum_title(ActivityKind),
    "level": _enum_title(SiteLevel),
    # The app's own void reasons are stored in English ("activity cancelled"), a person's as written.
    "reason": reason_title,
    "format": _words(_FORMATS),
    "audience": _words(_AUDIENCES),
    "via": _words(_VIA),
    "weekdays": weekday_words,
}
# Ids stored as values, named as the targets are ("activity:12" → 周末阅读 2026-11-27).
_ID_KINDS = {"activity_id": "activity", "child_id": "child", "merged_into": "child", "site_id": "site"}


def labelled(label: str, value: str) -> str:
    """One detail as the reader's language writes it: 地址：东门路8号, Address: 东门路8号."""
    return _("%(label)s: %(value)s", label=label, value=value)


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return erasures_shown(value)
    if isinstance(value, dict):
        return _("; ").join(labelled(_title(key), _plain(item)) for key, item in sorted(value.items()))
    if isinstance(value, list | tuple):
        return _(", ").join(_plain(item) for item in value)
    return str(value)


def _categories(value: list) -> str:
    """A child's categories as kept ([category, since, until]): 留守 (2026-01-01 – …)."""
    shown = []
    for item in value:
        if isinstance(item, list | tuple) and len(item) == 3:
            category, since, until = item
            title = str(_enum_title(ChildCategory)(category))
            dated = _("%(category)s (%(since)s – %(until)s)", category=title, since=since or "…", until=until or "…")
            shown.append(dated if since or until else title)
        else:
            shown.append(_plain(item))
    return _(", ").join(shown) or "—"


def _changes(value, site_names: dict[int, str]) -> str:
    """{field: [old, new]} as 地址：— → 东门路8号; a home import's list of them, each after its home's name."""
    if isinstance(value, list):  # site.import: [{"site_id": 3, "name": "…", "address": [old, new]}, …]
        homes = []
        for item in filter(lambda item: isinstance(item, dict), value):
            fields = {key: pair for key, pair in item.items() if key not in ("site_id", "name")}
            home = item.get("name") or site_names.get(item.get("site_id"), "")
            homes.append(f"{home} {_changes(fields, site_names)}".strip())
        return _("; ").join(homes)
    lines = []
    for field, pair in sorted(value.items()):
        if isinstance(pair, list | tuple) and len(pair) == 2:
            old, new = (_value_text(field, side, site_names) for side in pair)
            lines.append(labelled(_title(field), f"{old} → {new}"))
        else:
            lines.append(labelled(_title(field), _plain(pair)))
    return _("; ").join(lines)


def _value_text(key: str, value, site_names: dict[int, str], names: dict[str, str] | None = None) -> str:
    if _is_empty(value):
        return "—"
    if key in _VALUE_WORDS and isinstance(value, str):
        return str(_VALUE_WORDS[key](value))
    if key == "scope" and names and value in names:  # "township:3": as the audit log names its targets
        return names[value]
    if key in _ID_KINDS and isinstance(value, int) and not isinstance(value, bool):
        return (names or {}).get(f"{_ID_KINDS[key]}:{value}", f"#{value}")
    if key == "sites" and isinstance(value, list):
        return _(", ").join(site_names.get(number, f"#{number}") for number in value) or "—"
    if key == "categories" and isinstance(value, list):
        return _categories(value)
    if key == "records" and isinstance(value, list):  # the ids of the rows written: how many
        return str(len(value))
    if key == "changes" and isinstance(value, dict | list):
        return _changes(value, site_names)
    return _plain(value)


def _title(key: str) -> str:
    return str(DETAIL_TITLES.get(key, key))


def site_names_in(details_list: Iterable[dict | None]) -> dict[int, str]:
    """The names of the homes the page's details list by number (an account's homes, an import's)."""
    numbers: set[int] = set()
    for details in filter(None, details_list):
        sites = details.get("sites")
        if isinstance(sites, list):
            numbers |= {number for number in sites if isinstance(number, int)}
        changes = details.get("changes")
        if isinstance(changes, list):
            numbers |= {item.get("site_id") for item in changes if isinstance(item, dict)} - {None}
    if not numbers:
        return {}
    return dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(numbers))).all())


def _what_changed(before: dict, after: dict) -> dict:
    """A child's summary before and after an edit, as {field: [old, new]} of what differs."""
    fields = sorted(set(before) | set(after))
    return {field: [before.get(field), after.get(field)] for field in fields if before.get(field) != after.get(field)}


def detail_lines(
    details: dict | None, site_names: dict[int, str] | None = None, names: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """An entry's details as (label, value) lines in the reader's language: codes in words, an
    account's homes by name, a scope and the records named by id as the targets are named
    (``names``, from target_names), a change as old → new; a detail with nothing in it (no
    changes, no date given) is left out; a key without a label is shown as stored."""
    details = dict(details or {})
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        del details["before"], details["after"]
        details["changes"] = _what_changed(before, after)
    if details.get("merged_into_name"):
        details.pop("merged_into", None)  # the same child, by name
    return [
        (_title(key), _value_text(key, value, site_names or {}, names))
        for key, value in sorted(details.items())
        if not _is_empty(value)
    ]


def named_in(entries: Iterable) -> set[str]:
    """The codes a page of entries names: their targets, the scopes and the records its details name by id."""
    codes: set = set()
    for entry in entries:
        codes.add(entry.target)
        if isinstance(entry.details, dict):
            codes.add(entry.details.get("scope"))
            for key, kind in _ID_KINDS.items():
                number = entry.details.get(key)
                if isinstance(number, int) and not isinstance(number, bool):
                    codes.add(f"{kind}:{number}")
    return {code for code in codes if isinstance(code, str)}
