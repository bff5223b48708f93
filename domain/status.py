"""A cycle's `status` answer as of an instant after the run's last workflow task.

A query runs on the workflow's state as its last workflow task left it, and cannot read the
clock: `workflow.now()` in a query is that task's time. What the calendar alone changes after it
is written by no step (the worker's sweeper moves the read model): the stage at the end of the
objection window (`incentive-ahead`) and the holder of an overdue task (`escalations-swept`).
The answer carries what those follow from (the next stage and its date, each open task's
ladder), and `status_as_of` applies them at the instant the caller reads it, by the same rules
as the sweeper, so the live status and the read model agree.
"""

from datetime import datetime, timedelta

from domain.enums import Stage
from domain.escalation import Holder, holder_at
from domain.payloads import CycleStatus, TaskRef


def task_as_of(ref: TaskRef, at: datetime) -> TaskRef:
    """The open task held as its escalation ladder gives at `at`."""
    if ref.escalation_grace_s is None:
        return ref
    now = Holder(ref.escalation_level, ref.assignee_nip, ref.assignee_role, ref.due_at)
    grace = timedelta(seconds=ref.escalation_grace_s)
    h = holder_at(now, ref.escalation_nip, grace, at)
    if h == now:
        return ref
    return ref.model_copy(
        update={
            "escalation_level": h.level,
            "assignee_nip": h.nip,
            "assignee_role": h.role,
            "due_at": h.due_at,
        }
    )


def status_as_of(status: CycleStatus, at: datetime) -> CycleStatus:
    """`status` at instant `at`: the next stage once its date has come (with the incentive
    proposal it shows), and each open task's holder by its dates. A paused cycle stands still,
    as the sweeper leaves it."""
    if status.paused:
        return status
    update: dict[str, object] = {"open_tasks": [task_as_of(t, at) for t in status.open_tasks]}
    nxt, when = status.next_stage, status.next_stage_at
    if nxt is not None and when is not None and at >= when:
        update |= {"stage": nxt, "next_stage": None, "next_stage_at": None}
        if status.incentive is None and nxt is Stage.TINDAK_LANJUT:
            update |= {"incentive": status.next_incentive, "next_incentive": None}
    return status.model_copy(update=update)
