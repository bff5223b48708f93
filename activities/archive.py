"""Audit store: the full Temporal event history of every closed cycle, kept for years."""

import asyncio

import structlog
from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client
from temporalio.service import RPCError

from activities.background import repeat_batches
from db.engine import session_scope
from db.models import CycleRecord, HistoryArchive

log = structlog.get_logger()
BATCH = 50


class HistoryArchiver:
    """Sweeps closed cycles without an archived history and stores their Temporal history.

    A sweeper instead of a step inside each cycle: the history must be complete (closed) before
    it is copied, which the cycle itself cannot see, and it keeps every employee-year's own
    history free of archive bookkeeping. The dev server keeps closed histories for 24 hours.
    """

    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.engine = engine

    async def run_forever(self, interval: float = 5.0) -> None:
        await repeat_batches(
            self.sweep, full=BATCH, interval=interval, what="history archive sweep"
        )

    async def sweep(self) -> int:
        """Archive up to BATCH closed cycles; returns how many were stored."""
        pending = await asyncio.to_thread(self._pending)
        stored = 0
        for workflow_id in pending:
            if await self.archive(workflow_id):
                stored += 1
        return stored

    async def archive(self, workflow_id: str) -> bool:
        """Copy one closed workflow's history; False when it is still running or unknown."""
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            desc = await handle.describe()
        except RPCError:
            return False
        running = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        if desc.raw_description.workflow_execution_info.status == running:
            return False
        history = await handle.fetch_history()
        # The JSON form that `temporal workflow show --output json` and the Replayer read.
        body = history.to_json()
        await asyncio.to_thread(
            self._store, workflow_id, desc.run_id or "", body, len(history.events)
        )
        return True

    def _pending(self) -> list[str]:
        with session_scope(self.engine) as s:
            archived = select(HistoryArchive.workflow_id)
            q = (
                select(CycleRecord.workflow_id)
                .where(col(CycleRecord.closed_at).is_not(None))
                .where(col(CycleRecord.workflow_id).not_in(archived))
                .order_by(col(CycleRecord.closed_at))
                .limit(BATCH)
            )
            return list(s.exec(q))

    def _store(self, workflow_id: str, run_id: str, body: str, count: int) -> None:
        with session_scope(self.engine) as s:
            if s.get(HistoryArchive, workflow_id) is None:
                s.add(
                    HistoryArchive(
                        workflow_id=workflow_id, run_id=run_id, event_count=count, history_json=body
                    )
                )
