"""Deadline schedule of a task: reminders, due date, escalation to the atasan, BKPP fallback."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.calendar import CycleCalendar
from domain.policy import DEFAULT_POLICY, Policy


class DeadlineSchedule(BaseModel):
    """Instants a workflow waits for; reminders are sorted and all fall after `opened_at`."""

    model_config = ConfigDict(frozen=True)

    opened_at: AwareDatetime
    reminders: tuple[AwareDatetime, ...]
    due: AwareDatetime
    escalate_at: AwareDatetime  # the atasan pejabat penilai is asked to act
    fallback_at: AwareDatetime  # BKPP (Pengelola Kinerja) takes over


def deadline_schedule(
    opened_at: datetime,
    due_days: float,
    calendar: CycleCalendar,
    policy: Policy = DEFAULT_POLICY,
    *,
    due: datetime | None = None,
) -> DeadlineSchedule:
    """Schedule for a task opened at `opened_at`, due `due_days` policy days later (or at `due`)."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    due_at = due if due is not None else opened_at + calendar.days(due_days)
    if due_at < opened_at:
        raise ValueError("due must not precede opened_at")
    # A reminder that would fire before the task exists is dropped, not fired at once.
    reminders = sorted(
        {due_at - calendar.days(d) for d in policy.reminder_days_before}
        - {due_at}  # a 0-day reminder coincides with the due event itself
    )
    escalate_at = due_at
    return DeadlineSchedule(
        opened_at=opened_at,
        reminders=tuple(r for r in reminders if r > opened_at),
        due=due_at,
        escalate_at=escalate_at,
        fallback_at=escalate_at + calendar.days(policy.escalation_grace_days),
    )
