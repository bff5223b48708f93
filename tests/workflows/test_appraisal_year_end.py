"""The year's end: the step that rates the last period opens the annual rating (ANNUAL_AHEAD)."""

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.enums import EmploymentStatus, Rating, Role, Stage, TaskKind, TrainingType
from domain.payloads import (
    Actor,
    ChangeAck,
    DeadlineExtension,
    StatusChange,
    StepRecord,
    TaskRef,
    unwritten_steps,
)
from domain.status import status_as_of
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
    # The annual rating's step came back with its update too, with the incentive approval
    # written ahead (INCENTIVE_AHEAD): BKPP's decision is the year's only other activity.
    assert [s for s in await activity_steps(handle) if s != "skp1/open"] == ["incentive/decided"]
    assert "annual_rated" in steps.actions(handle.id)
    assert "incentive_proposed" not in steps.actions(handle.id)


async def test_an_annual_rating_step_its_caller_lost_is_carried_by_the_repeat(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    annual = await drive_until(env, handle, TaskKind.ANNUAL_RATING)
    done = await complete(handle, annual, rating(), PENILAI_ACTOR, write=False)
    assert [r.step for r in done.steps] == ["annual/rated"]
    assert "annual_rated" not in steps.actions(handle.id)  # the API died before writing it
    # The penilai still sees the rating open and repeats it: the refusal carries the step
    # (with the incentive approval it opens) for the API to write.
    again = await refused(handle, annual, rating(), PENILAI_ACTOR)
    assert again.type == "Conflict"
    [lost] = unwritten_steps(again.details)
    assert lost.step == "annual/rated"
    assert [t.kind for t in lost.open_tasks] == [TaskKind.INCENTIVE_APPROVAL]
    steps.write(lost)
    # Once it is written the year goes on as if nothing had happened.
    await env.sleep(timedelta(days=15))
    await drive(env, handle, nip=EMPLOYEE)
    result = await handle.result()
    assert result.stage is Stage.SELESAI
    mine = [s.step for s in steps.steps if s.workflow_id == handle.id]
    assert mine[-2:] == ["annual/rated", "incentive/decided"]
    assert "annual/rated" not in await activity_steps(handle)


async def incentive_written_ahead(
    env: WorkflowEnvironment, steps: StepLog, handle: WorkflowHandle, annual: dict[str, Any]
) -> tuple[StepRecord, TaskRef]:
    """Rate the year with `annual`; the annual rating's step and the approval it wrote."""
    last = await drive_until(env, handle, TaskKind.ANNUAL_RATING)
    await complete(handle, last, annual, PENILAI_ACTOR)
    rated = written(steps, handle, "annual/rated")
    [approval] = (await status(handle)).open_tasks
    return rated, approval


async def test_the_annual_rating_writes_the_incentive_approval_ahead(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    rated, approval = await incentive_written_ahead(env, steps, handle, rating())
    assert approval.kind is TaskKind.INCENTIVE_APPROVAL
    assert (approval.assignee_nip, approval.assignee_role) == (None, Role.BKPP)
    [spec] = rated.open_tasks
    assert spec.id == approval.id
    # Visible from the objection window's end, which the step's read model carries as the date
    # of its next stage (the sweeper's cue); the window is the policy's 14 days.
    opens = approval.visible_from
    assert opens is not None
    assert opens > rated.at
    assert rated.cycle is not None
    assert (rated.cycle.stage, rated.cycle.next_stage) == (Stage.KEBERATAN, Stage.TINDAK_LANJUT)
    assert rated.cycle.next_stage_at == opens
    assert rated.cycle.tpp_share is None  # decided by BKPP, not yet
    assert rated.details["incentive_proposed"]["tpp_share_percent"] == 100
    # BKPP's notice, and the reminders, wait in the outbox until the window's end.
    held = [n for n in rated.notifications if n.recipient_role is Role.BKPP]
    assert held
    assert all(n.deliver_after is not None and n.deliver_after >= opens for n in held)
    # Within the window BKPP cannot decide, and the cycle is in keberatan.
    early = await refused(handle, approval, {"approve": True, "note": ""}, BKPP)
    assert early.type == "Conflict"
    now = await status(handle)
    assert (now.stage, now.incentive) == (Stage.KEBERATAN, None)
    # At its end nothing is written (the sweeper moves the read model). A step after it writes
    # tindak lanjut and no next stage; the run answers with the proposal.
    await env.sleep(opens - await env.get_current_time() + timedelta(seconds=1))
    assert [s.step for s in steps.steps if s.workflow_id == handle.id][-1] == "annual/rated"
    # A query's clock stands at the run's last workflow task, before the window's end: it still
    # answers keberatan, with the next stage, its date and the proposal it shows. As of the time
    # it is read (what the API serves) that is tindak lanjut, as the sweeper writes it.
    stale = await status(handle)
    assert (stale.stage, stale.next_stage, stale.next_stage_at) == (
        Stage.KEBERATAN,
        Stage.TINDAK_LANJUT,
        opens,
    )
    assert stale.next_incentive is not None
    assert stale.next_incentive.tpp_share_percent == 100
    live = status_as_of(stale, await env.get_current_time())
    assert (live.stage, live.incentive, live.next_stage) == (
        Stage.TINDAK_LANJUT,
        stale.next_incentive,
        None,
    )
    ack = await handle.execute_update(
        "extend_deadline",
        DeadlineExtension(days=2, reason="Rapat TPP diundur.", actor=BKPP),
        result_type=ChangeAck,
    )
    assert ack.stage is Stage.TINDAK_LANJUT
    extended = await written_soon(steps, handle, "extend")
    assert extended.cycle is not None
    assert (extended.cycle.stage, extended.cycle.next_stage) == (Stage.TINDAK_LANJUT, None)
    now = await status(handle)
    assert now.stage is Stage.TINDAK_LANJUT
    assert now.incentive is not None
    assert now.incentive.tpp_share_percent == 100
    done = await complete(handle, approval, {"approve": True, "note": "Sesuai."}, BKPP)
    assert done.stage is Stage.SELESAI
    result = await handle.result()
    assert result.outcome == "selesai: Baik, TPP 100%"
    closed = written(steps, handle, "incentive/decided")
    assert closed.cycle is not None
    assert (closed.cycle.stage, closed.cycle.tpp_share, closed.cycle.next_stage) == (
        Stage.SELESAI,
        100,
        None,
    )
    # An on-time year sets no timer at all: the window's end needed none.
    history = await handle.fetch_history()
    assert not [e for e in history.events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]


async def test_a_poor_year_is_sent_to_training_with_bkpps_decision(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    rated, approval = await incentive_written_ahead(
        env, steps, handle, rating(Rating.DI_BAWAH, Rating.SESUAI)
    )
    assert rated.details["predikat"] == "Butuh Perbaikan"
    assert approval.visible_from is not None
    await env.sleep(approval.visible_from - await env.get_current_time() + timedelta(seconds=1))
    assert not gap_trainings(steps)  # (a JP-pace training may have come with a period)
    await complete(handle, approval, {"approve": True, "note": ""}, BKPP)
    result = await handle.result()
    assert result.incentive is not None
    assert result.incentive.tpp_share_percent == 70
    for _ in range(100):  # the training child writes its first step on its own
        if gap_trainings(steps):
            break
        await asyncio.sleep(0.05)
    [gap] = gap_trainings(steps)
    assert gap.training is not None
    assert gap.training.nip == EMPLOYEE
    assert steps.steps.index(gap) > steps.steps.index(written(steps, handle, "incentive/decided"))


def gap_trainings(steps: StepLog) -> list[StepRecord]:
    """Trainings assigned for a performance gap (a bimtek), not for the JP pace."""
    return [
        s
        for s in steps.steps
        if s.action == "training_assigned"
        and s.training is not None
        and s.training.training_type is TrainingType.BIMBINGAN_TEKNIS
    ]


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
