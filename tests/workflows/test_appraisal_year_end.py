"""The year's end: the step that rates the last period opens the annual rating (ANNUAL_AHEAD)."""

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.enums import EmploymentStatus, Rating, Role, Stage, TaskKind
from domain.payloads import (
    Actor,
    ChangeAck,
    StatusChange,
    StepRecord,
    TaskRef,
    unwritten_steps,
)
from tests.workflows.conftest import StepLog
from tests.workflows.driver import complete, defaults, drive
from tests.workflows.people import EMPLOYEE, PENILAI, cycle_input, rating
from tests.workflows.test_appraisal_paths import BKPP, refused, status
from tests.workflows.test_appraisal_year import start

PENILAI_ACTOR = Actor(nip=PENILAI, roles=[Role.PENILAI], username=PENILAI)


class Reached(Exception):
    """Raised from `drive`'s round hook to stop it where the test takes over."""


async def drive_until(env: WorkflowEnvironment, handle: WorkflowHandle, kind: TaskKind) -> TaskRef:
    """Work the year until a task of `kind` is open; that one is left to the test."""

    async def check(_: int) -> None:
        if any(t.kind is kind for t in (await status(handle)).open_tasks):
            raise Reached

    def decide(task: TaskRef) -> dict[str, Any] | None:
        return None if task.kind is kind else defaults(task)

    try:
        await drive(env, handle, decide, nip=EMPLOYEE, on_round=check)
    except Reached:
        return next(t for t in (await status(handle)).open_tasks if t.kind is kind)
    raise AssertionError(f"the cycle closed without opening {kind}")


async def drive_to_last_rating(env: WorkflowEnvironment, handle: WorkflowHandle) -> TaskRef:
    """Work the year until the last period's rating is open; that one is left to the test."""
    last = await drive_until(env, handle, TaskKind.PERIOD_RATING)
    while last.period_index != 4:
        await complete(handle, last, rating(), PENILAI_ACTOR)
        last = await drive_until(env, handle, TaskKind.PERIOD_RATING)
    return last


async def activity_steps(handle: WorkflowHandle) -> list[str]:
    """The step of every step activity the run scheduled, from its history."""
    steps = []
    for e in (await handle.fetch_history()).events:
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            [payload] = e.activity_task_scheduled_event_attributes.input.payloads
            steps.append(json.loads(payload.data)["step"])
    return steps


def written(steps: StepLog, handle: WorkflowHandle, step: str) -> StepRecord:
    return next(s for s in steps.steps if s.workflow_id == handle.id and s.step == step)


async def written_soon(steps: StepLog, handle: WorkflowHandle, step: str) -> StepRecord:
    """A step its activity may still be writing (the update that caused it has returned)."""
    for _ in range(100):
        if any(s.workflow_id == handle.id and s.step == step for s in steps.steps):
            break
        await asyncio.sleep(0.05)
    return written(steps, handle, step)


