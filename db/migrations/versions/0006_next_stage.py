"""A cycle's next stage and its date, for the stage the calendar alone moves it to.

From the patch `incentive-ahead` (workflows/desk.py) the step that records the annual rating also
writes BKPP's incentive approval task, visible from the end of the objection window; no step is
written at that end, so the read model carries the stage the cycle goes to then
(`next_stage`, tindak lanjut) and when (`next_stage_at`), and the worker's sweeper moves every
cycle whose date has passed. `ix_cycle_record_next_stage` finds them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cycle_record") as batch:
        batch.add_column(sa.Column("next_stage", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("next_stage_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_cycle_record_next_stage", "cycle_record", ["next_stage_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_cycle_record_next_stage", table_name="cycle_record")
    with op.batch_alter_table("cycle_record") as batch:
        batch.drop_column("next_stage_at")
        batch.drop_column("next_stage")
