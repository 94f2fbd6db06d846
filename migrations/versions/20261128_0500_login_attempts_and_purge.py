"""login attempts and purge marks

Revision ID: 0500
Revises: 0003
Create Date: 2026-11-28 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0500"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_ip_at", ["ip", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_username_at", ["username", "at"], unique=False)
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("adult_signins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("adult_signins", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_username_at")
        batch_op.drop_index("ix_login_attempts_ip_at")
    op.drop_table("login_attempts")
