"""Tasks opened ahead of their date, notices held until then.

A period's realisation task is now written with the step that rates the previous period and
becomes visible at the period's end (`task.visible_from`); its notice waits in the outbox until
the same moment (`notification.deliver_after`, which every row now has).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("task", sa.Column("visible_from", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "notification", sa.Column("deliver_after", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE notification SET deliver_after = created_at")
    with op.batch_alter_table("notification") as batch:
        batch.alter_column(
            "deliver_after", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    op.drop_index("ix_notification_pending", table_name="notification")
    op.create_index(
        "ix_notification_pending", "notification", ["delivered_at", "deliver_after"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_notification_pending", table_name="notification")
    op.create_index(
        "ix_notification_pending", "notification", ["delivered_at", "created_at"], unique=False
    )
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("deliver_after")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("visible_from")
