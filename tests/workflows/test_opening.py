"""The first step a bulk launch writes is the step the cycle would write; a cycle started with
it written adopts it and runs its year as any other."""

import asyncio

from temporalio.testing import WorkflowEnvironment

from domain.enums import Stage, TaskKind
from domain.opening import FIRST_STEP, opening_step, skp_draft_due
from domain.payloads import CycleStatus, StepRecord, TaskRef
from tests.workflows.conftest import StepLog
from tests.workflows.driver import drive
from tests.workflows.people import EMPLOYEE, cycle_input
from tests.workflows.test_appraisal_year import start


async def _first_step(steps: StepLog, workflow_id: str) -> StepRecord:
    for _ in range(200):
        found = [s for s in steps.steps if s.workflow_id == workflow_id and s.step == FIRST_STEP]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("the cycle wrote no first step")


async def test_the_launchers_first_step_is_the_one_the_cycle_writes(
    env: WorkflowEnvironment, steps: StepLog
):
    """The launcher builds the step with domain.opening; the run builds it with its own task,
    notice and reminder code. Both must give the same record, or the task row, its notice or its
    reminders would say something other than what the run waits for."""
    inp = cycle_input()
    handle = await start(env, inp)
    written = await _first_step(steps, handle.id)
    assert written.action == "cycle_started"
    assert len(written.notifications) == 3  # the notice and the 3- and 1-day reminders
    assert opening_step(inp, handle.id, written.at) == written
    await handle.terminate("checked")


async def test_a_cycle_adopts_the_first_step_its_launcher_wrote(
    env: WorkflowEnvironment, steps: StepLog
):
    opened = await env.get_current_time()
    inp = cycle_input().model_copy(update={"opened_at": opened})
    handle = await start(env, inp)
    [draft] = await handle.query("open_tasks", result_type=list[TaskRef])
    assert draft.kind is TaskKind.SKP_DRAFT
    assert draft.due_at == skp_draft_due(inp.calendar, inp.policy, 1, opened)
    assert draft.due_at == opening_step(inp, handle.id, opened).open_tasks[0].due_at
    await drive(env, handle, nip=EMPLOYEE)
    result: CycleStatus = await handle.result()
    assert result.stage is Stage.SELESAI
    mine = [s for s in steps.steps if s.workflow_id == handle.id]
    assert FIRST_STEP not in [s.step for s in mine]  # written by the launcher, not again
    assert mine[0].step == "skp1/submitted1"
    assert [c.id for c in mine[0].close_tasks] == [f"{handle.id}/skp1/draft"]