async def test_the_last_rating_opens_the_annual_rating(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    annual = await drive_until(env, handle, TaskKind.ANNUAL_RATING)
    rated = written(steps, handle, "p4/rated")
    assert rated.action == "period_rated"
    assert [(t.id, t.kind) for t in rated.open_tasks] == [(annual.id, TaskKind.ANNUAL_RATING)]
    assert rated.cycle is not None
    assert rated.cycle.stage is Stage.PENILAIAN_TAHUNAN
    assert rated.want_org_predikat is None
    # The penilai's notice and the task's two reminders are written with it.
    reminders = [n for n in rated.notifications if n.task_id == annual.id]
    assert [n.recipient_nip for n in reminders] == [PENILAI, PENILAI]
    assert all(n.task_due_at == annual.due_at for n in reminders)
    plain = [n.recipient_nip for n in rated.notifications if n.task_id is None]
    assert plain == [EMPLOYEE, PENILAI]  # the quarter's result; the new task
    # The task carries every period's result, the fourth included.
    assert [p["index"] for p in rated.open_tasks[0].context["periods"]] == [1, 2, 3, 4]
    assert annual.visible_from is None
    assert annual.assignee_nip == PENILAI
    assert (await status(handle)).stage is Stage.PENILAIAN_TAHUNAN
    # The step came back with the rating's update: neither it nor an opening step was an
    # activity, and no step of its own opened the annual rating.
    scheduled = await activity_steps(handle)
    assert scheduled[0] == "skp1/open"
    assert "p4/rated" not in scheduled
    assert "annual/open" not in scheduled
    assert "annual_rating_requested" not in steps.actions(handle.id)

    await complete(handle, annual, rating(Rating.DI_ATAS, Rating.DI_ATAS))
    await drive(env, handle, nip=EMPLOYEE)
    result = await handle.result()
    assert result.annual is not None
    assert result.annual.predikat.value == "Sangat Baik"
    assert result.stage is Stage.SELESAI
    # The annual rating's step came back with its update too; the incentive's two remain.
    assert [s for s in await activity_steps(handle) if s != "skp1/open"] == [
        "incentive/open",
        "incentive/decided",
    ]
    assert "annual_rated" in steps.actions(handle.id)


async def test_an_annual_rating_step_its_caller_lost_is_written_by_the_next_step(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    annual = await drive_until(env, handle, TaskKind.ANNUAL_RATING)
    done = await complete(handle, annual, rating(), PENILAI_ACTOR, write=False)
    assert [r.step for r in done.steps] == ["annual/rated"]
    assert "annual_rated" not in steps.actions(handle.id)  # the API died before writing it
    # A repeat is refused, and carries the step for the API to write.
    again = await refused(handle, annual, rating(), PENILAI_ACTOR)
    assert again.type == "Conflict"
    assert [r.step for r in unwritten_steps(again.details)] == ["annual/rated"]
    # Nobody repeats it: the incentive's proposal, after the objection window, writes it first.
    await env.sleep(timedelta(days=15))
    await written_soon(steps, handle, "incentive/open")
    mine = [s.step for s in steps.steps if s.workflow_id == handle.id]
    assert mine[-2:] == ["annual/rated", "incentive/open"]
    assert "annual/rated" not in await activity_steps(handle)
    await handle.terminate("test done")


async def test_a_unit_heads_last_rating_reads_the_org_predikat(
    env: WorkflowEnvironment, steps: StepLog
):
    steps.org_predikat = "Baik"
    handle = await start(env, cycle_input(unit_head=True))
    last = await drive_to_last_rating(env, handle)
    # While the step that opens the annual rating reads the org predikat, the task exists but a
    # rating of it cannot be checked yet: it is refused, not let through without the rule.
    reached, release = steps.hold("p4/rated")
    rated_q4 = asyncio.create_task(complete(handle, last, rating(), PENILAI_ACTOR))
    await reached.wait()
    [annual] = [t for t in (await status(handle)).open_tasks if t.kind is TaskKind.ANNUAL_RATING]
    try:  # (accepted, the update would wait for the held step: a timeout, not a hang)
        early = await asyncio.wait_for(
            refused(handle, annual, rating(Rating.DI_ATAS), PENILAI_ACTOR), timeout=10
        )
    finally:
        release.set()
    assert early.type == "Conflict"
    await rated_q4
    rated = written(steps, handle, "p4/rated")
    assert rated.want_org_predikat == "DPMPTSP"
    assert [t.kind for t in rated.open_tasks] == [TaskKind.ANNUAL_RATING]
    assert "p4/rated" in await activity_steps(handle)  # the read needs the activity's answer
    # The unit's Baik makes the head's Hasil Kerja "Sesuai Ekspektasi", nothing else.
    err = await refused(handle, annual, rating(Rating.DI_ATAS), PENILAI_ACTOR)
    assert err.type == "InvalidPayload"
    assert err.details[0][0]["field"] == "hasil_kerja"
    await complete(handle, annual, rating(Rating.SESUAI), PENILAI_ACTOR)
    assert "annual_rated" in steps.actions(handle.id)
    await handle.terminate("test done")


async def test_a_last_rating_on_leave_opens_the_annual_rating_on_return(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    last = await drive_to_last_rating(env, handle)
    cuti = StatusChange(status=EmploymentStatus.CUTI, reason="Cuti melahirkan", actor=BKPP)
    await handle.execute_update("change_status", cuti, result_type=ChangeAck)
    await complete(handle, last, rating(), PENILAI_ACTOR)
    assert written(steps, handle, "p4/rated").open_tasks == []
    assert (await status(handle)).open_tasks == []  # nothing is asked of anyone on leave
    back = StatusChange(status=EmploymentStatus.AKTIF, reason="Kembali bertugas", actor=BKPP)
    await handle.execute_update("change_status", back, result_type=ChangeAck)
    [annual] = list((await status(handle)).open_tasks)
    assert annual.kind is TaskKind.ANNUAL_RATING
    opened = await written_soon(steps, handle, "annual/open")
    assert opened.action == "annual_rating_requested"
    assert [t.id for t in opened.open_tasks] == [annual.id]
    await drive(env, handle, nip=EMPLOYEE)
    assert (await handle.result()).stage is Stage.SELESAI
