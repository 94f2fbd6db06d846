"""visit rollups: monthly visit counts per child, kept in step with the raw records by triggers

The tallies read these instead of every attendance row (formsvc/tallies/models.py says what a
row means, docs/performance.md why). Triggers keep them exact whatever writes:

- attendances inserted, deleted or updated (voided, merged into another child, moved to
  another activity): the old row's counts come off, the new row's go on;
- an activity moved to another day, site or kind: its children's months are recounted;
- a child's category periods added, changed or removed: that child's category months are
  recounted.

SQLite has only row triggers, so its trigger bodies repeat the statements per row.
PostgreSQL uses statement triggers with transition tables for attendances (a COPY of a
million rows is one aggregate per statement), and locks the activity (FOR SHARE) and the
child (FOR NO KEY UPDATE) a change touches, so that a sign-in and a concurrent category edit
or activity move cannot each count the other's state half-way.

CAUTION for later migrations: on SQLite, ``batch_alter_table`` recreates the table and drops
its triggers. A migration that batch-alters attendances, activities or child_categories must
create the triggers below again (tests/test_rollups.py fails if they are missing).

Revision ID: 0900
Revises: 0800
Create Date: 2026-11-28 19:01:18.146632

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0900"
down_revision = "0800"
branch_labels = None
depends_on = None

PAPER = "('paper', 'import')"
COVERS = "(c.since IS NULL OR c.since <= a.on_date) AND (c.until IS NULL OR c.until >= a.on_date)"
MONTH = {
    "sqlite": "date(a.on_date, 'start of month')",
    "postgresql": "date_trunc('month', a.on_date)::date",
}


def _recount(dialect: str, children: str) -> list[str]:
    """Statements that recount the months of the children ``children`` (an SQL set) from the raw rows."""
    month = MONTH[dialect]
    paper = f"sum(CASE WHEN t.source IN {PAPER} THEN 1 ELSE 0 END)"
    return [
        f"DELETE FROM visit_months WHERE child_id IN ({children})",
        f"""INSERT INTO visit_months (month, site_id, kind, child_id, visits, paper)
            SELECT {month}, a.site_id, a.kind, t.child_id, count(*), {paper}
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            WHERE t.voided_at IS NULL AND t.child_id IN ({children})
            GROUP BY 1, 2, 3, 4""",
        *_recount_categories(dialect, children),
    ]


def _recount_categories(dialect: str, children: str) -> list[str]:
    month = MONTH[dialect]
    return [
        f"DELETE FROM category_visit_months WHERE child_id IN ({children})",
        # DISTINCT t.id: two overlapping periods of one category count a visit once.
        f"""INSERT INTO category_visit_months (month, site_id, category, child_id, visits)
            SELECT {month}, a.site_id, c.category, t.child_id, count(DISTINCT t.id)
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            JOIN child_categories c ON c.child_id = t.child_id AND {COVERS}
            WHERE t.voided_at IS NULL AND t.child_id IN ({children})
            GROUP BY 1, 2, 3, 4""",
    ]


# --- SQLite: row triggers; R is NEW or OLD ----------------------------------------------------


def _sqlite_add(row: str) -> list[str]:
    month = MONTH["sqlite"]
    return [
        f"""INSERT INTO visit_months (month, site_id, kind, child_id, visits, paper)
            SELECT {month}, a.site_id, a.kind, {row}.child_id, 1, {row}.source IN {PAPER}
            FROM activities a WHERE a.id = {row}.activity_id AND {row}.voided_at IS NULL
            ON CONFLICT (month, site_id, kind, child_id)
            DO UPDATE SET visits = visits + excluded.visits, paper = paper + excluded.paper""",
        f"""INSERT INTO category_visit_months (month, site_id, category, child_id, visits)
            SELECT DISTINCT {month}, a.site_id, c.category, {row}.child_id, 1
            FROM activities a JOIN child_categories c ON c.child_id = {row}.child_id
            WHERE a.id = {row}.activity_id AND {row}.voided_at IS NULL AND {COVERS}
            ON CONFLICT (month, site_id, category, child_id) DO UPDATE SET visits = visits + excluded.visits""",
    ]


def _sqlite_remove(row: str) -> list[str]:
    month = MONTH["sqlite"]
    return [
        f"""UPDATE visit_months SET visits = visits - 1, paper = paper - ({row}.source IN {PAPER})
            WHERE {row}.voided_at IS NULL AND child_id = {row}.child_id
            AND (month, site_id, kind) =
                (SELECT {month}, a.site_id, a.kind FROM activities a WHERE a.id = {row}.activity_id)""",
        f"DELETE FROM visit_months WHERE child_id = {row}.child_id AND visits = 0",
        f"""UPDATE category_visit_months SET visits = visits - 1
            WHERE {row}.voided_at IS NULL AND child_id = {row}.child_id
            AND (month, site_id, category) IN
                (SELECT DISTINCT {month}, a.site_id, c.category
                 FROM activities a JOIN child_categories c ON c.child_id = {row}.child_id
                 WHERE a.id = {row}.activity_id AND {COVERS})""",
        f"DELETE FROM category_visit_months WHERE child_id = {row}.child_id AND visits = 0",
    ]


def _sqlite_trigger(name: str, event: str, table: str, statements: list[str], when: str = "") -> str:
    body = ";\n".join(statements)
    when = f"WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} {when}\nBEGIN\n{body};\nEND"


SQLITE_TRIGGERS = {
    "rollup_attendances_insert": _sqlite_trigger(
        "rollup_attendances_insert", "INSERT", "attendances", _sqlite_add("NEW"), when="NEW.voided_at IS NULL"
    ),
    "rollup_attendances_delete": _sqlite_trigger(
        "rollup_attendances_delete", "DELETE", "attendances", _sqlite_remove("OLD"), when="OLD.voided_at IS NULL"
    ),
    "rollup_attendances_update": _sqlite_trigger(
        "rollup_attendances_update",
        "UPDATE OF activity_id, child_id, source, voided_at",
        "attendances",
        _sqlite_remove("OLD") + _sqlite_add("NEW"),
    ),
    "rollup_activities_update": _sqlite_trigger(
        "rollup_activities_update",
        "UPDATE OF site_id, on_date, kind",
        "activities",
        _recount("sqlite", "SELECT child_id FROM attendances WHERE activity_id = NEW.id"),
        when="OLD.site_id IS NOT NEW.site_id OR OLD.on_date IS NOT NEW.on_date OR OLD.kind IS NOT NEW.kind",
    ),
    "rollup_child_categories_insert": _sqlite_trigger(
        "rollup_child_categories_insert", "INSERT", "child_categories", _recount_categories("sqlite", "NEW.child_id")
    ),
    "rollup_child_categories_update": _sqlite_trigger(
        "rollup_child_categories_update",
        "UPDATE",
        "child_categories",
        _recount_categories("sqlite", "OLD.child_id, NEW.child_id"),
    ),
    "rollup_child_categories_delete": _sqlite_trigger(
        "rollup_child_categories_delete", "DELETE", "child_categories", _recount_categories("sqlite", "OLD.child_id")
    ),
}


# --- PostgreSQL: statement triggers over transition tables, row triggers for the rare edits ---


def _pg_add(rows: str) -> list[str]:
    month = MONTH["postgresql"]
    return [
        f"""INSERT INTO visit_months AS v (month, site_id, kind, child_id, visits, paper)
            SELECT {month}, a.site_id, a.kind, r.child_id, count(*), count(*) FILTER (WHERE r.source IN {PAPER})
            FROM {rows} r JOIN activities a ON a.id = r.activity_id
            WHERE r.voided_at IS NULL
            GROUP BY 1, 2, 3, 4
            ON CONFLICT (month, site_id, kind, child_id)
            DO UPDATE SET visits = v.visits + excluded.visits, paper = v.paper + excluded.paper""",
        f"""INSERT INTO category_visit_months AS v (month, site_id, category, child_id, visits)
            SELECT {month}, a.site_id, c.category, r.child_id, count(DISTINCT r.id)
            FROM {rows} r JOIN activities a ON a.id = r.activity_id
            JOIN child_categories c ON c.child_id = r.child_id AND {COVERS}
            WHERE r.voided_at IS NULL
            GROUP BY 1, 2, 3, 4
            ON CONFLICT (month, site_id, category, child_id) DO UPDATE SET visits = v.visits + excluded.visits""",
    ]


def _pg_remove(rows: str) -> list[str]:
    month = MONTH["postgresql"]
    return [
        f"""UPDATE visit_months v SET visits = v.visits - d.visits, paper = v.paper - d.paper
            FROM (SELECT {month} AS month, a.site_id, a.kind, r.child_id, count(*) AS visits,
                         count(*) FILTER (WHERE r.source IN {PAPER}) AS paper
                  FROM {rows} r JOIN activities a ON a.id = r.activity_id
                  WHERE r.voided_at IS NULL GROUP BY 1, 2, 3, 4) d
            WHERE (v.month, v.site_id, v.kind, v.child_id) = (d.month, d.site_id, d.kind, d.child_id)""",
        f"DELETE FROM visit_months WHERE child_id IN (SELECT child_id FROM {rows}) AND visits = 0",
        f"""UPDATE category_visit_months v SET visits = v.visits - d.visits
            FROM (SELECT {month} AS month, a.site_id, c.category, r.child_id, count(DISTINCT r.id) AS visits
                  FROM {rows} r JOIN activities a ON a.id = r.activity_id
                  JOIN child_categories c ON c.child_id = r.child_id AND {COVERS}
                  WHERE r.voided_at IS NULL GROUP BY 1, 2, 3, 4) d
            WHERE (v.month, v.site_id, v.category, v.child_id) = (d.month, d.site_id, d.category, d.child_id)""",
        f"DELETE FROM category_visit_months WHERE child_id IN (SELECT child_id FROM {rows}) AND visits = 0",
    ]


def _pg_lock(rows: str) -> list[str]:
    return [
        f"PERFORM 1 FROM activities WHERE id IN (SELECT activity_id FROM {rows}) ORDER BY id FOR SHARE",
        f"PERFORM 1 FROM children WHERE id IN (SELECT child_id FROM {rows}) ORDER BY id FOR NO KEY UPDATE",
    ]


def _pg_function(name: str, statements: list[str]) -> str:
    body = ";\n".join(statements)
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body};\nRETURN NULL;\nEND\n$$"


_LOCK_CHILD = "PERFORM 1 FROM children WHERE id IN ({children}) ORDER BY id FOR NO KEY UPDATE"

PG_FUNCTIONS = {
    "rollup_attendances_inserted": _pg_function(
        "rollup_attendances_inserted", _pg_lock("new_rows") + _pg_add("new_rows")
    ),
    "rollup_attendances_deleted": _pg_function(
        "rollup_attendances_deleted", _pg_lock("old_rows") + _pg_remove("old_rows")
    ),
    "rollup_attendances_updated": _pg_function(
        "rollup_attendances_updated",
        _pg_lock("old_rows") + _pg_lock("new_rows") + _pg_remove("old_rows") + _pg_add("new_rows"),
    ),
    "rollup_activity_moved": _pg_function(
        "rollup_activity_moved",
        [_LOCK_CHILD.format(children="SELECT child_id FROM attendances WHERE activity_id = NEW.id")]
        + _recount("postgresql", "SELECT child_id FROM attendances WHERE activity_id = NEW.id"),
    ),
    "rollup_child_categories_changed": _pg_function(
        "rollup_child_categories_changed",
        # OLD is NULL on INSERT and NEW on DELETE: recount whichever children the row had.
        [_LOCK_CHILD.format(children="OLD.child_id, NEW.child_id")]
        + _recount_categories("postgresql", "OLD.child_id, NEW.child_id"),
    ),
}

PG_TRIGGERS = {
    "rollup_attendances_insert": "CREATE TRIGGER rollup_attendances_insert AFTER INSERT ON attendances "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_attendances_inserted()",
    "rollup_attendances_delete": "CREATE TRIGGER rollup_attendances_delete AFTER DELETE ON attendances "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_attendances_deleted()",
    "rollup_attendances_update": "CREATE TRIGGER rollup_attendances_update AFTER UPDATE ON attendances "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION rollup_attendances_updated()",
    "rollup_activities_update": "CREATE TRIGGER rollup_activities_update AFTER UPDATE OF site_id, on_date, kind "
    "ON activities FOR EACH ROW WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.on_date IS DISTINCT FROM "
    "NEW.on_date OR OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION rollup_activity_moved()",
    "rollup_child_categories_change": "CREATE TRIGGER rollup_child_categories_change "
    "AFTER INSERT OR UPDATE OR DELETE ON child_categories FOR EACH ROW "
    "EXECUTE FUNCTION rollup_child_categories_changed()",
}

# On PostgreSQL, OLD in an INSERT row trigger (and NEW in a DELETE one) is NULL, so
# "IN (OLD.child_id, NEW.child_id)" holds a NULL that matches nothing: what is wanted.


def upgrade():
    op.create_table(
        "category_visit_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "left_behind",
                "difficult",
                "disabled",
                "registered_poor",
                "military_family",
                "other",
                name="childcategory",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "site_id", "category", "child_id", name=op.f("pk_category_visit_months")),
    )
    op.create_index("ix_category_visit_months_child", "category_visit_months", ["child_id"], unique=False)
    op.create_table(
        "visit_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "daily",
                "parent_training",
                "volunteer",
                "visit",
                "festival",
                "other",
                name="activitykind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("paper", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "site_id", "kind", "child_id", name=op.f("pk_visit_months")),
    )
    op.create_index("ix_visit_months_child", "visit_months", ["child_id"], unique=False)

    dialect = op.get_bind().dialect.name
    # The months of the records already there, then the triggers that keep them.
    for statement in _recount(dialect, "SELECT id FROM children"):
        op.execute(statement)
    if dialect == "postgresql":
        for function in PG_FUNCTIONS.values():
            op.execute(function)
        for trigger in PG_TRIGGERS.values():
            op.execute(trigger)
    else:
        for trigger in SQLITE_TRIGGERS.values():
            op.execute(trigger)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table in (
            ("rollup_attendances_insert", "attendances"),
            ("rollup_attendances_delete", "attendances"),
            ("rollup_attendances_update", "attendances"),
            ("rollup_activities_update", "activities"),
            ("rollup_child_categories_change", "child_categories"),
        ):
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_visit_months_child", table_name="visit_months")
    op.drop_table("visit_months")
    op.drop_index("ix_category_visit_months_child", table_name="category_visit_months")
    op.drop_table("category_visit_months")
