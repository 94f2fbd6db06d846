"""Sites and townships: creating, importing from the district's spreadsheet, listing."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.services import file_sha256
from formsvc.places import in_place_order, place_sort_key
from formsvc.sites.models import SITE_LEVEL_ALIASES, Site, SiteLevel, Township
from formsvc.tabular import find_header, footer_notice, read_rows, rows_above_footer
from formsvc.text import clean_text, name_key

# Each column by its English and Chinese titles; the titles that mean the same in every sheet
# (乡镇（街道）, 儿童之家名称, 所在村 …) are read through tabular.SAME_TITLES.
SITE_COLUMNS = {
    "township": "township",
    "乡镇": "township",
    "name": "name",
    "site": "name",
    "名称": "name",
    "儿童之家": "name",
    "village": "village",
    "村/社区": "village",
    "level": "level",
    "级别": "level",
    "address": "address",
    "地址": "address",
}
# The required columns: each key is also the column's English header, the value the Chinese one
# the district's sheets title it by.
REQUIRED_SITE_COLUMNS = {"township": "乡镇", "name": "名称"}
# What an import may change on a home already in the list; the name and township identify it.
UPDATABLE_SITE_COLUMNS = ("village", "level", "address")
# The lengths the columns of ``sites`` hold.
SITE_VALUE_MAX = {"township": 60, "name": 80, "village": 60, "address": 200}


def township_named(name: str, *, create: bool = False) -> Township | None:
    township = db.session.execute(select(Township).where(Township.name == name)).scalar_one_or_none()
    if township is None and create:
        township = Township(name=name)
        db.session.add(township)
        db.session.flush()
    return township


def create_site(
    *,
    township_name: str,
    name: str,
    village: str = "",
    level: SiteLevel = SiteLevel.STANDARD,
    address: str = "",
    opened_on: date | None = None,
) -> Site:
    township = township_named(township_name, create=True)
    _check_unique_name(township, name)
    site = Site(township_id=township.id, name=name, village=village, level=level, address=address, opened_on=opened_on)
    db.session.add(site)
    db.session.flush()
    return site


def update_site(
    site: Site, *, township_name: str, name: str, village: str, level: SiteLevel, address: str, opened_on: date | None
) -> dict:
    """Change a site; returns what changed (old and new values) for the audit log."""
    township = township_named(township_name, create=True)
    if (township.id, name) != (site.township_id, site.name):
        _check_unique_name(township, name)
    new_values = {
        "township_id": township.id,
        "name": name,
        "village": village,
        "level": level,
        "address": address,
        "opened_on": opened_on,
    }
    changes = {}
    for key, value in new_values.items():
        old = getattr(site, key)
        if old != value:
            changes[key] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(site, key, value)
    db.session.flush()
    return changes


def _check_unique_name(township: Township, name: str) -> None:
    clash = db.session.execute(
        select(Site.id).where(Site.township_id == township.id, Site.name == name)
    ).scalar_one_or_none()
    if clash is not None:
        raise DomainError(
            _("{township} already has a Children's Home with this name.").format(township=township.name),
            code="duplicate_site",
        )


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str
    # Where the problem is put right, for the preview to link: (site id, day, activity id) of a
    # cancelled activity, restored on that day's page.
    day_page: tuple[int, date, int] | None = None


# A change an import makes to a home already in the list: column → (old, new).
SiteChanges = dict[str, tuple[str | SiteLevel, str | SiteLevel]]


@dataclass(frozen=True)
class NewTownship:
    """A township the import would create, and those already in the list its name looks like."""

    name: str
    looks_like: tuple[str, ...]

    @property
    def message(self) -> str:
        return self._with_hint(_("A new township will be created: {township}.").format(township=self.name))

    @property
    def created_message(self) -> str:
        """Said after a home form saved a home in it: a typo there made a second township unnoticed."""
        return self._with_hint(_("A new township was created: {township}.").format(township=self.name))

    def _with_hint(self, message: str) -> str:
        if self.looks_like:
            hint = _("It looks like {townships}, already in the list: is the name misspelt?")
            message = f"{message} {hint.format(townships='、'.join(self.looks_like))}"
        return message


@dataclass
class SiteImportPlan:
    """What an import would do; nothing is written unless ``problems`` is empty."""

    # The name the file had on the admin's computer and its fingerprint, for the audit log.
    filename: str
    sha256: str
    # Each dict also says whether its township is one the import creates ("new_township").
    to_create: list[dict] = field(default_factory=list)
    to_update: list[tuple[Site, SiteChanges]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # A misspelt township (坡荷镇 for 坡荷乡) would silently become a second one: the preview says so.
    new_townships: list[NewTownship] = field(default_factory=list)
    # The row of the sheet's sign-off line (填表人：…); it and the rows below it are not read.
    footer_row: int | None = None

    @property
    def changes(self) -> bool:
        return bool(self.to_create or self.to_update)

    @property
    def footer_notice(self) -> str:
        return footer_notice(self.footer_row)

    @property
    def notices(self) -> list[str]:
        """What the admin should know before confirming, beside the counts and the changes."""
        notices = [township.message for township in self.new_townships]
        return [*notices, self.footer_notice] if self.footer_notice else notices


class _KnownSites:
    """The homes already in the list, found as the roster finds children: by ``name_key``.

    "城关镇东门社区　儿童之家" (a full-width space to line up a column) is the home
    城关镇东门社区儿童之家, not a second one beside it.
    """

    def __init__(self):
        self.sites: dict[tuple[str, str], list[Site]] = defaultdict(list)
        for site in db.session.execute(select(Site).join(Township).order_by(Site.id)).scalars():
            self.sites[(name_key(site.township.name), name_key(site.name))].append(site)

    def find(self, township: str, name: str) -> tuple[Site | None, str]:
        found = self.sites.get((name_key(township), name_key(name)), [])
        exact = [site for site in found if (site.township.name, site.name) == (township, name)]
        if len(found) == 1 or len(exact) == 1:
            return (exact or found)[0], ""
        if found:  # two homes already differ only by spacing: the file cannot say which one it means
            message = _("Several Children's Homes of {township} are called “{name}”; rename one on its edit page.")
            return None, message.format(township=township, name=name)
        return None, ""


def _site_changes(site: Site, values: dict) -> SiteChanges:
    """What the row changes on ``site``: only the cells it fills in (a blank cell keeps the value)."""
    changes: SiteChanges = {}
    for column in UPDATABLE_SITE_COLUMNS:
        new = values.get(column)
        if new is None or new == "":
            continue
        old = getattr(site, column)
        # "东门社区" and "东门社区　" are one value: a spacing difference is not a change.
        same = old == new if column == "level" else name_key(old) == name_key(new)
        if not same:
            changes[column] = (old, new)
    return changes


# A township's name ends in its kind; 坡荷乡 and 坡荷镇 share the stem 坡荷.
_TOWNSHIP_KIND = re.compile(r"(?:街道办事处|街道办|街道|乡|镇)$")


def _township_stem(name: str) -> str:
    return _TOWNSHIP_KIND.sub("", name_key(name))


def _looks_alike(stem: str, other: str) -> bool:
    """The same stem (坡荷乡, 坡荷镇), the same first two characters, or one character apart (坡河, 坡荷)."""
    if stem == other:
        return True
    if len(stem) >= 2 and stem[:2] == other[:2]:
        return True
    return len(stem) == len(other) >= 2 and sum(mine != theirs for mine, theirs in zip(stem, other, strict=True)) == 1


def _mark_new_townships(plan: SiteImportPlan) -> None:
    """Note the townships the plan's new homes would create, as ``apply_site_import`` finds them."""
    existing = list(db.session.execute(select(Township.name)).scalars())
    known = {name_key(name) for name in existing}
    new: dict[str, NewTownship] = {}
    for values in plan.to_create:
        key = name_key(values["township"])
        values["new_township"] = key not in known
        if key in known or key in new:
            continue
        new[key] = NewTownship(values["township"], _townships_like(values["township"], existing))
    plan.new_townships = list(new.values())


