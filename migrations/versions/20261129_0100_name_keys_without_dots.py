"""name keys without the dots of minority names

Revision ID: 1100
Revises: 1000
Create Date: 2026-11-29 03:40:00

formsvc.text.name_key now drops the dot between the parts of a name, so 热依拉·艾力, 热依拉・艾力
and 热依拉.艾力 share a key. The keys stored before keep their dots; this takes them out, for
children and for adult sign-ins. Where that would give a key already taken in the same unique
scope (two to-review children of one home, two sign-ins of one person at one activity), the
row keeps its old key: it stays a separate entry, as it was, and the review merges children.
"""

import sqlalchemy as sa
from alembic import op

revision = "1100"
down_revision = "1000"
branch_labels = None
depends_on = None

# As formsvc.text.NAME_DOTS on the day of this migration (keys are stored NFKC-folded).
DOTS = "\u00b7\u30fb\u2022\u2027\u2219\u22c5."


def _without_dots(key: str) -> str:
    return "".join(char for char in key if char not in DOTS)


def _rekey(table: str, scope: list[str], unique_where: str) -> None:
    connection = op.get_bind()
    has_dot = " OR ".join(f"name_key LIKE '%{dot}%'" for dot in DOTS)
    columns = ", ".join(["id", "name_key", *scope])
    rows = connection.execute(sa.text(f"SELECT {columns} FROM {table} WHERE {has_dot}")).mappings().all()
    for row in rows:
        new_key = _without_dots(row["name_key"])
        same_scope = " AND ".join(f"{column} = :{column}" for column in scope)
        taken = connection.execute(
            sa.text(f"SELECT 1 FROM {table} WHERE {same_scope} AND name_key = :key AND id <> :id AND {unique_where}"),
            {**{column: row[column] for column in scope}, "key": new_key, "id": row["id"]},
        ).first()
        if taken is None:
            connection.execute(
                sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"), {"key": new_key, "id": row["id"]}
            )


def upgrade():
    _rekey("children", ["site_id", "status"], "status = 'to_review'")
    _rekey("adult_signins", ["activity_id", "role"], "voided_at IS NULL")


def downgrade():
    # The keys are not put back: without the dot they still match what the older code computes
    # for the same name typed without one, and nothing else reads them.
    pass
