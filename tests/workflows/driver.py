"""Drives cycles on the time-skipping server: stand-in people complete tasks, time moves on."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.enums import Role, Stage
from domain.payloads import (
    Actor,
    CycleStatus,
    StepRecord,
    TaskCompleted,
    TaskCompletion,
    TaskRef,
)
from domain.status import task_as_of
from tests.workflows.people import STEP, default_payload

# decide(task) -> payload to complete it now, or None to leave it open (to test deadlines).
Decide = Callable[[TaskRef], dict[str, Any] | None]


def actor_for(task: TaskRef) -> Actor:
    if task.assignee_nip:
        return Actor(
            nip=task.assignee_nip, roles=[Role.PEGAWAI, Role.PENILAI], username=task.assignee_nip
        )
    return Actor(nip=None, roles=[Role.BKPP], username="bkpp")


# Where returned steps go (STEPS_RETURNED_BY_UPDATE): the `steps` fixture's in-memory log, which
# stands in for the database the API writes them to.
STEP_SINKS: list[Callable[[StepRecord], object]] = []
# The escalation sweeper over those steps (the `steps` fixture's), run at the server's time.
SWEEPERS: list[Callable[[datetime], object]] = []


async def sweep(env: WorkflowEnvironment) -> datetime:
    """Run the escalation sweeper at the server's time; returns that time."""
    now = await env.get_current_time()
    for run in SWEEPERS:
        run(now)
    return now


async def complete(
    handle: WorkflowHandle[Any, Any],
    task: TaskRef,
    payload: dict[str, Any],
    actor: Actor | None = None,
    *,
    write: bool = True,
) -> TaskCompleted:
    """Complete a task as the API does: send the update, then write the steps it returns."""
    done: TaskCompleted = await handle.execute_update(
        "complete_task",
        TaskCompletion(task_id=task.id, actor=actor or actor_for(task), payload=payload),
        result_type=TaskCompleted,
    )
    for rec in done.steps if write else []:
        for sink in STEP_SINKS:
            sink(rec)
    return done


def defaults(task: TaskRef) -> dict[str, Any] | None:
    return default_payload(task.kind, task.period_index)


async def running(handle: WorkflowHandle[Any, Any]) -> bool:
    try:
        desc = await handle.describe()
    except RPCError:
        return False
    return desc.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


async def drive(
    env: WorkflowEnvironment,
    handle: WorkflowHandle[Any, Any],
    decide: Decide = defaults,
    *,
    year: int = 2027,
    nip: str | None = None,
    step: timedelta = STEP,
    max_rounds: int = 400,
    on_round: Callable[[int], Any] | None = None,
) -> list[TaskRef]:
    """Work every open task (the cycle's and its training children's) until the cycle closes."""
    done: list[TaskRef] = []
    for n in range(max_rounds):
        if on_round is not None:
            await on_round(n)
        if not await running(handle):
            return done
        status = await handle.query("status", result_type=CycleStatus)
        if status.stage in (Stage.SELESAI, Stage.DIHENTIKAN):
            return done
        acted = False
        for h in [handle, *await _children(env, year, nip)]:
            now = await sweep(env)
            for task in await h.query("open_tasks", result_type=list[TaskRef]):
                task = task_as_of(task, now)  # the rung its dates give (escalations-swept)
                if task.visible_from is not None and task.visible_from > now:
                    continue  # opened ahead of its date: refused until then
                payload = decide(task)
                if payload is not None:
                    await complete(h, task, payload)
                    done.append(task)
                    acted = True
        if not acted:
            await env.sleep(step)
    raise AssertionError(f"cycle still running after {max_rounds} rounds")


async def _children(env: WorkflowEnvironment, year: int, nip: str | None) -> list[Any]:
    if nip is None:
        return []
    out = []
    for k in range(1, 6):
        h = env.client.get_workflow_handle(f"training-{year}-{nip}-{k}")
        if await running(h):
            out.append(h)
    return out
