"""A compressed year end to end: real dev server, real worker and activities, real database."""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.archive import HistoryArchiver
from activities.escalation import EscalationSweeper
from activities.notify import LogChannel, OutboxDispatcher
from activities.storage import StorageActivities
from db.audit import verify_chain
from db.directory import build_cycle_input
from db.engine import session_scope
from db.models import (
    CitizenFeedback,
    Cycle,
    CycleRecord,
    Employee,
    HistoryArchive,
    Notification,
    Task,
    task_visible,
)
from db.seed import seed_demo
from domain.enums import CalendarKind, JenisJabatan, Role, Stage, TaskKind, TaskStatus
from domain.payloads import Actor, TaskCompleted, TaskCompletion, appraisal_workflow_id
from infra.temporal import SEARCH_ATTRIBUTES
from settings import Settings
from tests.workflows.people import DEFAULTS, realisation, skp
from worker import build_worker

pytestmark = pytest.mark.e2e
TEMPORAL = Path(sys.executable).parent / "temporal"
YEAR = 2030
MINUTES = 0.5  # the whole year in 30 seconds: a day is ~0.08 s


def payload_for(task: Task, employee: Employee) -> dict[str, Any]:
    """What a diligent person would submit for this task."""
    if task.kind is TaskKind.SKP_DRAFT:
        body = skp(employee.nip, YEAR, JenisJabatan(employee.jenis_jabatan))
        if JenisJabatan(employee.jenis_jabatan).is_jpt:
            for row in body["skp"]["hasil_kerja"]:
                row["perspektif"] = "Penerima Layanan"
        return body
    if task.kind is TaskKind.REALISATION:
        return realisation(task.period_index or 1, employee.nip, YEAR)
    return dict(DEFAULTS[task.kind])


async def stage_once_open(engine: Engine, workflow_id: str) -> Stage:
    """The cycle's stage in the read model once it has left keberatan (the sweeper moves it at
    the objection window's end, within its interval), or keberatan if it has not in 3 s."""
    for _ in range(30):
        with Session(engine) as s:
            rec = s.get(CycleRecord, workflow_id)
            if rec is not None and rec.stage is not Stage.KEBERATAN:
                return rec.stage
        await asyncio.sleep(0.1)
    return Stage.KEBERATAN


async def bots(
    client: Client,
    engine: Engine,
    writer: StorageActivities,
    stop: asyncio.Event,
    seen: dict[str, Stage],
) -> int:
    """Everyone works their inbox straight from the read model the API serves, and writes the
    step each completion returns with the code the API uses. BKPP looks at the cycle's stage
    before it decides an incentive (into `seen`)."""
    done = 0

    async def work(task: Task, employee: Employee) -> int:
        if task.kind is TaskKind.INCENTIVE_APPROVAL:
            seen[task.workflow_id] = await stage_once_open(engine, task.workflow_id)
        actor = (
            Actor(
                nip=task.assignee_nip,
                roles=[Role.PEGAWAI, Role.PENILAI],
                username=task.assignee_nip,
            )
            if task.assignee_nip
            else Actor(nip=None, roles=[Role.BKPP], username="bkpp")
        )
        try:
            answer = await client.get_workflow_handle(task.workflow_id).execute_update(
                "complete_task",
                TaskCompletion(task_id=task.id, actor=actor, payload=payload_for(task, employee)),
                result_type=TaskCompleted,
            )
        except WorkflowUpdateFailedError:
            return 0  # escalated or closed meanwhile: the next poll sees the new assignee
        await asyncio.to_thread(writer.write_steps, answer.steps)
        return 1

    while not stop.is_set():
        with Session(engine) as s:
            rows = s.exec(
                select(Task, Employee).where(
                    col(Task.status) == TaskStatus.OPEN,
                    col(Task.subject_nip) == Employee.nip,
                    task_visible(datetime.now(UTC)),
                )
            ).all()
        done += sum(await asyncio.gather(*(work(t, e) for t, e in rows)))
        await asyncio.sleep(0.1)
    return done


def open_tasks(engine: Engine) -> int:
    with Session(engine) as s:
        q = select(func.count()).select_from(Task).where(col(Task.status) == TaskStatus.OPEN)
        return s.exec(q).one()


