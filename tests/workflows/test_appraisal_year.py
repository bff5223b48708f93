"""The employee's year on the time-skipping server, with stand-in people and activities."""

import sys
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.enums import Predikat, Stage, TaskKind
from domain.payloads import CycleStatus
from tests.workflows.conftest import QUEUE, StepLog
from tests.workflows.driver import drive
from tests.workflows.people import EMPLOYEE, cycle_input


async def start(env: WorkflowEnvironment, inp=None) -> WorkflowHandle:
    inp = inp or cycle_input()
    return await env.client.start_workflow(
        "AppraisalCycleWorkflow",
        inp,
        id=f"appraisal-test-{uuid.uuid4().hex[:8]}",
        task_queue=QUEUE,
        result_type=CycleStatus,
    )


async def test_full_year_on_time(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    done = await drive(env, handle, nip="198609262015051001")
    result: CycleStatus = await handle.result()
    assert result.stage is Stage.SELESAI
    assert [p.predikat for p in result.period_results] == [Predikat.BAIK] * 4
    assert result.annual is not None
    assert result.annual.predikat is Predikat.BAIK
    assert result.incentive is not None
    assert result.incentive.tpp_share_percent == 100
    kinds = [t.kind for t in done]
    assert kinds.count(TaskKind.PERIOD_RATING) == 4
    assert kinds.count(TaskKind.REALISATION) == 4
    assert TaskKind.INCENTIVE_APPROVAL in kinds
    actions = steps.actions(handle.id)
    assert actions[0] == "cycle_started"
    assert actions[-1] == "cycle_closed"
    assert "task_escalated" not in actions


async def test_quarterly_year_history_stays_small(env: WorkflowEnvironment, steps: StepLog):
    """A year without exceptional events keeps its history far from Temporal's limits."""
    handle = await start(env)
    await drive(env, handle, nip=EMPLOYEE)
    await handle.result()
    events = (await handle.fetch_history()).events
    local = [
        e
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    regular = [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    sys.stdout.write(f"history events {len(events)}, steps {len(local)} local + {len(regular)}\n")
    assert len(events) < 240  # 222 measured; 264 before PREOPEN_PERIODS
    assert len(local) + len(regular) <= 16  # 15 measured; 19 before
    # Every step runs as a regular activity, so a lost workflow task cannot leave a written step
    # that the history lacks.
    assert len(local) == 0
