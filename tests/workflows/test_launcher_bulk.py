"""LaunchCycleWorkflow on the dev server: everyone once, continue-as-new, relaunch, resume."""

import dataclasses
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.launch import LaunchActivities, StartProgress, read_page
from bench.synth import build_people, org_csv
from cli.cycle_commands import _launch as cli_launch
from db.directory import build_cycle_input
from db.engine import make_engine, migrate, session_scope
from db.models import AuditEvent, Cycle, Employee, Task
from db.org_import import import_org_csv
from domain.enums import CalendarKind
from domain.launch import (
    LaunchInput,
    LaunchProgress,
    LaunchScope,
    PageRequest,
    launch_task_queue,
    launch_workflow_id,
)
from domain.payloads import CycleInput, appraisal_workflow_id
from infra.temporal import SEARCH_ATTRIBUTES
from settings import Settings
from workflows.launcher import LaunchCycleWorkflow

pytestmark = pytest.mark.e2e
TEMPORAL = Path(sys.executable).parent / "temporal"
N = 430
YEAR = 2033


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('launcher') / 'kinerja.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        assert import_org_csv(s, org_csv(build_people(N)).encode(), source="test").ok
        s.add(Cycle(year=YEAR, calendar_kind=CalendarKind.QUARTERLY, compressed_minutes=60,
                    opened_by="bkpp"))  # fmt: skip
        s.add(Cycle(year=YEAR + 1, calendar_kind=CalendarKind.QUARTERLY, opened_by="bkpp"))
    return engine


def _first_steps(engine: Engine, year: int = YEAR) -> dict[str, str]:
    """NIP -> action of the first steps written for `year`, with their SKP draft task rows."""
    with Session(engine) as s:
        events = {
            e.nip: e.action
            for e in s.exec(select(AuditEvent).where(col(AuditEvent.key).like("%/skp1/open")))
            if e.workflow_id and e.workflow_id.startswith(f"appraisal-{year}-")
        }
        drafts = {
            t.subject_nip
            for t in s.exec(select(Task).where(col(Task.step) == "skp1/draft"))
            if t.workflow_id.startswith(f"appraisal-{year}-")
        }
    assert set(events) == drafts
    return {n: a for n, a in events.items() if n}


