"""Record workflow histories for the replay tests:
`python tests/replay/record_histories.py [TAG [SCENARIO ...]]`.

A TAG (for example the patch id of a change) is added to the scenario names, so histories of the
code before and after a patched change are both kept and both replayed. SCENARIOs, when given,
record only those (a new scenario, without recording the others again).

Run it when a workflow change is meant to be compatible, before changing the code, so the stored
histories stand for cycles already running in production; never regenerate them to make a failing
replay pass (use `workflow.patched` in the workflow instead).
"""

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from domain.calendar import build_compressed_calendar  # noqa: E402
from domain.enums import CalendarKind, EmploymentStatus, Rating, Role, TaskKind  # noqa: E402
from domain.payloads import Actor, ChangeAck, CycleStatus, StatusChange, TaskRef  # noqa: E402
from infra.temporal import SEARCH_ATTRIBUTES  # noqa: E402
from tests.workflows.conftest import QUEUE, StepLog  # noqa: E402
from tests.workflows.driver import STEP_SINKS, SWEEPERS, defaults, drive  # noqa: E402
from tests.workflows.people import EMPLOYEE, cycle_input, rating  # noqa: E402
from workflows.appraisal import AppraisalCycleWorkflow  # noqa: E402
from workflows.training import TrainingWorkflow  # noqa: E402

OUT = Path(__file__).resolve().parent / "histories"
TEMPORAL = Path(sys.executable).parent / "temporal"
MINUTES = 0.75  # the year compressed: a day is ~0.12 s
STEP = timedelta(seconds=0.1)
TAG = sys.argv[1] if len(sys.argv) > 1 else ""
ONLY = set(sys.argv[2:])
BKPP = Actor(nip=None, roles=[Role.BKPP], username="bkpp")


def poor_q1_and_returned_skp(task: TaskRef) -> dict[str, Any] | None:
    if task.kind is TaskKind.SKP_APPROVAL and task.id.endswith("review1"):
        return {"approve": False, "note": "Target belum terukur."}
    if task.kind is TaskKind.PERIOD_RATING and task.period_index == 1:
        return rating(Rating.DI_BAWAH, Rating.SESUAI)
    return defaults(task)


def escalated(task: TaskRef) -> dict[str, Any] | None:
    if task.kind is TaskKind.SKP_APPROVAL and task.assignee_role is not Role.BKPP:
        return None
    return defaults(task)


async def record(
    env: WorkflowEnvironment, name: str, scenario: Any, launched: bool = False, **inp: Any
) -> None:
    start = datetime.now(UTC) + timedelta(seconds=1)
    calendar = build_compressed_calendar(2027, CalendarKind.QUARTERLY, start=start, minutes=MINUTES)
    cycle = cycle_input(calendar=calendar, **inp)
    if launched:  # started by the bulk launcher, which wrote the first step (domain.opening)
        cycle = cycle.model_copy(update={"opened_at": datetime.now(UTC)})
    handle = await env.client.start_workflow(
        "AppraisalCycleWorkflow",
        cycle,
        id=f"appraisal-2027-{EMPLOYEE}",
        task_queue=QUEUE,
        result_type=CycleStatus,
    )
    await scenario(env, handle)
    await handle.result()
    # File name: scenario__workflow-id (task ids embed the workflow id, so replay needs it).
    name = f"{name}+{TAG}" if TAG else name
    (OUT / f"{name}__{handle.id}.json").write_text((await handle.fetch_history()).to_json())
    training = env.client.get_workflow_handle(f"training-2027-{EMPLOYEE}-1")
    try:
        history = (await training.fetch_history()).to_json()
        (OUT / f"{name}__{training.id}.json").write_text(history)
    except Exception:  # noqa: BLE001 - not every scenario assigns training
        pass


async def on_time(env: WorkflowEnvironment, handle: Any) -> None:
    await drive(env, handle, nip=EMPLOYEE, step=STEP, max_rounds=1500)


async def eventful(env: WorkflowEnvironment, handle: Any) -> None:
    await handle.execute_update(
        "change_status",
        StatusChange(status=EmploymentStatus.CUTI, reason="Cuti sakit", actor=BKPP),
        result_type=ChangeAck,
    )
    await env.sleep(STEP * 10)
    await handle.execute_update(
        "change_status",
        StatusChange(status=EmploymentStatus.AKTIF, reason="Kembali", actor=BKPP),
        result_type=ChangeAck,
    )
    await drive(env, handle, poor_q1_and_returned_skp, nip=EMPLOYEE, step=STEP, max_rounds=1500)


async def overdue(env: WorkflowEnvironment, handle: Any) -> None:
    await drive(env, handle, escalated, nip=EMPLOYEE, step=STEP, max_rounds=1500)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, scenario, inp in [
        ("year-on-time", on_time, {}),
        ("year-leave-returned-skp-training", eventful, {}),
        ("year-escalated", overdue, {}),
        ("year-exempt-cltn", on_time, {"status": EmploymentStatus.CLTN}),
        ("year-launched-on-time", on_time, {"launched": True}),
    ]:
        if ONLY and name not in ONLY:
            continue
        # The real dev server: its histories are what production replays (the time-skipping
        # test server records updates differently), on a calendar compressed to MINUTES.
        env = await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=str(TEMPORAL),
            search_attributes=SEARCH_ATTRIBUTES,
        )
        steps = StepLog()
        async with Worker(
            env.client,
            task_queue=QUEUE,
            workflows=[AppraisalCycleWorkflow, TrainingWorkflow],
            activities=[steps.record_step],
        ):
            STEP_SINKS.append(steps.write)  # returned steps, written as the API would
            SWEEPERS.append(steps.sweep)  # and the escalation sweeper over them
            try:
                await record(env, name, scenario, **inp)
            finally:
                STEP_SINKS.remove(steps.write)
                SWEEPERS.remove(steps.sweep)
        await env.shutdown()
        sys.stdout.write(f"recorded {name}\n")


if __name__ == "__main__":
    asyncio.run(main())
