"""Start the employee-year workflows of a cycle: through the durable launcher workflow.

A unit, everyone, or a long list of NIPs starts LaunchCycleWorkflow (id `launch-{year}-{scope}`,
so a second click joins the running launch) and answers with its counters after a short wait;
the progress route and `kinerja cycle launch` follow it from there. A short explicit list (a new
hire) is started within the request instead: one round trip, and just as idempotent, because
every cycle's id is the business key `appraisal-{year}-{nip}`.
"""

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel, Field
from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.temporal import temporal_unavailable
from db.directory import build_cycle_input, select_employees
from domain.launch import (
    LaunchFailure,
    LaunchInput,
    LaunchProgress,
    LaunchScope,
    launch_task_queue,
)
from domain.launch import launch_workflow_id as launch_workflow_id
from domain.payloads import CycleInput, appraisal_workflow_id
from infra.temporal import SA_UNIT, SA_YEAR

log = structlog.get_logger()

WORKFLOW_TYPE = "AppraisalCycleWorkflow"
LAUNCHER_TYPE = "LaunchCycleWorkflow"
CONCURRENCY = 20
INLINE_MAX = 20  # explicit lists up to this size are started within the request
WAIT_SECONDS = 2.0  # how long the route waits for a launcher to finish before answering

SessionFactory = Callable[[], AbstractContextManager[Session]]


class LaunchResult(BaseModel):
    """What a launch did so far: started, already running (skipped), failed with reasons."""

    launch_id: str
    year: int
    done: bool = True
    total: int | None = None
    selected: int
    started: int = 0
    exempt: int = Field(default=0, description="started, but on leave or exempt this year")
    skipped: int = Field(default=0, description="a cycle of (year, nip) already existed")
    skipped_ended: int = Field(default=0, description="retired, deceased or dismissed")
    failed: list[LaunchFailure] = Field(default_factory=list, description="the first reasons")
    failed_count: int = 0
    runs: int = 1

    @classmethod
    def of(cls, p: LaunchProgress) -> "LaunchResult":
        return cls(
            launch_id=p.launch_id,
            year=p.year,
            done=p.done,
            total=p.total,
            selected=p.selected,
            started=p.started,
            exempt=p.exempt,
            skipped=p.skipped_running,
            skipped_ended=p.skipped_ended,
            failed=p.failures,
            failed_count=p.failed,
            runs=p.runs,
        )


async def launch_cycles(
    client: Client,
    session_factory: SessionFactory,
    *,
    year: int,
    task_queue: str,
    now: datetime,
    calendar_lead: timedelta = timedelta(0),
    nips: list[str] | None = None,
    unit_code: str | None = None,
    wait_seconds: float = WAIT_SECONDS,
) -> LaunchResult:
    """Start the cycles of the selection (inline for a short list, else via the launcher).

    A compressed year begins at the launch, or `calendar_lead` after it; a running launch of the
    same selection is joined and keeps the start it has."""
    start = now + calendar_lead
    if nips is not None and len(nips) <= INLINE_MAX:
        return await _launch_inline(client, session_factory, year, task_queue, start, nips)
    scope = LaunchScope(unit_code=unit_code, nips=tuple(nips) if nips is not None else None)
    handle = await start_launcher(
        client, year, scope, task_queue, calendar_start=start if calendar_lead else None
    )
    try:
        return LaunchResult.of(await asyncio.wait_for(handle.result(), wait_seconds))
    except TimeoutError:
        pass
    progress = await _query(handle)
    return LaunchResult.of(progress or LaunchProgress(launch_id=scope.key(), year=year))


async def start_launcher(
    client: Client,
    year: int,
    scope: LaunchScope,
    task_queue: str,
    calendar_start: datetime | None = None,
) -> WorkflowHandle[Any, LaunchProgress]:
    """Start the durable launcher of `scope`, or join the one running (the API and the CLI).

    Without `calendar_start` the launcher takes its own first instant as the compressed year's
    start; a running launch keeps the start it has."""
    return await client.start_workflow(
        LAUNCHER_TYPE,
        LaunchInput(year=year, scope=scope, task_queue=task_queue, calendar_start=calendar_start),
        id=launch_workflow_id(year, scope.key()),
        task_queue=launch_task_queue(task_queue),
        result_type=LaunchProgress,
        # Running: join it. Finished: a new run starts only whoever is still missing.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


async def launch_progress(client: Client, year: int, launch_id: str) -> LaunchResult | None:
    """Counters of the launch `launch_id` of `year`, or None when there is no such launch."""
    handle = client.get_workflow_handle(
        launch_workflow_id(year, launch_id), result_type=LaunchProgress
    )
    try:
        desc = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if desc.status == WorkflowExecutionStatus.COMPLETED:  # no worker needed to read a result
        return LaunchResult.of(await handle.result())
    progress = await _query(handle)
    if progress is None:  # running, but its worker is not answering right now
        raise temporal_unavailable("kemajuan peluncuran belum tersedia, coba lagi")
    return LaunchResult.of(progress)


async def _query(handle: WorkflowHandle[Any, LaunchProgress]) -> LaunchProgress | None:
    try:
        progress: LaunchProgress = await handle.query("progress", result_type=LaunchProgress)
    except (RPCError, WorkflowQueryFailedError) as exc:  # not picked up by a worker yet
        log.info("launch progress not available yet", error=str(exc))
        return None
    return progress


def _inputs(
    session_factory: SessionFactory, year: int, nips: list[str], now: datetime
) -> tuple[list[CycleInput], list[LaunchFailure], int]:
    inputs: list[CycleInput] = []
    failed: list[LaunchFailure] = []
    ended = 0
    with session_factory() as session:
        selected = select_employees(session, year=year, nips=nips)
        for nip in sorted(set(nips) - set(selected)):
            failed.append(LaunchFailure(nip=nip, reason="pegawai tidak ditemukan"))
        for nip in selected:
            try:
                inp = build_cycle_input(session, year=year, nip=nip, now=now)
            except Exception as exc:  # one bad record must not stop the others
                failed.append(LaunchFailure(nip=nip, reason=str(exc)))
                continue
            if inp.status.is_terminal:
                ended += 1
            else:
                inputs.append(inp)
    return inputs, failed, ended


async def _launch_inline(
    client: Client,
    session_factory: SessionFactory,
    year: int,
    task_queue: str,
    now: datetime,
    nips: list[str],
) -> LaunchResult:
    inputs, failed, ended = await asyncio.to_thread(_inputs, session_factory, year, nips, now)
    result = LaunchResult(
        launch_id=f"inline-{uuid.uuid4().hex[:12]}",
        year=year,
        selected=len(set(nips)),
        total=len(set(nips)),
        skipped_ended=ended,
        failed=failed,
    )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def start(inp: CycleInput) -> None:
        attrs = TypedSearchAttributes(
            [
                SearchAttributePair(SA_YEAR, year),
                SearchAttributePair(SA_UNIT, inp.placement.unit_code),
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
                result.exempt += inp.status.pauses_cycle
            except WorkflowAlreadyStartedError:
                result.skipped += 1
            except Exception as exc:  # reported per employee, never raised
                log.warning("launch failed", nip=inp.nip, error=str(exc))
                result.failed.append(LaunchFailure(nip=inp.nip, reason=str(exc) or "error"))

    await asyncio.gather(*(start(i) for i in inputs))
    result.failed_count = len(result.failed)
    return result
