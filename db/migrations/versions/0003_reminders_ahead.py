"""Deadline reminders written ahead, with the task they remind of.

A task's reminders are now written to the outbox with the step that opens the task (or moves its
due date), held until their time (`deliver_after`), and sent only if the task is then still
open, not escalated, due when the reminder says and assigned to its recipient, with the cycle not
paused (`notification.task_id`, `task_due_at`). A reminder that no longer applies is dropped, not
sent (`dropped_at`, `dropped_reason`). Before, every reminder was a step the workflow wrote when
its timer fired.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("task_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("task_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dropped_reason", sa.String(length=40), nullable=True))
    # the auditor's trail lists a cycle's reminders by task id prefix
    op.create_index("ix_notification_task_id", "notification", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_task_id", table_name="notification")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("dropped_reason")
        batch.drop_column("dropped_at")
        batch.drop_column("task_due_at")
        batch.drop_column("task_id")
