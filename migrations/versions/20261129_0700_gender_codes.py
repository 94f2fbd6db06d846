"""one spelling of a child's gender

Revision ID: 1200
Revises: 1100
Create Date: 2026-11-29 07:00:00

The demo data stored "F" and "M" where the roster form and the roster import store "f" and
"m" (formsvc.attendance.models.GIRL and BOY): the roster showed no gender for those children,
and saving one of them erased it. This folds the capitals.
"""

from alembic import op

revision = "1200"
down_revision = "1100"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE children SET gender = 'f' WHERE gender = 'F'")
    op.execute("UPDATE children SET gender = 'm' WHERE gender = 'M'")


def downgrade():
    pass  # the lower-case letters are the only spelling the app knows