async def test_compressed_year_for_the_demo_city(engine: Engine, db_url: str, tmp_path: Path):
    with session_scope(engine) as s:
        assert seed_demo(s)
        s.add(
            Cycle(
                year=YEAR,
                calendar_kind=CalendarKind.QUARTERLY,
                compressed_minutes=MINUTES,
                opened_by="test",
            )
        )
        s.add(
            CitizenFeedback(
                unit_code="BKPP",
                rating=2,
                text="Antrean layanan terlalu lama",
                reporter_contact="warga@example.org",
                client_hash="x" * 64,
                created_at=datetime.now(UTC) + timedelta(seconds=5),
            )
        )
    settings = Settings(
        database_url=db_url, task_queue=f"e2e-{tmp_path.name}"[:60], var_dir=tmp_path
    )
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
    )
    try:
        with ThreadPoolExecutor(16) as pool:
            async with build_worker(env.client, settings, pool, engine):
                now = datetime.now(UTC)
                with Session(engine) as s:
                    nips = list(s.exec(select(Employee.nip)))
                    inputs = [build_cycle_input(s, year=YEAR, nip=n, now=now) for n in nips]
                handles = [
                    await env.client.start_workflow(
                        "AppraisalCycleWorkflow",
                        inp,
                        id=appraisal_workflow_id(YEAR, inp.nip),
                        task_queue=settings.task_queue,
                    )
                    for inp in inputs
                ]
                stop = asyncio.Event()
                writer = StorageActivities(engine, settings.notify_channel)
                # the worker process runs it beside its workers (worker.run_worker)
                sweeper = asyncio.create_task(EscalationSweeper(writer).run_forever(0.2))
                seen: dict[str, Stage] = {}
                worker_bots = asyncio.create_task(bots(env.client, engine, writer, stop, seen))
                results = await asyncio.wait_for(
                    asyncio.gather(*(h.result() for h in handles)), timeout=240
                )
                for _ in range(300):  # training assignments outlive the year they came from
                    if not open_tasks(engine):
                        break
                    await asyncio.sleep(0.2)
                stop.set()
                completed = await worker_bots
                sweeper.cancel()
            archiver = HistoryArchiver(env.client, engine)
            while await archiver.sweep():
                pass
    finally:
        await env.shutdown()

    assert len(results) == len(nips) == 53
    exempt = [r for r in results if (r["outcome"] or "").startswith("dikecualikan")]
    assert len(exempt) == 2  # the MPP and the CLTN employee of the demo data
    assert all(r["stage"] == Stage.SELESAI.value for r in results)
    assert completed >= 51 * 12
    # Every incentive approval was written ahead with the annual rating, and the sweeper moved
    # its cycle to tindak lanjut when the approval opened (no workflow step does).
    assert len(seen) == 51
    assert set(seen.values()) == {Stage.TINDAK_LANJUT}
    with Session(engine) as s:
        records = list(s.exec(select(CycleRecord).where(col(CycleRecord.year) == YEAR)))
        assert len(records) == 53
        assert all(r.closed_at is not None for r in records)
        assert not s.exec(select(Task).where(col(Task.status) == TaskStatus.OPEN)).all()
        rating = s.exec(
            select(Task).where(
                col(Task.kind) == TaskKind.PERIOD_RATING,
                col(Task.unit_code) == "BKPP",
                col(Task.period_index) == 1,
            )
        ).first()
        assert rating is not None
        evidence = rating.context["citizen_feedback"]
        assert [f["text"] for f in evidence] == ["Antrean layanan terlalu lama"]
        assert "reporter_contact" not in evidence[0]
        assert verify_chain(s).ok
        archived = s.exec(select(func.count()).select_from(HistoryArchive)).one()
        assert archived == 53
    dispatcher = OutboxDispatcher(engine, LogChannel())
    while dispatcher.deliver_batch():
        pass
    with Session(engine) as s:
        notes = list(s.exec(select(Notification)))
        assert notes
        reminders = [n for n in notes if n.task_id is not None]
        others = [n for n in notes if n.task_id is None]
        assert all(n.delivered_at is not None and n.attempts == 1 for n in others)
        # Reminders are written ahead with their tasks. The dispatcher runs here after the
        # year, with every task done: each reminder was dropped as no longer applying, none sent.
        assert reminders
        assert all(n.delivered_at is None and n.attempts == 0 for n in reminders)
        assert {n.dropped_reason for n in reminders} == {"task_closed"}
        assert len({n.key for n in notes}) == len(notes)
