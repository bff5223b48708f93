"""Actions through Temporal against a stand-in workflow on a local dev server."""

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from api_orgdata import ORG, TEMPORAL
from api_standin import OVERSIZE, StandInCycle, task_ids
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.launch import LaunchActivities
from api.main import create_app
from api.temporal import TemporalGateway
from db.models import CycleRecord, Task
from domain.calendar import CycleCalendar
from domain.enums import Role, Stage, TaskKind
from domain.launch import launch_task_queue
from domain.payloads import CycleInput, CycleStatus, appraisal_workflow_id
from infra.temporal import SEARCH_ATTRIBUTES
from workflows.launcher import LaunchCycleWorkflow

TQ = "kinerja-api-test"
_years = itertools.count(2031)


@pytest_asyncio.fixture(scope="session")
async def temporal_env():
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
    )
    async with Worker(env.client, task_queue=TQ, workflows=[StandInCycle]):
        yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def api(temporal_env, settings, engine):
    settings.task_queue = TQ
    app = create_app(settings, engine=engine, temporal=TemporalGateway.of(temporal_env.client))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


async def _launch(api, auth, engine, nip: str = ORG.pegawai_a1) -> int:
    """Open a fresh year, launch the stand-in for `nip`, write the read model it would write."""
    year = next(_years)
    r = await api.post("/cycles", json={"year": year}, headers=auth("bkpp"))
    assert r.status_code == 201, r.text
    r = await api.post(f"/cycles/{year}/launch", json={"nips": [nip]}, headers=auth("bkpp"))
    assert r.status_code == 200, r.text
    assert r.json()["started"] == 1
    wf = appraisal_workflow_id(year, nip)
    due = datetime.now(UTC) + timedelta(days=7)
    with Session(engine) as s:
        s.add(
            CycleRecord(
                workflow_id=wf,
                year=year,
                nip=nip,
                unit_code="DINKES",
                penilai_nip=ORG.penilai_a,
                stage=Stage.PERENCANAAN,
            )
        )
        for tid, kind in task_ids(year, nip).items():
            penilai = kind is TaskKind.SKP_APPROVAL
            s.add(
                Task(
                    id=tid,
                    workflow_id=wf,
                    step=tid.rsplit("/", 1)[1],
                    kind=kind,
                    title=str(kind),
                    assignee_nip=ORG.penilai_a if penilai else None,
                    assignee_role=None if penilai else Role.BKPP,
                    subject_nip=nip,
                    unit_code="DINKES",
                    due_at=due,
                    context={"skp": {"rhk": "contoh"}},
                )
            )
        s.commit()
    return year


async def _completions(temporal_env, year: int, nip: str = ORG.pegawai_a1) -> int:
    handle = temporal_env.client.get_workflow_handle(appraisal_workflow_id(year, nip))
    return await handle.query("completions", result_type=int)


APPROVE = {"payload": {"approve": True, "note": "ok"}}


async def test_complete_task_and_concurrent_twin(api, auth, engine, temporal_env):
    year = await _launch(api, auth, engine)
    tid = f"{appraisal_workflow_id(year, ORG.pegawai_a1)}/skp_approval"
    send = lambda: api.post(f"/tasks/{tid}/complete", json=APPROVE, headers=auth("penilai_a"))  # noqa: E731
    first, second = await asyncio.gather(send(), send())
    answers = [(r.status_code, r.json()) for r in (first, second)]
    assert sorted([first.status_code, second.status_code]) == [200, 409], answers
    ok = first if first.status_code == 200 else second
    assert ok.json()["stage"] == "pelaksanaan"
    loser = second if ok is first else first
    assert loser.json()["code"] == "conflict"
    assert await _completions(temporal_env, year) == 1


async def test_my_cycle_status_is_as_of_the_time_it_is_read(api, auth, engine, temporal_env):
    """A query answers as of the run's last workflow task; the API serves the status as of now:
    a stage the calendar alone moved (the objection window's end) shows as the read model has it."""
    year = await _launch(api, auth, engine)
    handle = temporal_env.client.get_workflow_handle(appraisal_workflow_id(year, ORG.pegawai_a1))
    await handle.execute_update("schedule_stage", datetime.now(UTC) + timedelta(seconds=1))
    mine = await api.get(f"/me/cycles/{year}", headers=auth("pegawai_a1"))
    assert mine.json()["status"]["stage"] == "keberatan"
    await asyncio.sleep(1.1)
    run = await handle.query("status", result_type=CycleStatus)
    assert run.stage is Stage.KEBERATAN  # the run's own answer stands at its last task
    mine = await api.get(f"/me/cycles/{year}", headers=auth("pegawai_a1"))
    status = mine.json()["status"]
    assert (status["stage"], status["next_stage"]) == ("tindak_lanjut", None)


