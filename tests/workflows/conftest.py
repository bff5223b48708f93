"""Time-skipping Temporal test server with stand-in activities that keep every step in memory."""

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.enums import Stage
from domain.escalation import Holder, task_escalation_step
from domain.payloads import StepOutcome, StepRecord, TaskSpec
from infra.temporal import ensure_search_attributes
from tests.workflows.driver import STEP_SINKS, SWEEPERS
from workflows.appraisal import AppraisalCycleWorkflow
from workflows.training import TrainingWorkflow

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
QUEUE = "test-kinerja"


class StepLog:
    """In-memory stand-in for the storage activity; records what a real database would get."""

    def __init__(self) -> None:
        self.steps: list[StepRecord] = []
        self.org_predikat: str | None = None
        # step -> (reached, release): a test holds a step's write to act while it is in flight
        self.held: dict[str, tuple[asyncio.Event, asyncio.Event]] = {}

    def hold(self, step: str) -> tuple[asyncio.Event, asyncio.Event]:
        self.held[step] = (asyncio.Event(), asyncio.Event())
        return self.held[step]

    @activity.defn(name="record_step")
    async def record_step(self, rec: StepRecord) -> StepOutcome:
        if rec.step in self.held:
            reached, release = self.held[rec.step]
            reached.set()
            await release.wait()
        for prior in rec.prior:
            self.write(prior)
        org = self.org_predikat if rec.want_org_predikat else None
        return StepOutcome(applied=self.write(rec), org_predikat=org, step=rec.step)

    def write(self, rec: StepRecord) -> bool:
        """Keep a step once, as the audit key does in the database; False when already kept."""
        if any((s.workflow_id, s.step) == (rec.workflow_id, rec.step) for s in self.steps):
            return False
        self.steps.append(rec.model_copy(update={"prior": []}))
        return True

    def actions(self, workflow_id: str) -> list[str]:
        return [s.action for s in self.steps if s.workflow_id == workflow_id]

    def sweep(self, now: datetime) -> int:
        """The escalation sweeper (activities/escalation.py) over the tasks these steps left
        open: every overdue one with a ladder, of a cycle not on leave, up as many rungs as its
        dates give by `now`, each rung the step the sweeper writes. Returns the steps written."""
        tasks: dict[str, tuple[str, TaskSpec, Holder]] = {}
        paused: dict[str, bool] = {}
        for rec in self.steps:
            if rec.cycle is not None:
                paused[rec.workflow_id] = rec.cycle.stage is Stage.DITANGGUHKAN
            for t in rec.open_tasks:
                held = Holder(t.escalation_level, t.assignee_nip, t.assignee_role, t.due_at)
                tasks[t.id] = (rec.workflow_id, t, held)
            for c in rec.close_tasks:
                tasks.pop(c.id, None)
            for r in rec.reassign:
                if r.id in tasks:
                    held = Holder(r.escalation_level, r.assignee_nip, r.assignee_role, r.due_at)
                    tasks[r.id] = (tasks[r.id][0], tasks[r.id][1], held)
        written = 0
        for wf, spec, held in tasks.values():
            if spec.escalation_grace_s is None or paused.get(wf):
                continue
            while held.level < 2 and held.due_at <= now:
                grace = timedelta(seconds=spec.escalation_grace_s)
                held, step = task_escalation_step(wf, spec, held, grace, at=now)
                written += self.write(step)
        return written


@pytest_asyncio.fixture(loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh server per test: its skipped clock and time locks never leak between tests."""
    e = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=str(TEST_SERVER)
    )
    await ensure_search_attributes(e.client)
    yield e
    await e.shutdown()


@pytest_asyncio.fixture(loop_scope="session")
async def steps(env: WorkflowEnvironment) -> AsyncIterator[StepLog]:
    log = StepLog()
    async with Worker(
        env.client,
        task_queue=QUEUE,
        workflows=[AppraisalCycleWorkflow, TrainingWorkflow],
        activities=[log.record_step],
    ):
        STEP_SINKS.append(log.write)  # what the update returns, written as the API would
        SWEEPERS.append(log.sweep)  # and the worker's escalation sweeper over what is written
        try:
            yield log
        finally:
            STEP_SINKS.remove(log.write)
            SWEEPERS.remove(log.sweep)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
