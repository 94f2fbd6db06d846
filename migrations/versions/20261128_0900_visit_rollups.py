"""visit rollups: each child's visits per year, month by month, kept in step with the raw records by triggers

The tallies read these instead of every attendance row (formsvc/tallies/models.py says what a
row means, docs/performance.md why). Triggers keep them exact whatever writes:

- attendances inserted, deleted or updated (voided, merged into another child, moved to
  another activity): the old row's counts come off, the new row's go on;
- an activity moved to another day, site or kind: its children's months are recounted;
- a child's category periods added, changed or removed: that child's category months are
  recounted;
- attendances and adult sign-ins counted or no longer counted: their activity's count of
  sign-ins (activity_counts, what "held" means) goes up or down.

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
MONTHS = range(1, 13)
V = [f"v{month:02d}" for month in MONTHS]  # visits in the month
P = [f"p{month:02d}" for month in MONTHS]  # of which on paper or imported
YEAR = {
    "sqlite": "CAST(strftime('%Y', a.on_date) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM a.on_date) AS INTEGER)",
}
MONTH = {
    "sqlite": "CAST(strftime('%m', a.on_date) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(MONTH FROM a.on_date) AS INTEGER)",
}
VISIT_COLUMNS = ", ".join(["year", "site_id", "kind", "child_id", *V, *P])
CATEGORY_COLUMNS = ", ".join(["year", "site_id", "category", "child_id", *V])


def _joined(columns: list[str]) -> str:
    return ", ".join(columns)


def _zero(columns: list[str]) -> str:
    """True when every month of a row is zero: the row counts nothing and is deleted."""
    return " + ".join(columns) + " = 0"


def _recount(dialect: str, children: str) -> list[str]:
    """Statements that recount the rows of the children ``children`` (an SQL set) from the raw records."""
    year, month = YEAR[dialect], MONTH[dialect]
    visits = [f"sum(CASE WHEN {month} = {m} THEN 1 ELSE 0 END)" for m in MONTHS]
    paper = [f"sum(CASE WHEN {month} = {m} AND t.source IN {PAPER} THEN 1 ELSE 0 END)" for m in MONTHS]
    return [
        f"DELETE FROM visit_years WHERE child_id IN ({children})",
        f"""INSERT INTO visit_years ({VISIT_COLUMNS})
            SELECT {year}, a.site_id, a.kind, t.child_id, {_joined(visits + paper)}
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            WHERE t.voided_at IS NULL AND t.child_id IN ({children})
            GROUP BY 1, 2, 3, 4""",
        *_recount_categories(dialect, children),
    ]


def _recount_categories(dialect: str, children: str) -> list[str]:
    year, month = YEAR[dialect], MONTH[dialect]
    # DISTINCT t.id: two overlapping periods of one category count a visit once.
    visits = [f"count(DISTINCT CASE WHEN {month} = {m} THEN t.id END)" for m in MONTHS]
    return [
        f"DELETE FROM category_visit_years WHERE child_id IN ({children})",
        f"""INSERT INTO category_visit_years ({CATEGORY_COLUMNS})
            SELECT {year}, a.site_id, c.category, t.child_id, {_joined(visits)}
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            JOIN child_categories c ON c.child_id = t.child_id AND {COVERS}
            WHERE t.voided_at IS NULL AND t.child_id IN ({children})
            GROUP BY 1, 2, 3, 4""",
    ]


RECOUNT_ACTIVITY_COUNTS = """INSERT INTO activity_counts (activity_id, signins)
    SELECT activity_id, count(*) FROM (
        SELECT activity_id FROM attendances WHERE voided_at IS NULL
        UNION ALL SELECT activity_id FROM adult_signins WHERE voided_at IS NULL
    ) AS counted GROUP BY activity_id"""


# --- SQLite: row triggers; R is NEW or OLD ----------------------------------------------------


def _sqlite_add(row: str) -> list[str]:
    year, month = YEAR["sqlite"], MONTH["sqlite"]
    visits = [f"{month} = {m}" for m in MONTHS]
    paper = [f"{month} = {m} AND {row}.source IN {PAPER}" for m in MONTHS]
    return [
        f"""INSERT INTO visit_years ({VISIT_COLUMNS})
            SELECT {year}, a.site_id, a.kind, {row}.child_id, {_joined(visits + paper)}
            FROM activities a WHERE a.id = {row}.activity_id AND {row}.voided_at IS NULL
            ON CONFLICT (year, site_id, kind, child_id)
            DO UPDATE SET {_joined([f"{c} = {c} + excluded.{c}" for c in V + P])}""",
        f"""INSERT INTO category_visit_years ({CATEGORY_COLUMNS})
            SELECT DISTINCT {year}, a.site_id, c.category, {row}.child_id, {_joined(visits)}
            FROM activities a JOIN child_categories c ON c.child_id = {row}.child_id
            WHERE a.id = {row}.activity_id AND {row}.voided_at IS NULL AND {COVERS}
            ON CONFLICT (year, site_id, category, child_id)
            DO UPDATE SET {_joined([f"{c} = {c} + excluded.{c}" for c in V])}""",
    ]


def _sqlite_count(row: str, sign: str) -> list[str]:
    """Add (sign "+") or take (sign "-") row R's sign-in to or from its activity's count, if R counts."""
    if sign == "+":
        return [
            f"""INSERT INTO activity_counts (activity_id, signins) SELECT {row}.activity_id, 1
                WHERE {row}.voided_at IS NULL
                ON CONFLICT (activity_id) DO UPDATE SET signins = signins + 1"""
        ]
    return [
        f"""UPDATE activity_counts SET signins = signins - 1
            WHERE activity_id = {row}.activity_id AND {row}.voided_at IS NULL""",
        f"DELETE FROM activity_counts WHERE activity_id = {row}.activity_id AND signins = 0",
    ]


def _sqlite_remove(row: str) -> list[str]:
    year = YEAR["sqlite"]
    month = f"(SELECT {MONTH['sqlite']} FROM activities a WHERE a.id = {row}.activity_id)"
    paper = f"({row}.source IN {PAPER})"
    take_visits = [f"{c} = {c} - ({month} = {m})" for c, m in zip(V, MONTHS, strict=True)]
    take_paper = [f"{c} = {c} - ({month} = {m} AND {paper})" for c, m in zip(P, MONTHS, strict=True)]
    return [
        f"""UPDATE visit_years SET {_joined(take_visits + take_paper)}
            WHERE {row}.voided_at IS NULL AND child_id = {row}.child_id
            AND (year, site_id, kind) =
                (SELECT {year}, a.site_id, a.kind FROM activities a WHERE a.id = {row}.activity_id)""",
        f"DELETE FROM visit_years WHERE child_id = {row}.child_id AND {_zero(V)}",
        f"""UPDATE category_visit_years SET {_joined(take_visits)}
            WHERE {row}.voided_at IS NULL AND child_id = {row}.child_id
            AND (year, site_id, category) IN
                (SELECT DISTINCT {year}, a.site_id, c.category
                 FROM activities a JOIN child_categories c ON c.child_id = {row}.child_id
                 WHERE a.id = {row}.activity_id AND {COVERS})""",
        f"DELETE FROM category_visit_years WHERE child_id = {row}.child_id AND {_zero(V)}",
    ]


def _sqlite_trigger(name: str, event: str, table: str, statements: list[str], when: str = "") -> str:
    body = ";\n".join(statements)
    when = f"WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} {when}\nBEGIN\n{body};\nEND"


SQLITE_TRIGGERS = {
    "rollup_attendances_insert": _sqlite_trigger(
        "rollup_attendances_insert",
        "INSERT",
        "attendances",
        _sqlite_add("NEW") + _sqlite_count("NEW", "+"),
        when="NEW.voided_at IS NULL",
    ),
    "rollup_attendances_delete": _sqlite_trigger(
        "rollup_attendances_delete",
        "DELETE",
        "attendances",
        _sqlite_remove("OLD") + _sqlite_count("OLD", "-"),
        when="OLD.voided_at IS NULL",
    ),
    "rollup_attendances_update": _sqlite_trigger(
        "rollup_attendances_update",
        "UPDATE OF activity_id, child_id, source, voided_at",
        "attendances",
        _sqlite_remove("OLD") + _sqlite_count("OLD", "-") + _sqlite_add("NEW") + _sqlite_count("NEW", "+"),
    ),
    "rollup_adult_signins_insert": _sqlite_trigger(
        "rollup_adult_signins_insert", "INSERT", "adult_signins", _sqlite_count("NEW", "+")
    ),
    "rollup_adult_signins_delete": _sqlite_trigger(
        "rollup_adult_signins_delete", "DELETE", "adult_signins", _sqlite_count("OLD", "-")
    ),
    "rollup_adult_signins_update": _sqlite_trigger(
        "rollup_adult_signins_update",
        "UPDATE OF activity_id, voided_at",
        "adult_signins",
        _sqlite_count("OLD", "-") + _sqlite_count("NEW", "+"),
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


def _pg_grouped_visits(rows: str) -> str:
    year, month = YEAR["postgresql"], MONTH["postgresql"]
    visits = [f"count(*) FILTER (WHERE {month} = {m}) AS {c}" for c, m in zip(V, MONTHS, strict=True)]
    paper = [
        f"count(*) FILTER (WHERE {month} = {m} AND r.source IN {PAPER}) AS {c}" for c, m in zip(P, MONTHS, strict=True)
    ]
    return f"""SELECT {year} AS year, a.site_id, a.kind, r.child_id, {_joined(visits + paper)}
               FROM {rows} r JOIN activities a ON a.id = r.activity_id
               WHERE r.voided_at IS NULL GROUP BY 1, 2, 3, 4"""


def _pg_grouped_categories(rows: str) -> str:
    year, month = YEAR["postgresql"], MONTH["postgresql"]
    visits = [f"count(DISTINCT r.id) FILTER (WHERE {month} = {m}) AS {c}" for c, m in zip(V, MONTHS, strict=True)]
    return f"""SELECT {year} AS year, a.site_id, c.category, r.child_id, {_joined(visits)}
               FROM {rows} r JOIN activities a ON a.id = r.activity_id
               JOIN child_categories c ON c.child_id = r.child_id AND {COVERS}
               WHERE r.voided_at IS NULL GROUP BY 1, 2, 3, 4"""


def _pg_add(rows: str) -> list[str]:
    return [
        f"""INSERT INTO visit_years AS v ({VISIT_COLUMNS}) {_pg_grouped_visits(rows)}
            ON CONFLICT (year, site_id, kind, child_id)
            DO UPDATE SET {_joined([f"{c} = v.{c} + excluded.{c}" for c in V + P])}""",
        f"""INSERT INTO category_visit_years AS v ({CATEGORY_COLUMNS}) {_pg_grouped_categories(rows)}
            ON CONFLICT (year, site_id, category, child_id)
            DO UPDATE SET {_joined([f"{c} = v.{c} + excluded.{c}" for c in V])}""",
    ]


def _pg_remove(rows: str) -> list[str]:
    return [
        f"""UPDATE visit_years v SET {_joined([f"{c} = v.{c} - d.{c}" for c in V + P])}
            FROM ({_pg_grouped_visits(rows)}) d
            WHERE (v.year, v.site_id, v.kind, v.child_id) = (d.year, d.site_id, d.kind, d.child_id)""",
        f"DELETE FROM visit_years WHERE child_id IN (SELECT child_id FROM {rows}) AND {_zero(V)}",
        f"""UPDATE category_visit_years v SET {_joined([f"{c} = v.{c} - d.{c}" for c in V])}
            FROM ({_pg_grouped_categories(rows)}) d
            WHERE (v.year, v.site_id, v.category, v.child_id) = (d.year, d.site_id, d.category, d.child_id)""",
        f"DELETE FROM category_visit_years WHERE child_id IN (SELECT child_id FROM {rows}) AND {_zero(V)}",
    ]


def _pg_count(rows: str, sign: str) -> list[str]:
    """Add (sign "+") or take (sign "-") the counted rows of a transition table to or from the activity counts."""
    grouped = f"SELECT activity_id, count(*) AS signins FROM {rows} WHERE voided_at IS NULL GROUP BY activity_id"
    if sign == "+":
        return [
            f"""INSERT INTO activity_counts AS c (activity_id, signins) {grouped}
                ON CONFLICT (activity_id) DO UPDATE SET signins = c.signins + excluded.signins"""
        ]
    return [
        f"""UPDATE activity_counts c SET signins = c.signins - d.signins FROM ({grouped}) d
            WHERE c.activity_id = d.activity_id""",
        f"DELETE FROM activity_counts WHERE activity_id IN (SELECT activity_id FROM {rows}) AND signins = 0",
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
        "rollup_attendances_inserted", _pg_lock("new_rows") + _pg_add("new_rows") + _pg_count("new_rows", "+")
    ),
    "rollup_attendances_deleted": _pg_function(
        "rollup_attendances_deleted", _pg_lock("old_rows") + _pg_remove("old_rows") + _pg_count("old_rows", "-")
    ),
    "rollup_attendances_updated": _pg_function(
        "rollup_attendances_updated",
        _pg_lock("old_rows")
        + _pg_lock("new_rows")
        + _pg_remove("old_rows")
        + _pg_count("old_rows", "-")
        + _pg_add("new_rows")
        + _pg_count("new_rows", "+"),
    ),
    "rollup_adult_signins_inserted": _pg_function("rollup_adult_signins_inserted", _pg_count("new_rows", "+")),
    "rollup_adult_signins_deleted": _pg_function("rollup_adult_signins_deleted", _pg_count("old_rows", "-")),
    "rollup_adult_signins_updated": _pg_function(
        "rollup_adult_signins_updated", _pg_count("old_rows", "-") + _pg_count("new_rows", "+")
    ),
    "rollup_activity_moved": _pg_function(
        "rollup_activity_moved",
        [_LOCK_CHILD.format(children="SELECT child_id FROM attendances WHERE activity_id = NEW.id")]
        + _recount("postgresql", "SELECT child_id FROM attendances WHERE activity_id = NEW.id"),
    ),
    "rollup_child_categories_changed": _pg_function(
        "rollup_child_categories_changed",
        # OLD is NULL on INSERT and NEW on DELETE: a NULL in the list matches nothing.
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
    "rollup_adult_signins_insert": "CREATE TRIGGER rollup_adult_signins_insert AFTER INSERT ON adult_signins "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_adult_signins_inserted()",
    "rollup_adult_signins_delete": "CREATE TRIGGER rollup_adult_signins_delete AFTER DELETE ON adult_signins "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_adult_signins_deleted()",
    "rollup_adult_signins_update": "CREATE TRIGGER rollup_adult_signins_update AFTER UPDATE ON adult_signins "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION rollup_adult_signins_updated()",
    "rollup_activities_update": "CREATE TRIGGER rollup_activities_update AFTER UPDATE OF site_id, on_date, kind "
    "ON activities FOR EACH ROW WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.on_date IS DISTINCT FROM "
    "NEW.on_date OR OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION rollup_activity_moved()",
    "rollup_child_categories_change": "CREATE TRIGGER rollup_child_categories_change "
    "AFTER INSERT OR UPDATE OR DELETE ON child_categories FOR EACH ROW "
    "EXECUTE FUNCTION rollup_child_categories_changed()",
}

ACTIVITY_KINDS = ("daily", "parent_training", "volunteer", "visit", "festival", "other")
CATEGORIES = ("left_behind", "difficult", "disabled", "registered_poor", "military_family", "other")


def upgrade():
    op.create_table(
        "visit_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*ACTIVITY_KINDS, name="activitykind", native_enum=False, length=20), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        *(sa.Column(column, sa.Integer(), nullable=False) for column in V + P),
        sa.PrimaryKeyConstraint("year", "site_id", "kind", "child_id", name=op.f("pk_visit_years")),
    )
    op.create_index("ix_visit_years_child", "visit_years", ["child_id"], unique=False)
    op.create_table(
        "category_visit_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.Enum(*CATEGORIES, name="childcategory", native_enum=False, length=20), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        *(sa.Column(column, sa.Integer(), nullable=False) for column in V),
        sa.PrimaryKeyConstraint("year", "site_id", "category", "child_id", name=op.f("pk_category_visit_years")),
    )
    op.create_index("ix_category_visit_years_child", "category_visit_years", ["child_id"], unique=False)
    op.create_table(
        "activity_counts",
        sa.Column("activity_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activity_counts")),
    )

    dialect = op.get_bind().dialect.name
    # The rows of the records already there, then the triggers that keep them.
    for statement in _recount(dialect, "SELECT id FROM children"):
        op.execute(statement)
    op.execute(RECOUNT_ACTIVITY_COUNTS)
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
            ("rollup_adult_signins_insert", "adult_signins"),
            ("rollup_adult_signins_delete", "adult_signins"),
            ("rollup_adult_signins_update", "adult_signins"),
            ("rollup_activities_update", "activities"),
            ("rollup_child_categories_change", "child_categories"),
        ):
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("activity_counts")
    op.drop_index("ix_category_visit_years_child", table_name="category_visit_years")
    op.drop_table("category_visit_years")
    op.drop_index("ix_visit_years_child", table_name="visit_years")
    op.drop_table("visit_years")
