"""The outbox dispatcher's index skips dropped notices.

A reminder that no longer applies is marked dropped and never delivered, so it stays with
`delivered_at` empty for good; the dispatcher's search (not delivered, not dropped, due by now,
oldest first) stepped over every dropped row on `(delivered_at, deliver_after)` before it found a
batch to send. `dropped_at` joins the index between the two.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_notification_pending", table_name="notification")
    op.create_index(
        "ix_notification_pending",
        "notification",
        ["delivered_at", "dropped_at", "deliver_after"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notification_pending", table_name="notification")
    op.create_index(
        "ix_notification_pending", "notification", ["delivered_at", "deliver_after"], unique=False
    )
