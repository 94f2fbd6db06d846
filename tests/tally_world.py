"""A year of records at five sites in two townships, and the figures a person would count from it.

The expected figures are computed in plain Python from what the builder created; they never
call the tally service or its queries.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from formsvc.activities.models import Activity, ActivityKind
from formsvc.attendance.models import (
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    Source,
)
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.sites.services import create_site
from formsvc.text import name_key
from formsvc.timeutil import local_to_utc

KINDS = [kind.value for kind in ActivityKind]
CATEGORIES = [category.value for category in ChildCategory]
# Noon in Shanghai on 15 October: every activity dated that day opened at 08:00 and has started.
AS_OF = datetime(2026, 10, 15, 4, 0, tzinfo=UTC)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@dataclass
class World:
    """What the test created, as plain Python: the expected figures are computed from this."""

    sites: dict[str, dict] = field(default_factory=dict)  # name → {id, township, township_id, active}
    activities: list[dict] = field(default_factory=list)
    attendances: list[dict] = field(default_factory=list)
    adults: list[dict] = field(default_factory=list)
    periods: dict[int, list[tuple[str, date | None, date | None]]] = field(default_factory=dict)
    children: dict[int, str] = field(default_factory=dict)  # child id → home site name

    def site_ids(self, *names) -> set[int]:
        return {self.sites[name]["id"] for name in names}

    def expected(self, site_ids: set[int], date_from: date, date_to: date, as_of: datetime) -> dict:
        activities = {
            a["id"]: a for a in self.activities if a["site_id"] in site_ids and date_from <= a["on_date"] <= date_to
        }
        attendances = [r for r in self.attendances if r["activity_id"] in activities and not r["voided"]]
        adults = [r for r in self.adults if r["activity_id"] in activities and not r["voided"]]
        signed = {r["activity_id"] for r in attendances} | {r["activity_id"] for r in adults}
        held = [
            a
            for a in activities.values()
            if a["id"] in signed or (a["kind"] != "daily" and not a["cancelled"] and a["opens_at"] <= as_of)
        ]
        by_kind = defaultdict(list)
        for record in attendances:
            by_kind[activities[record["activity_id"]]["kind"]].append(record["child_id"])
        by_category = defaultdict(list)
        for record in attendances:
            on_date = activities[record["activity_id"]]["on_date"]
            covering = {
                category
                for category, since, until in self.periods.get(record["child_id"], [])
                if (since is None or since <= on_date) and (until is None or until >= on_date)
            }
            for category in covering:
                by_category[category].append(record["child_id"])
        adult_counts = Counter((activities[r["activity_id"]]["kind"], r["role"]) for r in adults)
        paper = sum(r["source"] in ("paper", "import") for r in attendances + adults)
        return {
            "activities": len(held),
            "activities_by_kind": {kind: sum(a["kind"] == kind for a in held) for kind in KINDS},
            "child_participations": len(attendances),
            "distinct_children": len({r["child_id"] for r in attendances}),
            "participations_by_kind": {kind: len(by_kind[kind]) for kind in KINDS},
            "children_by_kind": {kind: len(set(by_kind[kind])) for kind in KINDS},
            "participations_by_category": {c: len(by_category[c]) for c in CATEGORIES},
            "children_by_category": {c: len(set(by_category[c])) for c in CATEGORIES},
            "guardian_signins": sum(n for (_kind, role), n in adult_counts.items() if role == "guardian"),
            "volunteer_signins": sum(n for (_kind, role), n in adult_counts.items() if role == "volunteer"),
            "guardians_by_kind": {kind: adult_counts[(kind, "guardian")] for kind in KINDS},
            "volunteers_by_kind": {kind: adult_counts[(kind, "volunteer")] for kind in KINDS},
            "paper_records": paper,
            "digital_records": len(attendances) + len(adults) - paper,
            "survey_responses": 0,
            "survey_mean_rating": None,
        }


def actual(figures) -> dict:
    names = [
        "activities", "activities_by_kind", "child_participations", "distinct_children", "participations_by_kind",
        "children_by_kind", "participations_by_category", "children_by_category", "guardian_signins",
        "volunteer_signins", "guardians_by_kind", "volunteers_by_kind", "paper_records", "digital_records",
        "survey_responses", "survey_mean_rating",
    ]  # fmt: skip
    return {name: getattr(figures, name) for name in names}


SITES = [
    # name, township, active
    ("新华村儿童之家", "城关镇", True),
    ("河西村儿童之家", "城关镇", True),
    ("那坡村儿童之家", "那坡乡", True),
    ("百合村儿童之家", "那坡乡", False),  # closed during the year, but had activities
    ("龙湾村儿童之家", "那坡乡", False),  # closed, nothing this year: not listed
]


def build_world(app) -> World:
    """A year of activities at five sites in two townships, built directly in the database."""
    rng = random.Random(2026)
    w = World()
    with app.app_context():
        for name, township, active in SITES:
            # Open since before the world's year; the closed ones closed on a day not kept.
            site = create_site(township_name=township, name=name, opened_on=date(2020, 9, 1))
            site.active = active
            w.sites[name] = {"id": site.id, "township": township, "township_id": site.township_id, "active": active}
        db.session.flush()
        site_children: dict[int, list[int]] = {}
        for name, info in w.sites.items():
            ids = []
            for number in range(6):
                child_name = f"{name[:3]}{number}号"
                child = Child(site_id=info["id"], name=child_name, name_key=name_key(child_name))
                db.session.add(child)
                db.session.flush()
                ids.append(child.id)
                w.children[child.id] = name
            site_children[info["id"]] = ids
        periods = [
            ("新华村儿童之家", 0, "left_behind", date(2026, 3, 1), date(2026, 6, 30)),
            ("新华村儿童之家", 1, "left_behind", None, None),
            ("新华村儿童之家", 1, "difficult", date(2026, 9, 1), None),
            ("河西村儿童之家", 0, "disabled", date(2025, 1, 1), date(2026, 2, 15)),
            ("河西村儿童之家", 2, "registered_poor", date(2026, 7, 1), date(2026, 7, 31)),
            ("那坡村儿童之家", 0, "left_behind", date(2026, 1, 1), None),
            # overlapping with the one above: a visit must still count once
            ("那坡村儿童之家", 0, "left_behind", date(2026, 5, 1), date(2026, 8, 31)),
            ("那坡村儿童之家", 3, "military_family", None, date(2026, 4, 30)),
            ("百合村儿童之家", 1, "other", date(2026, 2, 1), None),
        ]
        for site_name, index, category, since, until in periods:
            child_id = site_children[w.sites[site_name]["id"]][index]
            db.session.add(
                ChildCategoryPeriod(child_id=child_id, category=ChildCategory(category), since=since, until=until)
            )
            w.periods.setdefault(child_id, []).append((category, since, until))

        days = [date(2025, 12, 31), date(2027, 1, 1)] + [
            date(2026, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(70)
        ]
        used_daily = set()
        for number, day in enumerate(days):
            name = SITES[number % 4][0] if day.year == 2026 else SITES[0][0]
            site_id = w.sites[name]["id"]
            kind = rng.choice(KINDS + ["daily", "daily"])
            if kind == "daily" and (site_id, day) in used_daily:
                kind = "festival"
            if kind == "daily":
                used_daily.add((site_id, day))
            activity = Activity(
                site_id=site_id,
                kind=ActivityKind(kind),
                title=f"活动{number}",
                on_date=day,
                opens_at=local_to_utc(day, time(8, 0)),
                closes_at=local_to_utc(day, time(18, 0)),
                cancelled=rng.random() < 0.12,
            )
            db.session.add(activity)
            db.session.flush()
            w.activities.append(
                {
                    "id": activity.id,
                    "site_id": site_id,
                    "kind": kind,
                    "on_date": day,
                    "opens_at": activity.opens_at,
                    "cancelled": activity.cancelled,
                }
            )
            if rng.random() < 0.2:
                continue  # nobody signed in
            # own children mostly, sometimes a child from the neighbouring site of the township
            neighbours = [
                other["id"] for other in w.sites.values()
                if other["township_id"] == w.sites[name]["township_id"] and other["id"] != site_id
            ]  # fmt: skip
            pool = site_children[site_id] + (site_children[neighbours[0]][:2] if neighbours else [])
            for child_id in rng.sample(pool, rng.randrange(0, len(pool))):
                voided = rng.random() < 0.1
                source = rng.choice(["qr", "qr", "roll_call", "paper", "import"])
                db.session.add(
                    Attendance(
                        activity_id=activity.id,
                        child_id=child_id,
                        source=Source(source),
                        voided_at=utcnow() if voided else None,
                    )
                )
                w.attendances.append(
                    {"activity_id": activity.id, "child_id": child_id, "source": source, "voided": voided}
                )
            for index in range(rng.randrange(0, 5)):
                role = rng.choice(["guardian", "guardian", "volunteer"])
                voided = rng.random() < 0.15
                source = rng.choice(["qr", "paper", "roll_call"])
                adult_name = f"{role}{number}-{index}"
                db.session.add(
                    AdultSignIn(
                        activity_id=activity.id,
                        role=AdultRole(role),
                        name=adult_name,
                        name_key=adult_name,
                        source=Source(source),
                        voided_at=utcnow() if voided else None,
                    )
                )
                w.adults.append({"activity_id": activity.id, "role": role, "source": source, "voided": voided})
        db.session.commit()
    return w


def check_tally(tally, w: World, scope_site_ids: set[int], date_from: date, date_to: date) -> None:
    listed = {
        name
        for name, info in w.sites.items()
        if info["id"] in scope_site_ids
        and (
            info["active"]
            or any(a["site_id"] == info["id"] and date_from <= a["on_date"] <= date_to for a in w.activities)
        )
    }
    rows = [row for block in tally.townships for row in block.sites]
    assert {row.site for row in rows} == listed
    for row in rows:
        assert actual(row.figures) == w.expected({row.site_id}, date_from, date_to, AS_OF), row.site
    for block in tally.townships:
        assert {row.township for row in block.sites} == {block.subtotal.township}
        township_sites = {i["id"] for i in w.sites.values() if i["township"] == block.subtotal.township}
        expected = w.expected(township_sites & scope_site_ids, date_from, date_to, AS_OF)
        assert actual(block.subtotal.figures) == expected, block.subtotal.township
        assert block.subtotal.site_count == len(block.sites)
    assert actual(tally.total.figures) == w.expected(scope_site_ids, date_from, date_to, AS_OF)
    assert tally.total.site_count == len(listed)
