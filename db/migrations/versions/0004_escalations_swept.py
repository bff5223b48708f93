"""Escalation ladders on the task row, for the escalation sweeper.

An overdue task is now moved up its ladder (to the atasan pejabat penilai, then BKPP) by the
escalation sweeper of the worker, in batches, instead of by a timer and a step of its workflow:
the row carries the atasan it goes to (`escalation_nip`) and the grace each rung gets
(`escalation_grace_s`), and `ix_task_sweep` finds the open tasks below BKPP past their due date.
Rows of runs that escalate their tasks themselves keep both columns empty.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("escalation_nip", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("escalation_grace_s", sa.Float(), nullable=True))
    op.create_index(
        "ix_task_sweep", "task", ["status", "escalation_level", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_task_sweep", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("escalation_grace_s")
        batch.drop_column("escalation_nip")
