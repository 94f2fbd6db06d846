"""Sites and townships: creating, importing from the district's spreadsheet, listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.imports.services import file_sha256
from formsvc.places import in_place_order
from formsvc.sites.models import SITE_LEVEL_ALIASES, Site, SiteLevel, Township
from formsvc.tabular import header_index, read_rows

SITE_COLUMNS = {
    "township": "township",
    "乡镇": "township",
    "乡镇/街道": "township",
    "街道": "township",
    "name": "name",
    "site": "name",
    "名称": "name",
    "儿童之家": "name",
    "站点": "name",
    "village": "village",
    "村/社区": "village",
    "村": "village",
    "社区": "village",
    "level": "level",
    "级别": "level",
    "address": "address",
    "地址": "address",
}
REQUIRED_SITE_COLUMNS = ("township", "name")
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


@dataclass
class SiteImportPlan:
    """What an import would do; nothing is written unless ``problems`` is empty."""

    # The name the file had on the admin's computer and its fingerprint, for the audit log.
    filename: str
    sha256: str
    to_create: list[dict] = field(default_factory=list)
    to_update: list[tuple[Site, dict]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.to_create or self.to_update)


def plan_site_import(raw: bytes, filename: str) -> SiteImportPlan:
    plan = SiteImportPlan(filename, file_sha256(raw))
    rows = read_rows(raw, filename)
    if not rows:
        raise DomainError(_("The file is empty."), code="empty_file")
    columns = header_index(rows[0], SITE_COLUMNS)
    missing = [name for name in REQUIRED_SITE_COLUMNS if name not in columns]
    if missing:
        raise DomainError(_("Missing columns: {columns}.").format(columns=", ".join(missing)), code="missing_columns")
    # A problem names its column as the file's header does (乡镇, not township), as the ledger's do.
    header = {key: rows[0][position].strip() for key, position in columns.items()}
    seen: dict[tuple[str, str], int] = {}
    existing_sites = {
        (site.township.name, site.name): site for site in db.session.execute(select(Site).join(Township)).scalars()
    }
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row=row) -> str:
            position = columns.get(key)
            return row[position].strip() if position is not None and position < len(row) else ""

        values = {key: cell(key) for key in SITE_COLUMNS.values()}
        problems = [(key, _("This cell must not be empty.")) for key in REQUIRED_SITE_COLUMNS if not values[key]]
        level_text = values["level"] or "standard"
        level = SITE_LEVEL_ALIASES.get(level_text.lower())
        if level is None:
            problems.append(("level", _("Unknown level “{value}”.").format(value=level_text)))
        problems += [
            (key, _("At most {max} characters.").format(max=most))
            for key, most in SITE_VALUE_MAX.items()
            if len(values[key]) > most
        ]
        key = (values["township"], values["name"])
        if key in seen:
            problems.append(("name", _("Same site as row {row}.").format(row=seen[key])))
        else:
            seen[key] = number
        plan.problems += [RowProblem(number, header.get(column, column), message) for column, message in problems]
        if problems:
            continue
        values["level"] = level
        existing = existing_sites.get(key)
        if existing is None:
            plan.to_create.append(values)
        elif (existing.village, existing.level, existing.address) != (values["village"], level, values["address"]):
            plan.to_update.append((existing, values))
        else:
            plan.unchanged += 1
    return plan


def apply_site_import(plan: SiteImportPlan, *, user=None) -> None:
    """Write the plan and its audit entry (the file's name and sha256); ``user`` None: the command line."""
    if plan.problems:
        raise DomainError(_("The file has errors; nothing was imported."), code="import_has_errors")
    townships: dict[str, Township] = {}
    for values in plan.to_create:
        name = values["township"]
        if name not in townships:
            townships[name] = township_named(name, create=True)
        db.session.add(
            Site(
                township_id=townships[name].id,
                name=values["name"],
                village=values["village"],
                level=values["level"],
                address=values["address"],
            )
        )
    for site, values in plan.to_update:
        site.village = values["village"]
        site.level = values["level"]
        site.address = values["address"]
    record(
        "site.import",
        user=user,
        target=plan.filename[:80],
        sha256=plan.sha256,
        created=len(plan.to_create),
        updated=len(plan.to_update),
    )
    db.session.flush()


def all_sites() -> list[Site]:
    return in_place_order(db.session.execute(select(Site).join(Township)).scalars())
