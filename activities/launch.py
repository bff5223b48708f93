"""Bulk launch: read one page of employees and start their cycles with bounded concurrency.

Starts go through the Temporal client from this activity rather than as child workflows: a
child start puts the whole CycleInput and three events per employee into the launcher's history,
while a page here costs the launcher three events whatever its size (see bench/README.md).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from pydantic import BaseModel, Field
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.storage import StorageActivities
from db.directory import build_cycle_input, cycle_basis, unit_with_descendants
from db.engine import session_scope
from db.models import Employee
from db.models.base import as_utc
from domain.enums import EmploymentStatus
from domain.errors import NotFound
from domain.launch import LaunchFailure, LaunchScope, PageRequest, PageResult
from domain.opening import opening_step
from domain.payloads import CycleInput, appraisal_workflow_id
from infra.temporal import SA_UNIT, SA_YEAR

log = structlog.get_logger()

CYCLE_WORKFLOW = "AppraisalCycleWorkflow"
HEARTBEAT_EVERY = timedelta(seconds=2)


@dataclass
class PageWork:
    """A page read from the database: inputs to start, and what was decided without starting."""

    result: PageResult
    inputs: list[CycleInput]


def read_page(session: Session, req: PageRequest) -> PageWork:
    """The next `limit` NIPs of the scope after the cursor, with their CycleInputs."""
    nips = _page_nips(session, req.scope, req.after, req.limit)
    res = PageResult(selected=len(nips), exhausted=len(nips) < req.limit)
    if req.after is None:
        res.total = _count(session, req.scope)
    res.last_nip = nips[-1] if nips else None
    try:
        basis = cycle_basis(session, year=req.year, now=req.calendar_start)
    except NotFound as exc:  # the year is not open: every employee of the page fails with it
        res.failures += [LaunchFailure(nip=nip, reason=str(exc)) for nip in nips]
        return PageWork(res, [])
    # Two bulk reads fill the identity map, so build_cycle_input's gets of the employee and their
    # penilai hit no database. The session holds loaded rows only weakly: `_held` keeps the
    # penilai alive while the inputs are built (without it, every get was a SELECT again).
    found = {e.nip: e for e in session.exec(select(Employee).where(col(Employee.nip).in_(nips)))}
    chain = {e.penilai_nip for e in found.values() if e.penilai_nip} - set(found)
    _held = (
        list(session.exec(select(Employee).where(col(Employee.nip).in_(chain)))) if chain else []
    )
    inputs: list[CycleInput] = []
    for nip in nips:
        emp = found.get(nip)
        if emp is None:
            res.failures.append(LaunchFailure(nip=nip, reason="pegawai tidak ditemukan"))
            continue
        if emp.status.is_terminal:
            res.skipped_ended += 1
            continue
        try:
            inputs.append(
                build_cycle_input(
                    session, year=req.year, nip=nip, now=req.calendar_start, basis=basis
                )
            )
        except Exception as exc:  # one bad record must not stop the city's launch
            res.failures.append(LaunchFailure(nip=nip, reason=str(exc) or type(exc).__name__))
    return PageWork(res, inputs)


def _page_nips(session: Session, scope: LaunchScope, after: str | None, limit: int) -> list[str]:
    if scope.nips is not None:  # an explicit list pages over itself, so unknown NIPs are reported
        ordered = sorted(set(scope.nips))
        return [n for n in ordered if after is None or n > after][:limit]
    stmt = select(Employee.nip)
    if scope.unit_code is not None:
        units = unit_with_descendants(session, scope.unit_code)
        stmt = stmt.where(col(Employee.unit_code).in_(units))
    if after is not None:
        stmt = stmt.where(col(Employee.nip) > after)
    return list(session.exec(stmt.order_by(col(Employee.nip)).limit(limit)).all())


def _count(session: Session, scope: LaunchScope) -> int:
    if scope.nips is not None:
        return len(set(scope.nips))
    stmt = select(func.count()).select_from(Employee)
    if scope.unit_code is not None:
        units = unit_with_descendants(session, scope.unit_code)
        stmt = stmt.where(col(Employee.unit_code).in_(units))
    return int(session.exec(stmt).one())


class StartProgress(BaseModel):
    """Heartbeat details of a page: counts of the starts made, in NIP order up to `through`."""

    through: str | None = None
    started: int = 0
    exempt: int = 0
    skipped_running: int = 0
    failures: list[LaunchFailure] = Field(default_factory=list)


def _fold(
    progress: StartProgress,
    inputs: Sequence[CycleInput],
    pending: dict[int, "asyncio.Task[str]"],
    outcome: dict[int, str],
    done: int,
) -> int:
    """Count finished starts, contiguously from `done`; returns the new contiguous end."""
    for i, task in list(pending.items()):
        if task.done():
            outcome[i] = task.result()
            del pending[i]
    while done in outcome:
        kind, inp = outcome.pop(done), inputs[done]
        if kind == "started":
            progress.started += 1
            progress.exempt += inp.status.pauses_cycle
        elif kind == "running":
            progress.skipped_running += 1
        else:
            progress.failures.append(LaunchFailure(nip=inp.nip, reason=kind))
        progress.through = inp.nip
        done += 1
    return done


class LaunchActivities:
    """The launcher's side effects, bound to the database and a Temporal client."""

    def __init__(
        self, client: Client, engine: Engine, storage: StorageActivities | None = None
    ) -> None:
        self.client = client
        self.engine = engine
        # The worker's own writer when it runs both queues: one SQLite write lock per process.
        self.storage = storage or StorageActivities(engine)

    @activity.defn(name="launch_page")
    async def launch_page(self, req: PageRequest) -> PageResult:
        """Start one page of cycles; heartbeats how far it got, so a retry resumes there."""
        work = await asyncio.to_thread(self._read, req)
        res, inputs = work.result, work.inputs
        progress = StartProgress()
        details = activity.info().heartbeat_details
        if details:  # a retry after a crash: NIPs up to `progress.through` were handled already
            progress = StartProgress.model_validate(details[0])
            inputs = [i for i in inputs if progress.through is None or i.nip > progress.through]
        inputs = await asyncio.to_thread(self._open, inputs, activity.info().scheduled_time)
        gate = asyncio.Semaphore(req.concurrency)
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        pending: dict[int, asyncio.Task[str]] = {}
        outcome: dict[int, str] = {}
        done = 0
        for i, inp in enumerate(inputs):
            await gate.acquire()
            task = asyncio.create_task(self._start(req, inp))
            task.add_done_callback(lambda _t: gate.release())
            pending[i] = task
            # Fold finished starts in NIP order: the heartbeat says "everything up to here".
            done = _fold(progress, inputs, pending, outcome, done)
            if loop.time() - last_beat >= HEARTBEAT_EVERY.total_seconds():
                activity.heartbeat(progress.model_dump(mode="json"))
                last_beat = loop.time()
        if pending:
            await asyncio.wait(pending.values())
        _fold(progress, inputs, pending, outcome, done)
        activity.heartbeat(progress.model_dump(mode="json"))
        res.started, res.exempt = progress.started, progress.exempt
        res.skipped_running = progress.skipped_running
        res.failures += progress.failures
        return res

    def _open(self, inputs: list[CycleInput], at: datetime) -> list[CycleInput]:
        """Write the page's first steps, then start each cycle knowing its step is written.

        Only for active employees (an exempt cycle's first step is a pause, written by its run).
        `at` is when the launcher scheduled the page. A step written before (by an attempt that
        crashed before its starts, or a launch whose start failed) keeps the instant it was
        written with, and its cycle is started with that one, so the run's due date is the
        task row's. Writing first means a crash between the two leaves steps whose cycles the
        retry starts; it never leaves a cycle whose run believes in a step that is not there.
        """
        at = as_utc(at)
        steps = {
            inp.nip: opening_step(inp, appraisal_workflow_id(inp.year, inp.nip), at)
            for inp in inputs
            if inp.status is EmploymentStatus.AKTIF
        }
        written = self.storage.write_openings(list(steps.values()))
        return [
            inp.model_copy(update={"opened_at": written[steps[inp.nip].workflow_id]})
            if inp.nip in steps and steps[inp.nip].workflow_id in written
            else inp
            for inp in inputs
        ]

    def _read(self, req: PageRequest) -> PageWork:
        with session_scope(self.engine) as session:
            return read_page(session, req)

    async def _start(self, req: PageRequest, inp: CycleInput) -> str:
        """ "started", "running" (a cycle of this id exists) or the failure reason."""
        attrs = TypedSearchAttributes(
            [
                SearchAttributePair(SA_YEAR, req.year),
                SearchAttributePair(SA_UNIT, inp.placement.unit_code),
            ]
        )
        try:
            await self.client.start_workflow(
                CYCLE_WORKFLOW,
                inp,
                id=appraisal_workflow_id(req.year, inp.nip),
                task_queue=req.task_queue,
                search_attributes=attrs,
                # A closed year must not be restarted by a later launch either.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            return "running"
        except Exception as exc:  # reported per employee, never raised
            log.warning("launch failed", nip=inp.nip, error=str(exc))
            return str(exc) or type(exc).__name__
        return "started"
