"""tally indexes: covering indexes for the tallies (docs/performance.md)

Revision ID: 0700
Revises: 0600
Create Date: 2026-11-28 17:25:59.903516

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0700'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_site_date'))
        batch_op.create_index('ix_activities_site_date_kind', ['site_id', 'on_date', 'kind'], unique=False)

    with op.batch_alter_table('adult_signins', schema=None) as batch_op:
        batch_op.create_index('ix_adult_signins_tally', ['activity_id', 'role', 'source'], unique=False, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_tally', ['activity_id', 'child_id', 'source'], unique=False, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))

def downgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_tally', sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))

    with op.batch_alter_table('adult_signins', schema=None) as batch_op:
        batch_op.drop_index('ix_adult_signins_tally', sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_site_date_kind')
        batch_op.create_index(batch_op.f('ix_activities_site_date'), ['site_id', 'on_date'], unique=False)