def _ended(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return {e.nip for e in s.exec(select(Employee)) if e.status.is_terminal}


async def _launch(
    client: Client, engine: Engine, scope: LaunchScope, cycles: str
) -> LaunchProgress:
    queue = f"launcher-{uuid.uuid4().hex[:8]}"
    acts = LaunchActivities(client, engine)
    async with Worker(
        client, task_queue=queue, workflows=[LaunchCycleWorkflow], activities=[acts.launch_page]
    ):
        inp = LaunchInput(year=YEAR, scope=scope, task_queue=cycles, page_size=100, pages_per_run=2)
        return await client.execute_workflow(
            LaunchCycleWorkflow.run,
            inp,
            id=launch_workflow_id(YEAR, scope.key()),
            task_queue=queue,
            result_type=LaunchProgress,
        )


async def _input(client: Client, nip: str, year: int = YEAR) -> CycleInput:
    handle = client.get_workflow_handle(appraisal_workflow_id(year, nip))
    async for event in handle.fetch_history_events():
        attrs = event.workflow_execution_started_event_attributes
        payload = attrs.input.payloads[0]
        return pydantic_data_converter.payload_converter.from_payload(payload, CycleInput)
    raise AssertionError("no history")


async def test_launcher_starts_everyone_once_and_relaunch_skips(temporal, city):
    client = temporal.client
    cycles = "launcher-cycles-nobody-polls"  # the cycles wait; the test reads their inputs
    ended = _ended(city)
    first = await _launch(client, city, LaunchScope(), cycles)
    assert first.done
    assert first.total == first.selected == N
    assert first.started == N - len(ended)
    assert first.skipped_ended == len(ended) > 0
    assert first.failed == 0
    assert first.runs == 3  # 5 pages, 2 per run: continue-as-new twice
    assert first.exempt > 0  # on leave or studying: started, the cycle records the exemption
    people = build_people(N)
    active = [p.nip for p in people if p.status == "Aktif"]
    one, two = await _input(client, active[0]), await _input(client, active[-1])
    assert one.calendar.year_start == two.calendar.year_start  # one instant for everyone
    assert one.calendar.compression > 1
    # The launcher wrote every active employee's first step before it started their cycle (the
    # cycles' queue is not polled here: every row is the launcher's), and the runs were told so.
    exempt = {p.nip for p in people if p.status != "Aktif" and p.nip not in ended}
    opened = _first_steps(city)
    assert set(opened) == set(active) - ended
    assert set(opened.values()) == {"cycle_started"}
    assert None not in (one.opened_at, two.opened_at)  # each its page's instant
    some_exempt = sorted(exempt)[0]
    assert (await _input(client, some_exempt)).opened_at is None  # its run writes the pause
    again = await _launch(client, city, LaunchScope(), cycles)
    assert (again.started, again.skipped_running) == (0, first.started)
    assert _first_steps(city) == opened  # nothing written twice


async def test_launcher_reports_unknown_nips_and_unit_scope(temporal, city):
    people = build_people(N)
    nips = (people[5].nip, "199001012015011999")
    res = await _launch(temporal.client, city, LaunchScope(nips=nips), "launcher-other")
    assert res.total == 2
    assert [f.nip for f in res.failures] == ["199001012015011999"]
    assert res.failures[0].reason == "pegawai tidak ditemukan"
    unit = people[1].unit.code  # an OPD or kecamatan head: its unit has sub-units
    res = await _launch(temporal.client, city, LaunchScope(unit_code=unit), "launcher-unit")
    expected = sum(1 for p in people if p.unit.code == unit or p.unit.parent == unit)
    assert res.selected == expected > 1


async def test_launch_page_resumes_after_the_heartbeated_nip(temporal, city):
    client = temporal.client
    people = sorted(p.nip for p in build_people(N) if p.status == "Aktif")
    req = PageRequest(
        year=YEAR + 1,
        scope=LaunchScope(nips=tuple(people[:10])),
        task_queue="launcher-resume",
        calendar_start=datetime.now(UTC),
        after=None,
        limit=10,
        concurrency=3,
    )
    env = ActivityEnvironment(client)
    crashed = StartProgress(through=people[3], started=4)  # the first attempt got this far
    env.info = dataclasses.replace(env.info, heartbeat_details=[crashed.model_dump(mode="json")])
    res = await env.run(LaunchActivities(client, city).launch_page, req)
    assert (res.started, res.skipped_running) == (10, 0)
    for nip in people[:4]:  # never started again: the retry resumed after them
        with pytest.raises(Exception, match="not found"):
            await client.get_workflow_handle(appraisal_workflow_id(YEAR + 1, nip)).describe()
    assert set(_first_steps(city, YEAR + 1)) == set(people[4:10])  # nor their steps written


def test_read_page_builds_the_same_inputs_as_one_by_one(city):
    """The page read shares one policy and calendar and prefetches the rating chain; what it
    builds is what build_cycle_input builds for each employee alone."""
    now = datetime.now(UTC)
    req = PageRequest(year=YEAR, scope=LaunchScope(), task_queue="q", calendar_start=now,
                      after=None, limit=200, concurrency=1)  # fmt: skip
    with session_scope(city) as s:
        work = read_page(s, req)
    assert len(work.inputs) + work.result.skipped_ended == 200
    assert any(i.placement.atasan_penilai_nip for i in work.inputs)
    with session_scope(city) as s:
        alone = [build_cycle_input(s, year=YEAR, nip=i.nip, now=now) for i in work.inputs]
    assert work.inputs == alone
    closed = req.model_copy(update={"year": YEAR + 5})  # a year BKPP has not opened
    with session_scope(city) as s:
        none = read_page(s, closed)
    assert none.inputs == []
    assert len(none.result.failures) == 200
    assert {f.reason for f in none.result.failures} == {f"siklus {YEAR + 5} belum dibuka"}


async def test_cli_launch_follows_the_launcher_and_begins_the_year_after_a_lead(temporal, city):
    """`kinerja cycle launch` (its coroutine; typer only parses the options) starts a unit
    through the durable launcher and follows it to the end. `--lead-minutes` makes the compressed
    year begin that long after the launch, and is refused for a real-time year."""
    year = YEAR + 2
    with session_scope(city) as s:
        s.add(Cycle(year=year, calendar_kind=CalendarKind.QUARTERLY, compressed_minutes=60,
                    opened_by="bkpp"))  # fmt: skip
    settings = Settings.model_validate(
        {
            "DATABASE_URL": str(city.url),
            "TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
            "task_queue": f"cli-{uuid.uuid4().hex[:8]}",  # the cycles wait; nobody polls
        }
    )
    people = build_people(N)
    unit = people[1].unit.code
    acts = LaunchActivities(temporal.client, city)
    async with Worker(
        temporal.client,
        task_queue=launch_task_queue(settings.task_queue),
        workflows=[LaunchCycleWorkflow],
        activities=[acts.launch_page],
    ):
        assert await cli_launch(settings, YEAR + 1, unit, False, 7) == 2  # a real-time year
        before = datetime.now(UTC)
        assert await cli_launch(settings, year, unit, False, 7) == 0
        after = datetime.now(UTC)
    scope = LaunchScope(unit_code=unit)
    with pytest.raises(RPCError):  # the refused launch started no launcher
        await temporal.client.get_workflow_handle(
            launch_workflow_id(YEAR + 1, scope.key())
        ).describe()
    members = [
        p.nip for p in people if p.status == "Aktif" and unit in (p.unit.code, p.unit.parent)
    ]
    assert len(members) > 1
    lead = timedelta(minutes=7)
    for nip in members[:3]:
        cal = (await _input(temporal.client, nip, year)).calendar
        assert before + lead <= cal.year_start <= after + lead
