"""Every route x every role: allowed roles pass authorization, others get 403, anonymous 401."""

from datetime import UTC, datetime, timedelta

import pytest
from api_orgdata import ORG, PASSWORD, USERS
from sqlmodel import Session

from db.audit import append_audit
from db.models import Cycle, CycleRecord, Task
from domain.enums import CalendarKind, Stage, TaskKind

YEAR = 2040
WF = f"appraisal-{YEAR}-{ORG.pegawai_a1}"
TID = f"{WF}/skp_approval"
ALL = frozenset(USERS)
HR = frozenset({"bkpp", "admin"})
AUDIT = frozenset({"bkpp", "admin", "auditor"})
READ_A1 = AUDIT | {"kepala", "penilai_a", "pegawai_a1"}
WITH_NIP = frozenset(u for u, (nip, _) in USERS.items() if nip)
PUBLIC = "public"
CSV = ("org.csv", b"nip,nama\n1,x\n", "text/csv")

# (method, path template, concrete path, json body, allowed users or PUBLIC)
MATRIX = [
    ("GET", "/health", "/health", None, PUBLIC),
    ("POST", "/auth/token", "/auth/token", None, PUBLIC),
    ("GET", "/auth/me", "/auth/me", None, ALL),
    ("GET", "/units", "/units", None, ALL),
    ("GET", "/units/{code}", "/units/DINKES", None, ALL),
    (
        "PUT",
        "/units/{code}/predikat",
        "/units/DINKES/predikat",
        {"year": YEAR, "org_predikat": "Baik"},
        frozenset({"kepala", "bkpp"}),
    ),
    ("GET", "/employees", "/employees", None, ALL),
    ("GET", "/employees/{nip}", f"/employees/{ORG.pegawai_a1}", None, READ_A1),
    ("POST", "/hr/org/import", "/hr/org/import", "files", HR),
    (
        "POST",
        "/hr/employees/{nip}/transfer",
        f"/hr/employees/{ORG.pegawai_a1}/transfer",
        {
            "year": YEAR,
            "unit_code": "DISHUB",
            "position": "Analis",
            "jenis_jabatan": "Pelaksana",
            "reason": "SK",
        },
        HR,
    ),
    (
        "POST",
        "/hr/employees/{nip}/status",
        f"/hr/employees/{ORG.pegawai_a1}/status",
        {"year": YEAR, "status": "Cuti", "reason": "cuti"},
        HR,
    ),
    (
        "POST",
        "/hr/employees/{nip}/extend-deadline",
        f"/hr/employees/{ORG.pegawai_a1}/extend-deadline",
        {"year": YEAR, "days": 3, "reason": "x"},
        HR,
    ),
    ("POST", "/cycles", "/cycles", {"year": YEAR + 1}, HR),
    ("GET", "/cycles", "/cycles", None, ALL),
    ("POST", "/cycles/{year}/launch", f"/cycles/{YEAR}/launch", {"unit_code": "DINKES"}, HR),
    ("GET", "/cycles/{year}/launches/{launch_id}", f"/cycles/{YEAR}/launches/all", None, HR),
    ("GET", "/cycles/{year}/progress", f"/cycles/{YEAR}/progress", None, ALL),
    ("GET", "/cycles/{year}/export.csv", f"/cycles/{YEAR}/export.csv", None, AUDIT),
    ("GET", "/cycles/{year}/export.xlsx", f"/cycles/{YEAR}/export.xlsx", None, AUDIT),
    (
        "GET",
        "/cycles/{year}/employees/{nip}",
        f"/cycles/{YEAR}/employees/{ORG.pegawai_a1}",
        None,
        READ_A1,
    ),
    ("GET", "/tasks", "/tasks", None, ALL),
    ("GET", "/tasks/{task_id}", f"/tasks/{TID}", None, READ_A1),
    (
        "POST",
        "/tasks/{task_id}/complete",
        f"/tasks/{TID}/complete",
        {"payload": {"approve": True}},
        frozenset({"penilai_a", "bkpp"}),
    ),
    ("GET", "/me/cycles", "/me/cycles", None, WITH_NIP),
    ("GET", "/me/cycles/{year}", f"/me/cycles/{YEAR}", None, WITH_NIP),
    (
        "POST",
        "/me/cycles/{year}/objection",
        f"/me/cycles/{YEAR}/objection",
        {"reasons": "alasan keberatan saya"},
        WITH_NIP,
    ),
    ("GET", "/audit/cycles", "/audit/cycles", None, AUDIT),
    ("GET", "/audit/cycles/{workflow_id}/history", f"/audit/cycles/{WF}/history", None, AUDIT),
    ("GET", "/audit/cycles/{workflow_id}/trail", f"/audit/cycles/{WF}/trail", None, AUDIT),
    ("GET", "/audit/log", "/audit/log", None, AUDIT),
    ("GET", "/audit/log/verify", "/audit/log/verify", None, AUDIT),
    (
        "POST",
        "/public/feedback",
        "/public/feedback",
        {"unit_code": "DINKES", "rating": 5, "text": "bagus"},
        PUBLIC,
    ),
    (
        "GET",
        "/public/units/{code}/feedback-summary",
        "/public/units/DINKES/feedback-summary",
        None,
        PUBLIC,
    ),
]