async def test_an_update_aborted_by_a_failed_workflow_task_is_a_503_and_changes_nothing(
    api, auth, engine, temporal_env
):
    """Temporal aborts an update whose workflow task it could not complete (WorkflowNotReady,
    FAILED_PRECONDITION): the cycle is not closed and nothing was applied, so the caller is told
    to try again (it was 409 cycle_closed)."""
    year = await _launch(api, auth, engine)
    tid = f"{appraisal_workflow_id(year, ORG.pegawai_a1)}/skp_approval"
    url = f"/tasks/{tid}/complete"
    oversize = {"payload": {"approve": True, "note": OVERSIZE}}
    r = await api.post(url, json=oversize, headers=auth("penilai_a"))
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "workflow_not_ready"
    assert r.headers["Retry-After"] == "2"
    # Temporal retries the failed workflow task without the aborted update; a retry of the
    # request (here with a valid answer) then goes through, once.
    for _ in range(50):
        again = await api.post(url, json=APPROVE, headers=auth("penilai_a"))
        if again.status_code != 503:
            break
        await asyncio.sleep(0.2)
    assert again.status_code == 200, again.text
    assert await _completions(temporal_env, year) == 1


async def test_scope_payload_and_idempotency(api, auth, engine, temporal_env):
    year = await _launch(api, auth, engine)
    tid = f"{appraisal_workflow_id(year, ORG.pegawai_a1)}/skp_approval"
    url = f"/tasks/{tid}/complete"
    r = await api.post(url, json=APPROVE, headers=auth("penilai_b"))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    r = await api.post(url, json={"payload": {"note": "x"}}, headers=auth("penilai_a"))
    assert r.status_code == 422
    assert r.json()["field"] == "payload.approve"
    headers = {**auth("penilai_a"), "Idempotency-Key": "k-1"}
    r1 = await api.post(url, json=APPROVE, headers=headers)
    r2 = await api.post(url, json=APPROVE, headers=headers)
    assert (r1.status_code, r2.status_code) == (200, 200)
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    assert await _completions(temporal_env, year) == 1
    r3 = await api.post(url, json={"payload": {"approve": False}}, headers=headers)
    assert r3.status_code == 422
    assert r3.json()["code"] == "idempotency_key_reused"
    detail = await api.get(f"/tasks/{tid}", headers=auth("penilai_a"))
    assert detail.json()["context"] == {"skp": {"rhk": "contoh"}}
    assert (await api.get(f"/tasks/{tid}", headers=auth("pegawai_a2"))).status_code == 403


async def test_me_objection_status_and_closed_cycle(api, auth, engine, temporal_env):
    year = await _launch(api, auth, engine)
    mine = await api.get(f"/me/cycles/{year}", headers=auth("pegawai_a1"))
    assert mine.status_code == 200
    assert mine.json()["status"]["stage"] == "perencanaan"
    assert len(mine.json()["tasks"]) == 2
    colleague = await api.get(
        f"/cycles/{year}/employees/{ORG.pegawai_a1}", headers=auth("pegawai_a2")
    )
    assert colleague.status_code == 403
    boss = await api.get(f"/cycles/{year}/employees/{ORG.pegawai_a1}", headers=auth("penilai_a"))
    assert boss.status_code == 200
    r = await api.post(
        f"/me/cycles/{year}/objection",
        json={"reasons": "Capaian saya melebihi target."},
        headers=auth("pegawai_a1"),
    )
    assert r.status_code == 409
    again = await api.post(
        f"/cycles/{year}/launch", json={"nips": [ORG.pegawai_a1]}, headers=auth("bkpp")
    )
    assert again.json()["skipped"] == 1
    hist = await api.get(
        f"/audit/cycles/{appraisal_workflow_id(year, ORG.pegawai_a1)}/history",
        headers=auth("auditor"),
    )
    assert hist.status_code == 200
    assert hist.json()["events"]
    r = await api.post(
        f"/hr/employees/{ORG.pegawai_a1}/status",
        json={"year": year, "status": "Pensiun", "reason": "BUP"},
        headers=auth("bkpp"),
    )
    assert r.status_code == 200, r.text
    tid = f"{appraisal_workflow_id(year, ORG.pegawai_a1)}/incentive"
    for _ in range(50):  # the stand-in ends on its next workflow task
        r = await api.post(f"/tasks/{tid}/complete", json=APPROVE, headers=auth("bkpp"))
        if r.status_code == 409:
            break
        await asyncio.sleep(0.1)
    assert r.status_code == 409
    assert r.json()["code"] == "cycle_closed"


@pytest.mark.parametrize("user", ["auditor", "pegawai_a1", "penilai_a", "kepala"])
async def test_only_hr_launches(api, auth, user):
    r = await api.post("/cycles", json={"year": 2099}, headers=auth(user))
    assert r.status_code == 403


