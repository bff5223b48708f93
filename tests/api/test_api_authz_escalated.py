"""After an escalation the API lets the workflow judge the original assignee, and only them."""

from datetime import UTC, datetime

from api.authz import can_act_on_task
from api.deps import Principal
from db.models import Task
from domain.enums import Role, TaskKind

EMPLOYEE, PENILAI, ATASAN, OTHER = "1" * 18, "2" * 18, "3" * 18, "4" * 18


def task(level: int, assignee: str) -> Task:
    return Task(
        id="wf/p1/realisation",
        workflow_id="wf",
        step="p1/realisation",
        kind=TaskKind.REALISATION,
        title="Laporan",
        assignee_nip=assignee,
        subject_nip=EMPLOYEE,
        unit_code="BKPP",
        escalation_level=level,
        due_at=datetime.now(UTC),
    )


def who(nip: str, *roles: Role) -> Principal:
    return Principal(username=nip, nip=nip, roles=frozenset(roles or {Role.PEGAWAI}))


def test_escalated_task_still_reaches_the_workflow_for_its_original_assignee():
    escalated = task(1, PENILAI)
    assert can_act_on_task(who(PENILAI, Role.PENILAI), escalated)
    assert can_act_on_task(who(EMPLOYEE), escalated)  # the workflow still accepts the employee
    assert not can_act_on_task(who(OTHER), escalated)


def test_open_task_is_only_its_assignees():
    fresh = task(0, EMPLOYEE)
    assert can_act_on_task(who(EMPLOYEE), fresh)
    assert not can_act_on_task(who(PENILAI, Role.PENILAI), fresh)
    assert not can_act_on_task(who(OTHER), fresh)
