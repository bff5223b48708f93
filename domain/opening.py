"""A cycle's first step, and the notices every task step writes, as pure functions.

The workflow builds its steps from these, and so does the bulk launcher when it writes the first
step of a whole page of cycles itself (`CycleInput.opened_at`): the step is a function of the
cycle's input and one instant, so both sides write the same record. A test holds the two equal.
"""

from datetime import datetime
from typing import Any

from domain.calendar import CycleCalendar
from domain.enums import EmploymentStatus, Role, SkpStatus, Stage, TaskKind
from domain.payloads import CycleInput, CycleSnapshot, NotificationSpec, StepRecord, TaskSpec
from domain.policy import Policy

SKP_DRAFT_TITLE = "Menyusun dan mengajukan SKP"
FIRST_STEP = "skp1/open"
CYCLE_STARTED = "cycle_started"


def skp_draft_due(calendar: CycleCalendar, policy: Policy, version: int, now: datetime) -> datetime:
    """Due date of SKP draft `version` opened at `now`: the year's planning deadline for the
    first, 30 days for a new one after a transfer; never less than the review days from now."""
    deadline = calendar.skp_deadline if version == 1 else now + calendar.days(30)
    return max(deadline, now + calendar.days(policy.skp_review_days))


def task_spec(
    inp: CycleInput,
    workflow_id: str,
    *,
    kind: TaskKind,
    step: str,
    title: str,
    assignee: str | None,
    due: datetime,
    context: dict[str, Any],
    unit_code: str,
    period: int | None = None,
    feedback: tuple[datetime, datetime] | None = None,
    role: Role | None = None,
    visible_from: datetime | None = None,
) -> TaskSpec:
    """A task of the cycle for `assignee` (the BKPP pool when nobody)."""
    return TaskSpec(
        id=f"{workflow_id}/{step}",
        step=step,
        kind=kind,
        title=title,
        assignee_nip=assignee,
        assignee_role=role or (None if assignee else Role.BKPP),
        subject_nip=inp.nip,
        unit_code=unit_code,
        period_index=period,
        due_at=due,
        context={"employee": {"nip": inp.nip, "name": inp.name}, **context},
        feedback_window=feedback,
        visible_from=visible_from,
    )


def ladder_fields(
    escalation_nip: str | None, policy: Policy, calendar: CycleCalendar
) -> dict[str, Any]:
    """A task's escalation ladder as its spec carries it for the sweeper (ESCALATIONS_SWEPT)."""
    return {
        "escalation_nip": escalation_nip,
        "escalation_grace_s": calendar.days(policy.escalation_grace_days).total_seconds(),
    }


def task_notice(
    spec: TaskSpec,
    *,
    assignee_nip: str | None,
    assignee_role: Role | None,
    due_at: datetime,
    name: str,
    nip: str,
) -> NotificationSpec:
    """The "new task" notice to whoever holds the task now."""
    return NotificationSpec(
        recipient_nip=assignee_nip,
        recipient_role=assignee_role,
        subject=f"Tugas baru: {spec.title}",
        body=f"{spec.title} untuk {name} ({nip}), tenggat {due_at:%d-%m-%Y %H:%M} UTC.",
        deliver_after=spec.visible_from,
    )


def reminder_times(
    policy: Policy, calendar: CycleCalendar, due_at: datetime, visible_from: datetime | None
) -> list[tuple[int, datetime]]:
    """(days before due, instant) of a task's reminders, earliest first; none before it opens."""
    times = []
    for days in sorted(policy.reminder_days_before, reverse=True):
        at = due_at - calendar.days(days)
        if visible_from is None or at >= visible_from:
            times.append((days, at))
    return times


def reminder_notice(
    spec: TaskSpec,
    *,
    assignee_nip: str | None,
    assignee_role: Role | None,
    due_at: datetime,
    days: int,
    deliver_after: datetime | None = None,
) -> NotificationSpec:
    """A deadline reminder; written ahead (with `deliver_after`) it names the task it is for."""
    ahead = deliver_after is not None
    return NotificationSpec(
        recipient_nip=assignee_nip,
        recipient_role=assignee_role,
        subject=f"Pengingat: {spec.title}",
        body=f"Tugas '{spec.title}' jatuh tempo {days} hari lagi ({due_at:%d-%m-%Y %H:%M} UTC).",
        deliver_after=deliver_after,
        task_id=spec.id if ahead else None,
        task_due_at=due_at if ahead else None,
    )


def reminders_ahead(
    spec: TaskSpec,
    policy: Policy,
    calendar: CycleCalendar,
    now: datetime,
    *,
    assignee_nip: str | None,
    assignee_role: Role | None,
    due_at: datetime,
) -> list[NotificationSpec]:
    """The reminders a step writes ahead for a task it opens, re-dates or hands over, to whoever
    holds it now for its due date now; none already past."""
    return [
        reminder_notice(
            spec,
            assignee_nip=assignee_nip,
            assignee_role=assignee_role,
            due_at=due_at,
            days=days,
            deliver_after=at,
        )
        for days, at in reminder_times(policy, calendar, due_at, spec.visible_from)
        if at > now
    ]


def start_details(inp: CycleInput, status: EmploymentStatus) -> dict[str, Any]:
    """What the cycle started with, recorded on its first step (one write, not two)."""
    return {
        "policy_version": inp.policy.version,
        "calendar": inp.calendar.kind.value,
        "compression": inp.calendar.compression,
        "status": status.value,
    }


def atasan_of_own_task(inp: CycleInput) -> str | None:
    """Where the employee's own task goes when overdue: their penilai."""
    penilai = inp.placement.penilai_nip
    return penilai if penilai and penilai != inp.nip else None


def opening_step(inp: CycleInput, workflow_id: str, at: datetime) -> StepRecord:
    """The first step of an active employee's cycle opened at `at`: the SKP draft task for the
    employee, its notice and reminders, the read model in planning, and what the cycle started
    with. What the workflow writes itself, or adopts when its starter wrote it."""
    draft = task_spec(
        inp,
        workflow_id,
        kind=TaskKind.SKP_DRAFT,
        step="skp1/draft",
        title=SKP_DRAFT_TITLE,
        assignee=inp.nip,
        due=skp_draft_due(inp.calendar, inp.policy, 1, at),
        context={"version": 1},
        unit_code=inp.placement.unit_code,
    ).model_copy(update=ladder_fields(atasan_of_own_task(inp), inp.policy, inp.calendar))
    holder: dict[str, Any] = {
        "assignee_nip": draft.assignee_nip,
        "assignee_role": draft.assignee_role,
        "due_at": draft.due_at,
    }
    notice = task_notice(draft, name=inp.name, nip=inp.nip, **holder)
    return StepRecord(
        workflow_id=workflow_id,
        step=FIRST_STEP,
        at=at,
        actor="system",
        action=CYCLE_STARTED,
        cycle=CycleSnapshot(
            year=inp.year,
            nip=inp.nip,
            unit_code=inp.placement.unit_code,
            penilai_nip=inp.placement.penilai_nip,
            stage=Stage.PERENCANAAN,
            skp_status=SkpStatus.DRAFT,
        ),
        open_tasks=[draft],
        notifications=[notice, *reminders_ahead(draft, inp.policy, inp.calendar, at, **holder)],
        details=start_details(inp, inp.status),
    )