def _townships_like(name: str, existing: list[str]) -> tuple[str, ...]:
    stem = _township_stem(name)
    return tuple(sorted((other for other in existing if _looks_alike(stem, _township_stem(other))), key=place_sort_key))


def new_township(name: str) -> NewTownship | None:
    """The township a home form would create for ``name`` (``township_named`` finds none), or None."""
    if township_named(name) is not None:
        return None
    return NewTownship(name, _townships_like(name, list(db.session.execute(select(Township.name)).scalars())))


def plan_site_import(raw: bytes, filename: str) -> SiteImportPlan:
    """Read the district's list of homes and say what importing it would change; writes nothing.

    A row adds a home or updates the one of that township and name. Only the columns the file
    has and the cells it fills in change a home already in the list: the district's list often
    lacks the address, and an empty cell must not wipe one (clearing is done on the edit page).
    The sheet ends at its sign-off line (填表人：…), as the clerk reads it.
    """
    plan = SiteImportPlan(filename, file_sha256(raw))
    rows = read_rows(raw, filename)
    if not rows:
        raise DomainError(_("The file is empty."), code="empty_file")
    header_at, columns = find_header(rows, SITE_COLUMNS, REQUIRED_SITE_COLUMNS)
    # A problem names its column as the file's header does (乡镇, not township), as the ledger's do.
    header = {key: rows[header_at][position].strip() for key, position in columns.items()}
    seen: dict[tuple[str, str], int] = {}
    known = _KnownSites()
    body, plan.footer_row = rows_above_footer(rows, header_at)
    for number, row in body:
        if not any(cell.strip() for cell in row):
            continue
        # Only the file's columns: None for a column it does not have, "" for an empty cell.
        values: dict = {
            key: clean_text(row[position]) if position < len(row) else "" for key, position in columns.items()
        }
        problems = [(key, _("This cell must not be empty.")) for key in REQUIRED_SITE_COLUMNS if not values[key]]
        if values.get("level"):
            level = SITE_LEVEL_ALIASES.get(name_key(values["level"]))
            if level is None:
                problems.append(("level", _("Unknown level “{value}”.").format(value=values["level"])))
            values["level"] = level
        problems += [
            (key, _("At most {max} characters.").format(max=most))
            for key, most in SITE_VALUE_MAX.items()
            if len(values.get(key) or "") > most
        ]
        key = (name_key(values["township"]), name_key(values["name"]))
        if key in seen:
            problems.append(("name", _("Same site as row {row}.").format(row=seen[key])))
        else:
            seen[key] = number
        existing, problem = known.find(values["township"], values["name"]) if not problems else (None, "")
        if problem:
            problems.append(("name", problem))
        plan.problems += [RowProblem(number, header.get(column, column), message) for column, message in problems]
        if problems:
            continue
        if existing is None:
            plan.to_create.append(
                {
                    "township": values["township"],
                    "name": values["name"],
                    "village": values.get("village") or "",
                    "level": values.get("level") or SiteLevel.STANDARD,
                    "address": values.get("address") or "",
                }
            )
        elif changes := _site_changes(existing, values):
            plan.to_update.append((existing, changes))
        else:
            plan.unchanged += 1
    _mark_new_townships(plan)
    return plan


