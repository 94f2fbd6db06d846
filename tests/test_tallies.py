"""Tallies: every figure checked against counts the test makes itself from the records it created."""

from __future__ import annotations

from datetime import date

import pytest

from formsvc.accounts.models import Role
from formsvc.accounts.scoping import visible_site_ids
from formsvc.accounts.services import create_user
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.tallies.periods import Scope, parse_scope, period_range
from formsvc.tallies.services import compute_tally
from tests.tally_world import AS_OF, YEAR, World, build_world, check_tally

# --- periods and scopes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
        ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
        ("2026q1", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2026-11", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        (" 2026-2 ", (date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_period_names_become_date_ranges(text, expected):
    assert period_range(text) == expected


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-Q5", "2026-11-01", "last year"])
def test_unknown_periods_are_refused_with_a_code(ctx, text):
    with pytest.raises(DomainError) as error:
        period_range(text)
    assert error.value.code == "bad_period"


def test_scopes_parse():
    assert parse_scope("district") == Scope("district")
    assert parse_scope("township:3") == Scope("township", 3)
    assert str(parse_scope("site:12")) == "site:12"
    for text in ("", "site", "site:x", "county:1", "district:1"):
        with pytest.raises(DomainError):
            parse_scope(text)


@pytest.fixture
def world(app) -> World:
    return build_world(app)


def test_a_year_at_the_district_matches_counts_made_by_hand(ctx, world):
    tally = compute_tally("district", *YEAR, as_of=AS_OF)
    check_tally(tally, world, {info["id"] for info in world.sites.values()}, *YEAR)
    figures = tally.total.figures
    # the data really exercises what the rules are about
    assert figures.distinct_children < sum(
        row.figures.distinct_children for row in tally.rows if row.row_type == "site"
    )
    assert figures.paper_records and figures.digital_records
    assert figures.participations_by_category["left_behind"] and figures.children_by_category["difficult"]
    assert figures.guardian_signins and figures.volunteer_signins
    assert any(a["voided"] for a in world.attendances) and any(a["cancelled"] for a in world.activities)
    assert [row.row_type for row in tally.rows] == ["site"] * 4 + ["township"] * 2 + ["total"]


@pytest.mark.parametrize(("period", "township"), [("2026-Q2", None), ("2026-07", "城关镇"), ("2026-Q1", "那坡乡")])
def test_quarters_months_and_townships_match_too(ctx, world, period, township):
    date_from, date_to = period_range(period)
    if township:
        scope_ids = {i["id"] for i in world.sites.values() if i["township"] == township}
        scope = f"township:{next(i['township_id'] for i in world.sites.values() if i['township'] == township)}"
    else:
        scope_ids = {i["id"] for i in world.sites.values()}
        scope = "district"
    check_tally(compute_tally(scope, date_from, date_to, as_of=AS_OF), world, scope_ids, date_from, date_to)


def test_one_site_and_the_callers_visible_sites(ctx, world):
    site = world.sites["那坡村儿童之家"]
    check_tally(compute_tally(f"site:{site['id']}", *YEAR, as_of=AS_OF), world, {site["id"]}, *YEAR)
    manager = create_user(
        username="amy", password="secret-pass-1", role=Role.MANAGER,
        site_ids=[world.sites["新华村儿童之家"]["id"], site["id"]],
    )  # fmt: skip
    db.session.flush()
    tally = compute_tally("district", *YEAR, as_of=AS_OF, allowed_site_ids=visible_site_ids(manager))
    check_tally(tally, world, world.site_ids("新华村儿童之家", "那坡村儿童之家"), *YEAR)


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (date(2026, 1, 15), date(2026, 3, 10)),  # half a month, a whole one, a third
        (date(2025, 12, 31), date(2027, 1, 1)),  # a day either side of a year
        (date(2026, 5, 2), date(2026, 5, 30)),  # inside one month
        (date(2026, 2, 1), date(2026, 8, 31)),  # whole months, not a quarter
    ],
)
def test_date_ranges_that_cut_months_match_too(ctx, world, date_from, date_to):
    # Whole months come from the monthly rollups and the cut months' days from the raw rows.
    ids = {info["id"] for info in world.sites.values()}
    check_tally(compute_tally("district", date_from, date_to, as_of=AS_OF), world, ids, date_from, date_to)
