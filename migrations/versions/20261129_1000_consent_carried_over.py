"""a consent row for every child signed in from a phone that accepted, and how it was given

Revision ID: 1500
Revises: 1400
Create Date: 2026-11-29 10:00:00

A phone asks for the guardian's consent once; a second child signed in from it afterwards
had no consent row, so the district could not show consent for that child. Such a child now
gets a row "carried over" from the phone's earlier acceptance. Rows stored before this
revision were all ticked on their own form. ``child_id`` names the child a row covers (the
child signed in, or the roster child a guardian's sign-in named), filled in here from the
sign-in each row came with.
"""

import sqlalchemy as sa
from alembic import op

revision = "1500"
down_revision = "1400"
branch_labels = None
depends_on = None

CARRIED_OVER_ONLY = sa.text("how_given = 'carried_over'")


def upgrade():
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("how_given", sa.String(length=20), server_default="ticked", nullable=False))
        batch.create_foreign_key(batch.f("fk_consents_child_id_children"), "children", ["child_id"], ["id"])
        batch.create_index("ix_consents_child_text", ["child_id", "text_id"], unique=False)
        batch.create_index(
            "uq_consents_carried_over_once",
            ["child_id", "text_id"],
            unique=True,
            sqlite_where=CARRIED_OVER_ONLY,
            postgresql_where=CARRIED_OVER_ONLY,
        )
    op.execute(
        "UPDATE consents SET child_id = "
        "(SELECT attendances.child_id FROM attendances WHERE attendances.id = consents.attendance_id) "
        "WHERE attendance_id IS NOT NULL"
    )
    op.execute(
        "UPDATE consents SET child_id = "
        "(SELECT adult_signins.child_id FROM adult_signins WHERE adult_signins.id = consents.adult_signin_id) "
        "WHERE attendance_id IS NULL AND adult_signin_id IS NOT NULL"
    )


def downgrade():
    # The carried-over rows go with the column that tells them apart: left behind, they would
    # read as consents ticked on a form that never asked.
    op.execute("DELETE FROM consents WHERE how_given = 'carried_over'")
    with op.batch_alter_table("consents") as batch:
        batch.drop_index("uq_consents_carried_over_once")
        batch.drop_index("ix_consents_child_text")
        batch.drop_constraint(batch.f("fk_consents_child_id_children"), type_="foreignkey")
        batch.drop_column("how_given")
        batch.drop_column("child_id")
