"""Start the employee-year workflows of a cycle with bounded concurrency.

Kept behind one function so the durable bulk launcher (a workflow using continue-as-new) can
replace it without touching the routes.
"""

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

import structlog
from pydantic import BaseModel, Field
from sqlmodel import Session
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from db.directory import build_cycle_input, select_employees
from domain.enums import Stage
from domain.payloads import CycleInput, appraisal_workflow_id
from infra.temporal import SA_STAGE, SA_UNIT, SA_YEAR

log = structlog.get_logger()

WORKFLOW_TYPE = "AppraisalCycleWorkflow"
CONCURRENCY = 20

SessionFactory = Callable[[], AbstractContextManager[Session]]


class LaunchFailure(BaseModel):
    nip: str
    reason: str


class LaunchResult(BaseModel):
    """What one launch did: started, already running (skipped), failed with reasons."""

    launch_id: str
    year: int
    selected: int
    started: int = 0
    skipped: int = 0
    failed: list[LaunchFailure] = Field(default_factory=list)


def _inputs(
    session_factory: SessionFactory,
    year: int,
    nips: list[str] | None,
    unit_code: str | None,
    now: datetime,
) -> tuple[list[CycleInput], list[LaunchFailure]]:
    inputs: list[CycleInput] = []
    failed: list[LaunchFailure] = []
    with session_factory() as session:
        selected = select_employees(session, year=year, nips=nips, unit_code=unit_code)
        for nip in sorted(set(nips or []) - set(selected)):
            failed.append(LaunchFailure(nip=nip, reason="pegawai tidak ditemukan"))
        for nip in selected:
            try:
                inputs.append(build_cycle_input(session, year=year, nip=nip, now=now))
            except Exception as exc:  # one bad record must not stop the city's launch
                failed.append(LaunchFailure(nip=nip, reason=str(exc)))
    return inputs, failed


async def launch_cycles(
    client: Client,
    session_factory: SessionFactory,
    *,
    year: int,
    task_queue: str,
    now: datetime,
    nips: list[str] | None = None,
    unit_code: str | None = None,
    concurrency: int = CONCURRENCY,
) -> LaunchResult:
    """Start one AppraisalCycleWorkflow per selected employee; a repeated start is skipped."""
    inputs, failed = await asyncio.to_thread(_inputs, session_factory, year, nips, unit_code, now)
    result = LaunchResult(
        launch_id=uuid.uuid4().hex, year=year, selected=len(inputs) + len(failed), failed=failed
    )
    gate = asyncio.Semaphore(concurrency)

    async def start(inp: CycleInput) -> None:
        attrs = TypedSearchAttributes(
            [
                SearchAttributePair(SA_YEAR, year),
                SearchAttributePair(SA_UNIT, inp.placement.unit_code),
                SearchAttributePair(SA_STAGE, Stage.PERENCANAAN.value),
            ]
        )
        async with gate:
            try:
                await client.start_workflow(
                    WORKFLOW_TYPE,
                    inp,
                    id=appraisal_workflow_id(year, inp.nip),
                    task_queue=task_queue,
                    search_attributes=attrs,
                    # A closed year must not be restarted by a second launch either.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
                result.started += 1
            except WorkflowAlreadyStartedError:
                result.skipped += 1
            except Exception as exc:  # reported per employee, never raised
                log.warning("launch failed", nip=inp.nip, error=str(exc))
                result.failed.append(LaunchFailure(nip=inp.nip, reason=str(exc) or "error"))

    await asyncio.gather(*(start(i) for i in inputs))
    return result
