"""which activity a retired link belonged to

Revision ID: 1600
Revises: 1500
Create Date: 2026-11-29 11:00:00

A sign-in form sent again (Back, then the button) leads to its receipt when it had counted.
Sent to an activity link that a rotation retired in between, it said "this QR code is no
longer valid" instead, as a retired token named only its site. A rotation now keeps the
activity whose link it retires, so such a form finds the sign-in it made there. Links retired
before this revision keep no activity (NULL) and answer as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "1600"
down_revision = "1500"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("retired_site_tokens") as batch:
        batch.add_column(sa.Column("activity_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_retired_site_tokens_activity_id_activities"), "activities", ["activity_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("retired_site_tokens") as batch:
        batch.drop_constraint(batch.f("fk_retired_site_tokens_activity_id_activities"), type_="foreignkey")
        batch.drop_column("activity_id")
