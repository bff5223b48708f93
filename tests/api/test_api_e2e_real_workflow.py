"""The API against the real AppraisalCycleWorkflow and storage activities (dev server)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import pytest_asyncio
from api_orgdata import ORG, TEMPORAL
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.temporal import TemporalGateway
from domain.enums import Role
from domain.payloads import Actor, TaskCompleted, TaskCompletion, appraisal_workflow_id
from infra.temporal import SEARCH_ATTRIBUTES
from worker import build_worker

pytestmark = pytest.mark.e2e
QUEUE = "kinerja-api-e2e"
SKP = {
    "skp": {
        "nip": ORG.pegawai_a1,
        "year": 2032,
        "pendekatan": "Kuantitatif",
        "jenis_jabatan": "Pelaksana",
        "hasil_kerja": [
            {
                "jenis": "Utama",
                "rhk_atasan": "Meningkatnya cakupan layanan kesehatan dasar",
                "rhk": "Terlaksananya pendataan layanan puskesmas",
                "indikator": [
                    {
                        "iki": "Jumlah laporan",
                        "aspek": "Kuantitas",
                        "target": {"value": 12, "unit": "laporan"},
                    }
                ],
            }
        ],
    }
}


@pytest_asyncio.fixture
async def real_api(real_stack):
    api, _ = real_stack
    return api


@pytest_asyncio.fixture
async def real_stack(settings, sqlite_engine):
    """The API client and the Temporal client of one stack (the worker runs the real code)."""
    settings.task_queue = QUEUE
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
    )
    app = create_app(settings, engine=sqlite_engine, temporal=TemporalGateway.of(env.client))
    with ThreadPoolExecutor(8) as pool:
        async with build_worker(env.client, settings, pool), app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
                yield c, env.client
    await env.shutdown()


async def _task(api, auth, user, kind):
    for _ in range(100):
        r = await api.get("/tasks", params={"kind": kind}, headers=auth(user))
        if r.json()["count"]:
            return r.json()["data"][0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} task for {user}")


async def test_skp_draft_and_approval_through_the_api(real_api, auth):
    api = real_api
    body = {"year": 2032, "compressed_minutes": 120}
    assert (await api.post("/cycles", json=body, headers=auth("bkpp"))).status_code == 201
    r = await api.post("/cycles/2032/launch", json={"nips": [ORG.pegawai_a1]}, headers=auth("bkpp"))
    assert r.json()["started"] == 1, r.text
    draft = await _task(api, auth, "pegawai_a1", "skp_draft")
    url = f"/tasks/{draft['id']}/complete"
    bad = await api.post(url, json={"payload": {"skp": {}}}, headers=auth("pegawai_a1"))
    assert bad.status_code == 422
    assert bad.json()["field"].startswith("payload.skp")
    r = await api.post(url, json={"payload": SKP}, headers=auth("pegawai_a1"))
    assert r.status_code == 200, r.text
    # Server-Timing names the completion's phases, in the order they ran (the bench reads it)
    phases = [m.split(";")[0].strip() for m in r.headers["server-timing"].split(",")]
    assert phases == ["before", "read", "update", "write"]
    approval = await _task(api, auth, "penilai_a", "skp_approval")
    url = f"/tasks/{approval['id']}/complete"
    r = await api.post(url, json={"payload": {"approve": True}}, headers=auth("penilai_b"))
    assert r.status_code == 403
    r = await api.post(url, json={"payload": {"approve": True}}, headers=auth("penilai_a"))
    assert r.status_code == 200, r.text
    r = await api.post(url, json={"payload": {"approve": True}}, headers=auth("penilai_a"))
    assert r.status_code == 409
    trail = await api.get(
        f"/audit/cycles/appraisal-2032-{ORG.pegawai_a1}/trail", headers=auth("auditor")
    )
    assert "menyetujui SKP" in trail.text


async def test_reimport_with_a_new_penilai_moves_the_running_cycle(real_api, auth):
    """A re-import is a transfer: the directory changes and so does the running cycle."""
    api = real_api
    body = {"year": 2033, "compressed_minutes": 120}
    assert (await api.post("/cycles", json=body, headers=auth("bkpp"))).status_code == 201
    r = await api.post("/cycles/2033/launch", json={"nips": [ORG.pegawai_a1]}, headers=auth("bkpp"))
    assert r.json()["started"] == 1, r.text
    await _task(api, auth, "pegawai_a1", "skp_draft")
    csv = (
        "nip,nama,jabatan,jenis_jabatan,golongan,kode_unit,unit,jenis_unit,kode_unit_induk,"
        "nip_atasan,status,jenis_pegawai\n"
        f"{ORG.pegawai_a1},Pegawai A1,Jabatan Pegawai A1,Pelaksana,III/a,PUSK,"
        f"Puskesmas Pandanaran,Bidang,DINKES,{ORG.penilai_b},Aktif,PNS\n"
    )
    files = {"file": ("mutasi.csv", csv.encode(), "text/csv")}
    r = await api.post("/hr/org/import", files=files, headers=auth("bkpp"))
    assert r.status_code == 200, r.text
    assert r.json()["transfers"] == 1
    assert r.json()["cycles_updated"] == 1
    assert r.json()["cycle_update_failures"] == []
    url = f"/cycles/2033/employees/{ORG.pegawai_a1}"
    for _ in range(50):
        record = (await api.get(url, headers=auth("bkpp"))).json()["record"]
        if record["penilai_nip"] == ORG.penilai_b:
            break
        await asyncio.sleep(0.1)
    assert record["penilai_nip"] == ORG.penilai_b
    assert record["unit_code"] == "PUSK"


async def test_a_repeat_writes_the_step_a_lost_answer_left_unwritten(real_stack, auth):
    """The update reached the workflow but its caller died before writing the step it returned:
    the task still shows open; the user's repeat is refused (409) and writes the step first."""
    api, client = real_stack
    body = {"year": 2034, "compressed_minutes": 120}
    assert (await api.post("/cycles", json=body, headers=auth("bkpp"))).status_code == 201
    r = await api.post("/cycles/2034/launch", json={"nips": [ORG.pegawai_a1]}, headers=auth("bkpp"))
    assert r.json()["started"] == 1, r.text
    draft = await _task(api, auth, "pegawai_a1", "skp_draft")
    payload = {"skp": {**SKP["skp"], "year": 2034}}
    actor = Actor(nip=ORG.pegawai_a1, roles=[Role.PEGAWAI], username="pegawai_a1")
    handle = client.get_workflow_handle(appraisal_workflow_id(2034, ORG.pegawai_a1))
    lost = await handle.execute_update(
        "complete_task",
        TaskCompletion(task_id=draft["id"], actor=actor, payload=payload),
        result_type=TaskCompleted,
    )
    assert [s.step for s in lost.steps] == ["skp1/submitted1"]
    task_url = f"/tasks/{draft['id']}"
    assert (await api.get(task_url, headers=auth("pegawai_a1"))).json()["status"] == "open"
    assert not (await api.get("/tasks", headers=auth("penilai_a"))).json()["count"]
    r = await api.post(
        f"{task_url}/complete", json={"payload": payload}, headers=auth("pegawai_a1")
    )
    assert r.status_code == 409, r.text
    done = (await api.get(task_url, headers=auth("pegawai_a1"))).json()
    assert (done["status"], done["completed_by"]) == ("completed", "pegawai_a1")
    approval = await _task(api, auth, "penilai_a", "skp_approval")
    r = await api.post(
        f"/tasks/{approval['id']}/complete",
        json={"payload": {"approve": True}},
        headers=auth("penilai_a"),
    )
    assert r.status_code == 200, r.text