@pytest.fixture
def cycle_data(engine):
    with Session(engine) as s:
        s.add(Cycle(year=YEAR, calendar_kind=CalendarKind.QUARTERLY, opened_by="bkpp"))
        s.add(
            CycleRecord(
                workflow_id=WF,
                year=YEAR,
                nip=ORG.pegawai_a1,
                unit_code="DINKES",
                penilai_nip=ORG.penilai_a,
                stage=Stage.PERENCANAAN,
            )
        )
        s.add(
            Task(
                id=TID,
                workflow_id=WF,
                step="skp_approval",
                kind=TaskKind.SKP_APPROVAL,
                title="Persetujuan SKP",
                assignee_nip=ORG.penilai_a,
                subject_nip=ORG.pegawai_a1,
                unit_code="DINKES",
                due_at=datetime.now(UTC) + timedelta(days=3),
            )
        )
        append_audit(
            s,
            key=f"{WF}/start",
            actor="system",
            action="cycle_started",
            workflow_id=WF,
            nip=ORG.pegawai_a1,
            after={"stage": "perencanaan"},
            at=datetime.now(UTC),
        )
        s.commit()


def _call(client, method, path, body, headers):
    if body == "files":
        return client.request(method, path, files={"file": CSV}, headers=headers)
    if path == "/auth/token":
        return client.post(path, data={"username": "bkpp", "password": PASSWORD}, headers=headers)
    return client.request(method, path, json=body, headers=headers)


def test_matrix_covers_every_route(client):
    paths = client.app.openapi()["paths"]
    routes = {(m.upper(), path) for path, ops in paths.items() for m in ops}
    assert routes == {(m, t) for m, t, *_ in MATRIX}


@pytest.mark.parametrize("user", [*sorted(USERS), None])
def test_authorization_matrix(client, auth, cycle_data, user):
    failures = []
    for method, template, path, body, allowed in MATRIX:
        headers = auth(user) if user else {}
        r = _call(client, method, path, body, headers)
        if allowed == PUBLIC:
            ok = r.status_code not in (401, 403)
        elif user is None:
            ok = r.status_code == 401
        elif user in allowed:
            ok = r.status_code not in (401, 403)
        else:
            ok = r.status_code == 403
        if not ok or r.status_code >= 500 and r.status_code != 503:
            failures.append(f"{method} {template}: {r.status_code} {r.text[:120]}")
        if 400 <= r.status_code < 500:
            assert {"code", "message"} <= set(r.json()), (template, r.text)
    assert not failures, "\n".join(failures)