async def test_health_with_temporal_up(api):
    r = await api.get("/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["temporal"]["version"]


async def test_task_opened_ahead_is_hidden_and_refused_until_its_date(
    api, auth, engine, temporal_env
):
    year = await _launch(api, auth, engine)
    tid = f"{appraisal_workflow_id(year, ORG.pegawai_a1)}/skp_approval"
    opens = datetime.now(UTC) + timedelta(days=3)
    with Session(engine) as s:
        row = s.get(Task, tid)
        assert row is not None
        row.visible_from = opens
        s.add(row)
        s.commit()
    inbox = await api.get("/tasks", headers=auth("penilai_a"))
    assert tid not in [t["id"] for t in inbox.json()["data"]]
    ahead = await api.get("/tasks", params={"upcoming": "true"}, headers=auth("penilai_a"))
    [listed] = [t for t in ahead.json()["data"] if t["id"] == tid]
    assert datetime.fromisoformat(listed["visible_from"]) == opens
    r = await api.post(f"/tasks/{tid}/complete", json=APPROVE, headers=auth("penilai_a"))
    assert r.status_code == 409
    assert r.json()["code"] == "not_yet_open"
    assert r.json()["field"] == "task_id"
    assert await _completions(temporal_env, year) == 0  # nothing reached the workflow
    with Session(engine) as s:
        row = s.get(Task, tid)
        assert row is not None
        row.visible_from = datetime.now(UTC) - timedelta(seconds=1)
        s.add(row)
        s.commit()
    inbox = await api.get("/tasks", headers=auth("penilai_a"))
    assert tid in [t["id"] for t in inbox.json()["data"]]
    r = await api.post(f"/tasks/{tid}/complete", json=APPROVE, headers=auth("penilai_a"))
    assert r.status_code == 200, r.text


async def _started_calendar(temporal_env, year: int, nip: str) -> CycleCalendar:
    """The calendar the cycle of `nip` was started with (its first event's input)."""
    handle = temporal_env.client.get_workflow_handle(appraisal_workflow_id(year, nip))
    history = await handle.fetch_history()
    attrs = history.events[0].workflow_execution_started_event_attributes
    [inp] = await temporal_env.client.data_converter.decode(attrs.input.payloads, [CycleInput])
    return inp.calendar


async def test_launch_lead_begins_the_compressed_year_later(api, auth, engine, temporal_env):
    """A compressed year launched with a lead begins that long after the launch, inline (a short
    list) and through the durable launcher (a unit) alike; the year keeps its compressed length."""
    year = next(_years)
    r = await api.post(
        "/cycles", json={"year": year, "compressed_minutes": 60}, headers=auth("bkpp")
    )
    assert r.status_code == 201, r.text
    lead = timedelta(minutes=7)
    before = datetime.now(UTC)
    body = {"nips": [ORG.other], "calendar_lead_minutes": 7}
    r = await api.post(f"/cycles/{year}/launch", json=body, headers=auth("bkpp"))
    assert r.status_code == 200, r.text
    assert r.json()["started"] == 1
    acts = LaunchActivities(temporal_env.client, engine)
    async with Worker(
        temporal_env.client,
        task_queue=launch_task_queue(TQ),
        workflows=[LaunchCycleWorkflow],
        activities=[acts.launch_page],
    ):
        body = {"unit_code": "PUSK", "calendar_lead_minutes": 7}
        r = await api.post(f"/cycles/{year}/launch", json=body, headers=auth("bkpp"))
        assert r.status_code == 200, r.text
        assert r.json()["done"]
        assert r.json()["started"] == 2
    after = datetime.now(UTC)
    for nip in (ORG.other, ORG.penilai_b, ORG.pegawai_b1):
        cal = await _started_calendar(temporal_env, year, nip)
        assert before + lead <= cal.year_start <= after + lead, nip
        assert cal.year_end - cal.year_start == timedelta(minutes=60), nip


async def test_launch_lead_is_refused_for_a_real_time_year(api, auth, temporal_env):
    year = next(_years)
    r = await api.post("/cycles", json={"year": year}, headers=auth("bkpp"))
    assert r.status_code == 201, r.text
    body = {"nips": [ORG.other], "calendar_lead_minutes": 7}
    r = await api.post(f"/cycles/{year}/launch", json=body, headers=auth("bkpp"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "calendar_lead_minutes"
    handle = temporal_env.client.get_workflow_handle(appraisal_workflow_id(year, ORG.other))
    with pytest.raises(RPCError):  # nothing was started
        await handle.describe()
    r = await api.post(
        f"/cycles/{year}/launch",
        json={"nips": [ORG.other], "calendar_lead_minutes": -1},
        headers=auth("bkpp"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"].endswith("calendar_lead_minutes")
