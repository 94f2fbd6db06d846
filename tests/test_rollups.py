"""The yearly visit rollups stay exactly in step with the raw records, whatever writes them.

After a year of records, then hundreds of random writes through the real services and
through plain SQL statements (child and adult sign-ins, roll-call, voiding, review merges
and rejections, category edits, an activity moved, many rows in one statement, deletions, a
purge), a recount of the raw records must equal the rollup tables row for row, and the tally read from the
rollups must equal the tally read from the raw rows alone.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.activities.models import Activity, ActivityKind
from formsvc.attendance.models import (
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    ChildStatus,
    Source,
)
from formsvc.attendance.review import merge_child, reject_child
from formsvc.attendance.rollcall_services import mark
from formsvc.attendance.services import sign_in_adult, sign_in_child
from formsvc.db import utcnow
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.privacy.retention import purge
from formsvc.tallies import queries
from formsvc.tallies.models import CategoryVisitYear, VisitYear
from formsvc.tallies.rollups import rebuild_rollups, rollup_differences
from formsvc.tallies.services import compute_tally
from formsvc.timeutil import local_to_utc
from tests.conftest import race
from tests.tally_world import AS_OF, build_world

CATEGORIES = list(ChildCategory)


def _counted(rng) -> Attendance | None:
    ids = db.session.execute(select(Attendance.id).where(Attendance.voided_at.is_(None))).scalars().all()
    return db.session.get(Attendance, rng.choice(ids)) if ids else None


def _open_now(activity: Activity) -> datetime:
    """A moment inside the activity's window, so the sign-in services accept it."""
    return activity.opens_at + timedelta(minutes=1)


