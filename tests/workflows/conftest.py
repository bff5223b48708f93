"""Time-skipping Temporal test server with stand-in activities that keep every step in memory."""

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.payloads import StepOutcome, StepRecord
from infra.temporal import ensure_search_attributes
from tests.workflows.driver import STEP_SINKS
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
        try:
            yield log
        finally:
            STEP_SINKS.remove(log.write)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
