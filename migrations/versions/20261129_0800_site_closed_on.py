"""the day a home was deactivated

Revision ID: 1300
Revises: 1200
Create Date: 2026-11-29 08:00:00

A tally lists the homes that were open during its period. Without the day a home closed, a
home deactivated today dropped out of last year's tally too (when it had no activity then),
so last year's count of homes changed with a later click. Homes deactivated before this
revision keep no day (NULL): they are listed, as before, only where they had activity.
"""

import sqlalchemy as sa
from alembic import op

revision = "1300"
down_revision = "1200"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of "sites" would drop the table that
    # every other table's foreign keys point at.
    op.execute("ALTER TABLE sites DROP COLUMN closed_on")