class Writer:
    """Random writes of every kind that changes what counts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.admin = create_user(username="rollups", password="secret-pass-1", role=Role.ADMIN)
        db.session.flush()
        self.nonces = 0
        self.done: Counter = Counter()
        self.refused: Counter = Counter()

    def nonce(self) -> str:
        self.nonces += 1
        return f"rollup-test-{self.nonces:06d}"

    def activity(self) -> Activity:
        ids = db.session.execute(select(Activity.id).where(Activity.cancelled.is_(False))).scalars().all()
        return db.session.get(Activity, self.rng.choice(ids))

    def child_of(self, site_id: int) -> Child | None:
        ids = (
            db.session.execute(select(Child.id).where(Child.site_id == site_id, Child.status == ChildStatus.ACTIVE))
            .scalars()
            .all()
        )
        return db.session.get(Child, self.rng.choice(ids)) if ids else None

    def sign_in_known(self):
        activity = self.activity()
        child = self.child_of(activity.site_id)
        if child is not None:
            sign_in_child(activity, child_name=child.name, signed_by=None, nonce=self.nonce(), now=_open_now(activity))

    def sign_in_unknown_then_review(self):
        """A new name signs in; the manager merges it into a roster child or rejects it."""
        activity = self.activity()
        name = f"新来{self.nonces}"
        sign_in_child(activity, child_name=name, signed_by=None, nonce=self.nonce(), now=_open_now(activity))
        newcomer = db.session.execute(
            select(Child).where(Child.site_id == activity.site_id, Child.status == ChildStatus.TO_REVIEW)
        ).scalar()
        target = self.child_of(activity.site_id)
        if self.rng.random() < 0.6 and target is not None:
            merge_child(newcomer, target, user=self.admin)
        else:
            reject_child(newcomer, user=self.admin)

    def roll_call(self):
        activity = self.activity()
        child = self.child_of(activity.site_id)
        if child is not None:
            present = self.rng.random() < 0.7
            mark(activity, child, present=present, nonce=self.nonce(), user=self.admin, now=_open_now(activity))

    def void_one(self):
        if (attendance := _counted(self.rng)) is not None:
            attendance.voided_at = utcnow()

    def void_many_in_one_statement(self):
        ids = db.session.execute(select(Attendance.id).where(Attendance.voided_at.is_(None))).scalars().all()
        chosen = self.rng.sample(ids, min(len(ids), self.rng.randrange(2, 12)))
        db.session.execute(
            update(Attendance).where(Attendance.id.in_(chosen)).values(voided_at=utcnow()),
            execution_options={"synchronize_session": False},
        )

    def insert_many_in_one_statement(self):
        """A sheet import's shape: several rows of one activity in one INSERT."""
        activity = self.activity()
        present = set(
            db.session.execute(
                select(Attendance.child_id).where(Attendance.activity_id == activity.id, Attendance.voided_at.is_(None))
            ).scalars()
        )
        children = db.session.execute(select(Child.id).where(Child.site_id == activity.site_id)).scalars().all()
        new = [child for child in children if child not in present][: self.rng.randrange(1, 6)]
        if new:
            source = self.rng.choice([Source.IMPORT, Source.PAPER, Source.QR])
            db.session.execute(
                insert(Attendance),
                [{"activity_id": activity.id, "child_id": child, "source": source} for child in new],
            )

    def delete_one(self):
        if (attendance := _counted(self.rng)) is not None:
            db.session.execute(
                update(Child.__table__.metadata.tables["submissions"])
                .where(Child.__table__.metadata.tables["submissions"].c.attendance_id == attendance.id)
                .values(attendance_id=None)
            )
            db.session.execute(
                update(Child.__table__.metadata.tables["consents"])
                .where(Child.__table__.metadata.tables["consents"].c.attendance_id == attendance.id)
                .values(attendance_id=None)
            )
            db.session.execute(delete(Attendance).where(Attendance.id == attendance.id))

    def change_category(self):
        children = db.session.execute(select(Child.id)).scalars().all()
        child_id = self.rng.choice(children)
        periods = (
            db.session.execute(select(ChildCategoryPeriod).where(ChildCategoryPeriod.child_id == child_id))
            .scalars()
            .all()
        )
        choice = self.rng.random()
        if periods and choice < 0.3:
            db.session.delete(self.rng.choice(periods))
        elif periods and choice < 0.6:
            period = self.rng.choice(periods)
            period.since = date(2026, self.rng.randrange(1, 13), self.rng.randrange(1, 29))
            period.until = None if self.rng.random() < 0.5 else period.since + timedelta(days=self.rng.randrange(90))
        else:
            since = date(2026, self.rng.randrange(1, 13), self.rng.randrange(1, 29))
            db.session.add(
                ChildCategoryPeriod(
                    child_id=child_id,
                    category=self.rng.choice(CATEGORIES),
                    since=self.rng.choice([None, since]),
                    until=self.rng.choice([None, since + timedelta(days=self.rng.randrange(200))]),
                )
            )

    def move_activity(self):
        """An activity put on another day (and sometimes another kind or site) in plain SQL."""
        activity = self.activity()
        day = activity.on_date + timedelta(days=self.rng.choice([-40, -3, 1, 17, 33]))
        values = {"on_date": day, "opens_at": local_to_utc(day, activity.opens_at.time())}
        if activity.kind != ActivityKind.DAILY and self.rng.random() < 0.5:
            values["kind"] = self.rng.choice([ActivityKind.FESTIVAL, ActivityKind.VISIT, ActivityKind.OTHER])
        if activity.kind == ActivityKind.DAILY:
            return  # one daily opening per site and day: moving one could collide
        db.session.execute(update(Activity).where(Activity.id == activity.id).values(**values))
        db.session.expire_all()

    def sign_in_adult(self):
        activity = self.activity()
        role = self.rng.choice([AdultRole.GUARDIAN, AdultRole.VOLUNTEER])
        sign_in_adult(
            activity, role=role, name=f"家长{self.rng.randrange(40)}", relation=None, phone="", village="",
            child_name="", nonce=self.nonce(), now=_open_now(activity),
        )  # fmt: skip

    def void_or_delete_adult(self):
        ids = db.session.execute(select(AdultSignIn.id).where(AdultSignIn.voided_at.is_(None))).scalars().all()
        if not ids:
            return
        chosen = self.rng.sample(ids, min(len(ids), self.rng.randrange(1, 4)))
        if self.rng.random() < 0.7:
            db.session.execute(
                update(AdultSignIn).where(AdultSignIn.id.in_(chosen)).values(voided_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
            return
        tables = Child.__table__.metadata.tables
        for table in ("submissions", "consents"):
            db.session.execute(
                update(tables[table]).where(tables[table].c.adult_signin_id.in_(chosen)).values(adult_signin_id=None)
            )
        db.session.execute(delete(AdultSignIn).where(AdultSignIn.id.in_(chosen)))

    def purge_old(self):
        purge(date(2027, 6, 1), "1y", utcnow())

    def step(self):
        action = self.rng.choices(
            [
                self.sign_in_known,
                self.sign_in_unknown_then_review,
                self.roll_call,
                self.void_one,
                self.void_many_in_one_statement,
                self.insert_many_in_one_statement,
                self.delete_one,
                self.change_category,
                self.move_activity,
                self.sign_in_adult,
                self.void_or_delete_adult,
                self.purge_old,
            ],
            weights=[20, 8, 15, 8, 3, 5, 4, 10, 4, 10, 5, 1],
        )[0]
        try:
            with db.session.begin_nested():
                action()
                db.session.flush()
        except DomainError:  # e.g. roll-call of a day too long ago: refused, nothing written
            self.refused[action.__name__] += 1
        else:
            self.done[action.__name__] += 1


WRITES = [
    "sign_in_known",
    "sign_in_unknown_then_review",
    "roll_call",
    "void_one",
    "void_many_in_one_statement",
    "insert_many_in_one_statement",
    "delete_one",
    "change_category",
    "move_activity",
    "sign_in_adult",
    "void_or_delete_adult",
]


def _figures(tally) -> list:
    return [(row.row_type, row.site_id if row.row_type == "site" else None, row.figures) for row in tally.rows]


@pytest.fixture
def world(app):
    return build_world(app)


def test_rollups_match_the_raw_records_after_random_writes(ctx, world, monkeypatch):
    assert db.session.execute(select(VisitYear)).first() is not None  # the world was counted in
    assert rollup_differences() == []
    rng = random.Random(8)
    writer = Writer(rng)
    for number in range(1, 301):
        writer.step()
        if number % 50 == 0:
            db.session.commit()
            assert rollup_differences() == [], f"after {number} writes"
    assert all(writer.done[name] >= 3 for name in WRITES), (writer.done, writer.refused)
    # The tally from the rollups equals the tally from the raw rows alone, for whole and cut months.
    periods = [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 2, 10), date(2026, 7, 31)),
        (date(2025, 11, 1), date(2027, 2, 14)),  # three years
    ]
    from_rollups = [_figures(compute_tally("district", *period, as_of=AS_OF)) for period in periods]
    monkeypatch.setattr(queries, "split_months", lambda date_from, date_to: ([], [(date_from, date_to)]))
    from_raw = [_figures(compute_tally("district", *period, as_of=AS_OF)) for period in periods]
    assert from_rollups == from_raw
    assert from_raw[0][-1][2].child_participations > 0


