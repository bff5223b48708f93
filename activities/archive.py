"""Audit store: the full Temporal event history of a closed cycle, kept for years."""

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client

from db.engine import session_scope
from db.models import HistoryArchive
from domain.payloads import ArchiveInput


class ArchiveActivities:
    """Needs the Temporal client (to read histories) and the database (to keep them)."""

    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.engine = engine

    @activity.defn(name="archive_history")
    async def archive_history(self, inp: ArchiveInput) -> int:
        """Export the history once the workflow has closed; returns the number of events."""
        handle = self.client.get_workflow_handle(inp.workflow_id, run_id=inp.run_id)
        desc = await handle.describe()
        if desc.raw_description.workflow_execution_info.status == (
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        ):
            raise RuntimeError("workflow still running; retry later")
        history = await handle.fetch_history()
        body = (
            history.to_json()
        )  # the format `temporal workflow show --output json` and Replayer read
        count = len(history.events)
        await asyncio.to_thread(self._store, inp, desc.run_id or "", body, count)
        return count

    def _store(self, inp: ArchiveInput, run_id: str, body: str, count: int) -> None:
        with session_scope(self.engine) as s:
            row = s.get(HistoryArchive, inp.workflow_id)
            if row is None:
                s.add(
                    HistoryArchive(
                        workflow_id=inp.workflow_id,
                        run_id=run_id,
                        event_count=count,
                        history_json=body,
                    )
                )
