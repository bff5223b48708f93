"""A task's escalation ladder as pure functions: who holds an overdue task, and what it writes.

A task left open past its due date goes to the atasan pejabat penilai (level 1, when the task
has one above its assignee), then after a grace period to BKPP (level 2); each rung gives the new
holder the grace period again. The workflow (for runs before `escalations-swept`) and the
escalation sweeper (`activities/escalation.py`, for the runs after it) move a task up the ladder
with these functions, and the workflow judges who may act on a task by the same rule, so the
database and the workflow agree on a task's holder at any instant.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from domain.enums import Role
from domain.payloads import NotificationSpec, StepRecord, TaskReassignment, TaskSpec

ESCALATION_LABELS = ("penilai", "atasan pejabat penilai", "BKPP")
ESCALATED = "task_escalated"


class Holder(NamedTuple):
    """Who holds a task at one level of its ladder, and until when."""

    level: int
    nip: str | None
    role: Role | None
    due_at: datetime


def next_holder(now: Holder, escalation_nip: str | None, grace: timedelta) -> Holder:
    """The rung above `now`: the atasan from level 0 when there is one, else BKPP."""
    if now.level == 0 and escalation_nip:
        return Holder(1, escalation_nip, None, now.due_at + grace)
    return Holder(2, None, Role.BKPP, now.due_at + grace)


def holder_at(now: Holder, escalation_nip: str | None, grace: timedelta, at: datetime) -> Holder:
    """Where a task holding at `now` stands at instant `at`, if it stays open."""
    h = now
    while h.level < 2 and at >= h.due_at:
        h = next_holder(h, escalation_nip, grace)
    return h


def escalation_notices(title: str, new: Holder, previous_nip: str | None) -> list[NotificationSpec]:
    """The notice to the new holder, and the one to the holder it was taken from."""
    who = ESCALATION_LABELS[new.level]
    notes = [
        NotificationSpec(
            recipient_nip=new.nip,
            recipient_role=new.role,
            subject=f"Eskalasi: {title}",
            body=f"Tugas '{title}' melewati tenggat dan dialihkan kepada {who}.",
        )
    ]
    if previous_nip:
        notes.append(
            NotificationSpec(
                recipient_nip=previous_nip,
                subject=f"Terlambat: {title}",
                body=f"Tugas '{title}' melewati tenggat dan dieskalasi kepada {who}.",
            )
        )
    return notes


def swept_step_key(task_step: str, new: Holder, previous: Holder) -> str:
    """The step key of an escalation the sweeper writes: one per task, rung and due date, so a
    retried sweep writes it once and a task extended and overdue again escalates again."""
    return f"escalate/{task_step}/{new.level}@{previous.due_at:%Y%m%dT%H%M%S.%f}"


def escalation_step(
    *,
    workflow_id: str,
    task_id: str,
    task_step: str,
    title: str,
    subject_nip: str,
    now: Holder,
    escalation_nip: str | None,
    grace: timedelta,
    at: datetime,
) -> tuple[Holder, StepRecord]:
    """The sweeper's step that moves an overdue task one rung up: its reassignment, the two
    notices and the audit event's details, as the workflow's own escalation step wrote them."""
    new = next_holder(now, escalation_nip, grace)
    step = StepRecord(
        workflow_id=workflow_id,
        step=swept_step_key(task_step, new, now),
        at=at,
        actor="system",
        action=ESCALATED,
        subject_nip=subject_nip,
        reassign=[
            TaskReassignment(
                id=task_id,
                assignee_nip=new.nip,
                assignee_role=new.role,
                escalation_level=new.level,
                due_at=new.due_at,
            )
        ],
        notifications=escalation_notices(title, new, now.nip),
        details={
            "task_id": task_id,
            "level": new.level,
            "from": now.nip,
            "due_at": now.due_at.isoformat(),
        },
    )
    return new, step


def task_escalation_step(
    workflow_id: str, spec: TaskSpec, now: Holder, grace: timedelta, at: datetime
) -> tuple[Holder, StepRecord]:
    """`escalation_step` for a task as its opening step wrote it (`spec`), held as `now`."""
    return escalation_step(
        workflow_id=workflow_id,
        task_id=spec.id,
        task_step=spec.step,
        title=spec.title,
        subject_nip=spec.subject_nip,
        now=now,
        escalation_nip=spec.escalation_nip,
        grace=grace,
        at=at,
    )