def test_rebuild_recounts_rollups_that_were_edited_by_hand(ctx, world):
    db.session.execute(update(VisitYear).values(v05=VisitYear.v05 + 1))
    db.session.execute(delete(CategoryVisitYear))
    assert any(line.startswith("visit_years") for line in rollup_differences())
    assert any(line.startswith("category_visit_years") for line in rollup_differences())
    rebuild_rollups()
    assert rollup_differences() == []


def test_check_command_says_whether_rollups_match(app, runner, world):
    assert "match" in runner.invoke(args=["tally-rollups", "check"]).output
    with app.app_context():
        db.session.execute(update(VisitYear).values(p11=VisitYear.p11 + 1))
        db.session.commit()
    result = runner.invoke(args=["tally-rollups", "check"])
    assert result.exit_code == 1 and "visit_years" in result.output
    assert runner.invoke(args=["tally-rollups", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["tally-rollups", "check"]).exit_code == 0


def test_concurrent_sign_ins_of_one_child_in_one_month_all_count(app, make):
    """Sign-ins racing for the same rollup row (one child, one site, one month) add up."""
    site = make.site()
    days = [date(2026, 3, day) for day in range(2, 10)]
    activities = [make.activity(site, day=day, kind="festival", children=True, guardians=False) for day in days]
    make.child(site, "王小明")

    def sign_in(index):
        activity = db.session.get(Activity, activities[index]["id"])
        sign_in_child(activity, child_name="王小明", signed_by=None, nonce=f"race-{index}", now=_open_now(activity))

    assert race(app, len(activities), sign_in) == []
    with app.app_context():
        assert db.session.execute(select(VisitYear.v03)).scalar_one() == len(activities)
        assert rollup_differences() == []


@pytest.mark.parametrize(
    ("date_from", "date_to", "years", "days"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), [(2026, 1, 12)], []),
        (date(2026, 10, 1), date(2026, 12, 31), [(2026, 10, 12)], []),
        (date(2024, 2, 1), date(2024, 2, 29), [(2024, 2, 2)], []),
        (
            date(2025, 11, 15),
            date(2027, 3, 10),
            [(2025, 12, 12), (2026, 1, 12), (2027, 1, 2)],
            [(date(2025, 11, 15), date(2025, 11, 30)), (date(2027, 3, 1), date(2027, 3, 10))],
        ),
        (date(2026, 5, 2), date(2026, 5, 30), [], [(date(2026, 5, 2), date(2026, 5, 30))]),
        (date(2026, 5, 31), date(2026, 6, 1), [], [(date(2026, 5, 31), date(2026, 6, 1))]),
        (date(2026, 6, 2), date(2026, 6, 1), [], []),
    ],
)
def test_a_period_splits_into_whole_months_per_year_and_loose_days(date_from, date_to, years, days):
    assert queries.split_months(date_from, date_to) == (years, days)
