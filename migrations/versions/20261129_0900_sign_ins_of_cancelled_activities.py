"""sign-ins of cancelled activities no longer count

Revision ID: 1400
Revises: 1300
Create Date: 2026-11-29 09:00:00

Cancelling an activity is refused while a sign-in of it counts (activities.services.cancel_activity):
the manager voids them first, each with a reason. Before that rule, an activity could be
cancelled with sign-ins in it, and the tallies, their PDF and Excel and the year-end figures
went on counting it as held and its sign-ins as visits, while the day page called it
cancelled. A cancelled activity did not happen: this voids those sign-ins, as a manager now
has to before cancelling, with the app's own reason "activity cancelled" (shown in the
reader's language, formsvc.attendance.voiding.VOID_REASON_CANCELLED), voided by no one, one
audit entry each. The rollup triggers take them off the tallies. An activity that did take
place is restored from its edit page, and its sign-ins entered again.

Downgrade counts them again and removes those audit entries.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "1400"
down_revision = "1300"
branch_labels = None
depends_on = None

REASON = "activity cancelled"  # formsvc.attendance.voiding.VOID_REASON_CANCELLED
ACTIONS = {"attendances": "attendance.void", "adult_signins": "adult_signin.void"}

audit_entries = sa.table(
    "audit_entries",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("site_id", sa.Integer),
    sa.column("target", sa.String),
    sa.column("details", sa.JSON),
)


def _now(connection) -> datetime:
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if connection.dialect.name == "sqlite" else now  # as formsvc.db.UTCDateTime


def upgrade():
    connection = op.get_bind()
    now = _now(connection)
    for table, action in ACTIONS.items():
        counting = connection.execute(
            sa.text(
                f"SELECT r.id, r.activity_id, a.site_id FROM {table} r JOIN activities a ON a.id = r.activity_id "
                "WHERE a.cancelled AND r.voided_at IS NULL ORDER BY r.id"
            )
        ).all()
        if not counting:
            continue
        connection.execute(
            sa.text(
                f"UPDATE {table} SET voided_at = :now, void_reason = :reason "
                "WHERE voided_at IS NULL AND activity_id IN (SELECT id FROM activities WHERE cancelled)"
            ).bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True))),
            {"now": now, "reason": REASON},
        )
        connection.execute(
            audit_entries.insert(),
            [
                {
                    "at": now,
                    "user_id": None,
                    "action": action,
                    "site_id": site_id,
                    "target": f"{table}:{record_id}",
                    "details": {"activity_id": activity_id, "reason": REASON, "via": "migration 1400"},
                }
                for record_id, activity_id, site_id in counting
            ],
        )


def downgrade():
    connection = op.get_bind()
    for table, action in ACTIONS.items():
        voided = connection.execute(
            sa.text(
                f"SELECT id FROM {table} WHERE void_reason = :reason AND voided_by_id IS NULL "
                "AND activity_id IN (SELECT id FROM activities WHERE cancelled)"
            ),
            {"reason": REASON},
        ).scalars()
        for record_id in voided.all():
            connection.execute(
                sa.text(f"UPDATE {table} SET voided_at = NULL, void_reason = '' WHERE id = :id"), {"id": record_id}
            )
            connection.execute(
                sa.text("DELETE FROM audit_entries WHERE action = :action AND target = :target AND user_id IS NULL"),
                {"action": action, "target": f"{table}:{record_id}"},
            )
