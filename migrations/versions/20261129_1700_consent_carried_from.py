"""the ticked consent a carried-over consent came from

Revision ID: 1700
Revises: 1600
Create Date: 2026-11-29 17:00:00

A carried-over consent was linked only to the sign-in it came with: the phone's cookie kept
the version accepted and not which sign-in it was ticked on. The cookie now names the ticked
consent, and a row carried over from it points at it. Rows stored before this revision do not
know it (NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = "1700"
down_revision = "1600"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_consents_carried_from_id_consents"), "consents", ["carried_from_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint(batch.f("fk_consents_carried_from_id_consents"), type_="foreignkey")
        batch.drop_column("carried_from_id")
