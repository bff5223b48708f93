"""GET /tasks: the inbox holds what is assigned to me or my role pool; scope=all what I may read."""

from datetime import UTC, datetime, timedelta

import pytest
from api_orgdata import ORG
from sqlmodel import Session

from db.models import Task
from domain.enums import Role, TaskKind

WF = "appraisal-2040-{}"


def _task(name: str, subject: str, unit: str, *, nip: str | None, role: Role | None = None) -> Task:
    return Task(
        id=f"{WF.format(subject)}/{name}",
        workflow_id=WF.format(subject),
        step=name,
        kind=TaskKind.SKP_APPROVAL,
        title=name,
        assignee_nip=nip,
        assignee_role=role,
        subject_nip=subject,
        unit_code=unit,
        due_at=datetime.now(UTC) + timedelta(days=3),
    )


@pytest.fixture
def tasks(engine):
    with Session(engine) as s:
        s.add(_task("a1-approval", ORG.pegawai_a1, "DINKES", nip=ORG.penilai_a))
        s.add(_task("a2-own", ORG.pegawai_a2, "PUSK", nip=ORG.pegawai_a2))
        s.add(_task("b1-approval", ORG.pegawai_b1, "DISHUB", nip=ORG.penilai_b))
        s.add(_task("a1-pool", ORG.pegawai_a1, "DINKES", nip=None, role=Role.BKPP))
        s.commit()


def _ids(client, auth, user: str, **params: str) -> set[str]:
    r = client.get("/tasks", headers=auth(user), params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["data"])
    return {t["id"].rsplit("/", 1)[1] for t in body["data"]}


@pytest.mark.parametrize(
    ("user", "inbox", "readable"),
    [
        ("penilai_a", {"a1-approval"}, {"a1-approval"}),
        ("pegawai_a1", set(), {"a1-approval", "a1-pool"}),  # tasks about me, not mine to do
        ("pegawai_a2", {"a2-own"}, {"a2-own"}),
        ("kepala", set(), {"a1-approval", "a2-own", "a1-pool"}),  # DINKES and its sub-unit PUSK
        ("bkpp", {"a1-pool"}, {"a1-approval", "a2-own", "b1-approval", "a1-pool"}),
    ],
)
def test_inbox_and_readable_tasks(client, auth, tasks, user, inbox, readable):
    assert _ids(client, auth, user) == inbox
    assert _ids(client, auth, user, scope="all") == readable


def test_task_pages_count_every_match(client, auth, tasks):
    def page(n: int) -> tuple[int, int]:
        r = client.get(
            "/tasks", headers=auth("bkpp"), params={"scope": "all", "size": 3, "page": n}
        )
        assert r.status_code == 200, r.text
        return len(r.json()["data"]), r.json()["count"]

    assert [page(1), page(2), page(3)] == [(3, 4), (1, 4), (0, 4)]
