"""The escalation sweeper: every overdue open task of an unpaused cycle goes up its ladder.

Runs in the worker beside the outbox dispatcher (`run_forever`). Each sweep takes a batch of open
tasks below BKPP whose due date has passed and whose row carries a ladder (runs from the patch
`escalations-swept` on, see workflows/desk.py), skipping cycles on leave, and moves each one rung
up in one transaction: the row's holder, level and due date (compare-and-set on the values it
read, so a step that moved the task meanwhile wins), and the step the workflow used to write for
it (audit event `task_escalated`, the notices to the new and the previous holder), keyed by task,
rung and due date so a repeated sweep writes nothing twice. A task overdue by more than one rung
goes up one rung per sweep.

Each sweep also moves every cycle whose next stage is due (`cycle_record.next_stage_at`: the end
of the objection window, when the step that recorded the annual rating wrote the incentive
approval ahead) to that stage. No step of the workflow is written then; the annual rating's audit
event names the proposal and the date it opens, and the workflow's queries give the same stage
by the same dates. A cycle on leave is left alone: its steps write no next stage while paused.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import exists, select, update
from sqlalchemy.engine import Connection

from activities.background import repeat_batches
from activities.storage import StorageActivities
from db.models import CycleRecord, Task
from db.models.base import as_utc, table_of
from domain.enums import Stage, TaskStatus
from domain.escalation import Holder, escalation_step

log = structlog.get_logger()
BATCH = 500

_T, _C = table_of(Task), table_of(CycleRecord)
_PAUSED = exists().where(_C.c.workflow_id == _T.c.workflow_id, _C.c.stage == Stage.DITANGGUHKAN)
_COLUMNS = (
    _T.c.id, _T.c.workflow_id, _T.c.step, _T.c.title, _T.c.subject_nip, _T.c.escalation_level,
    _T.c.assignee_nip, _T.c.assignee_role, _T.c.due_at, _T.c.escalation_nip,
    _T.c.escalation_grace_s,
)  # fmt: skip


class EscalationSweeper:
    """Escalates overdue tasks in batches with the worker's step writer."""

    def __init__(self, storage: StorageActivities, batch: int = BATCH) -> None:
        self.storage = storage
        self.batch = batch

    async def run_forever(self, interval: float = 1.0) -> None:
        await repeat_batches(
            lambda: asyncio.to_thread(self.sweep),
            full=self.batch,
            interval=interval,
            what="escalation sweep",
        )

    def sweep(self, now: datetime | None = None) -> int:
        """One batch of overdue tasks up one rung each; returns how many moved."""
        now = now or datetime.now(UTC)
        due = (
            select(*_COLUMNS)
            .where(
                _T.c.status == TaskStatus.OPEN,
                _T.c.escalation_level < 2,
                _T.c.due_at <= now,
                _T.c.escalation_grace_s.is_not(None),
                ~_PAUSED,
            )
            .order_by(_T.c.due_at, _T.c.id)
            .limit(self.batch)
        )
        with self.storage.transaction() as s:
            conn = s.connection()
            staged = self.advance_stages(conn, now)
            if conn.dialect.name == "postgresql":
                due = due.with_for_update(of=_T, skip_locked=True)  # workers never share a task
            steps = []
            for row in conn.execute(due).mappings().all():
                held = Holder(
                    row["escalation_level"],
                    row["assignee_nip"],
                    row["assignee_role"],
                    as_utc(row["due_at"]),
                )
                new, step = escalation_step(
                    workflow_id=row["workflow_id"],
                    task_id=row["id"],
                    task_step=row["step"],
                    title=row["title"],
                    subject_nip=row["subject_nip"],
                    now=held,
                    escalation_nip=row["escalation_nip"],
                    grace=timedelta(seconds=row["escalation_grace_s"]),
                    at=now,
                )
                moved = conn.execute(
                    update(_T)
                    .where(
                        _T.c.id == row["id"],
                        _T.c.status == TaskStatus.OPEN,
                        _T.c.escalation_level == held.level,
                        _T.c.due_at == row["due_at"],
                    )
                    .values(
                        assignee_nip=new.nip,
                        assignee_role=new.role,
                        escalation_level=new.level,
                        due_at=new.due_at,
                    )
                )
                if moved.rowcount == 1:
                    steps.append(step)
            written = self.storage.apply_new(s, steps)
        if written:
            log.info("tasks escalated", count=len(written))
        if staged:
            log.info("cycles moved to their next stage", count=staged)
        return len(steps)

    @staticmethod
    def advance_stages(conn: Connection, now: datetime) -> int:
        """Every cycle whose next stage is due, moved to it; returns how many. A step written
        meanwhile wins: it writes the stage and clears the next one, or writes them again."""
        due = select(_C.c.workflow_id).where(
            _C.c.next_stage_at <= now,
            _C.c.next_stage.is_not(None),
            _C.c.stage != Stage.DITANGGUHKAN,
        )
        if conn.dialect.name == "postgresql":
            # A row a step writer holds is left for the next sweep: the sweeper never waits on
            # a writer that may be waiting on a task row this sweep is about to lock.
            due = due.with_for_update(skip_locked=True)
        moved = conn.execute(
            update(_C)
            .where(_C.c.workflow_id.in_(due))
            .values(stage=_C.c.next_stage, next_stage=None, next_stage_at=None, updated_at=now)
        )
        return int(moved.rowcount or 0)