def _audit_value(value: str | SiteLevel) -> str:
    return value.value if isinstance(value, SiteLevel) else value


def apply_site_import(plan: SiteImportPlan, *, user=None) -> None:
    """Write the plan and its audit entry (the file's name and sha256, and every old → new value).

    ``user`` None: the command line. A new home joins the township the list already has under
    the same ``name_key`` ("城关镇 " is 城关镇), so no near-twin township is made either.
    """
    if plan.problems:
        raise DomainError(_("The file has errors; nothing was imported."), code="import_has_errors")
    townships: dict[str, Township] = {}
    for township in db.session.execute(select(Township).order_by(Township.id)).scalars():
        townships.setdefault(name_key(township.name), township)
    for values in plan.to_create:
        key = name_key(values["township"])
        if key not in townships:
            townships[key] = township_named(values["township"], create=True)
        db.session.add(
            Site(
                township_id=townships[key].id,
                name=values["name"],
                village=values["village"],
                level=values["level"],
                address=values["address"],
            )
        )
    changed = []
    for site, changes in plan.to_update:
        for column, (_old, new) in changes.items():
            setattr(site, column, new)
        changed.append(
            {
                "site_id": site.id,
                "name": site.name,
                **{column: [_audit_value(old), _audit_value(new)] for column, (old, new) in changes.items()},
            }
        )
    record(
        "site.import",
        user=user,
        target=plan.filename[:80],
        sha256=plan.sha256,
        created=len(plan.to_create),
        updated=len(plan.to_update),
        changes=changed,
    )
    db.session.flush()


def all_sites() -> list[Site]:
    return in_place_order(db.session.execute(select(Site).join(Township)).scalars())
