"""Which training a cycle assigns, from the predicate and the JP pace (PP 11/2017 Ps. 205-206)."""

from datetime import datetime, timedelta

from domain.calendar import Period
from domain.enums import Predikat, TrainingType
from domain.payloads import CycleInput, Placement, TrainingInput
from domain.training import JP_MINIMUM_PER_YEAR, jp_for, jp_summary, needs_training

# Default choices (policy may refine): a performance gap gets a bimbingan teknis with the penilai's
# follow-up; a JP shortfall gets a technical training long enough to close the year's gap at once,
# so one assignment per year suffices and the employee is not nagged every period.
GAP_TYPE = TrainingType.BIMBINGAN_TEKNIS
PACE_TYPE = TrainingType.PELATIHAN_TEKNIS


def calendar_date_of(inp: CycleInput, at: datetime) -> datetime:
    """The calendar instant that wall time `at` stands for (identity unless compressed)."""
    cal = inp.calendar
    return cal.year_start + (at - cal.year_start) * cal.compression


def plan_training(
    inp: CycleInput,
    placement: Placement,
    parent_workflow_id: str,
    predikat: Predikat | None,
    period: Period | None,
    jp_earned: int,
    training_open: bool,
    now: datetime,
) -> TrainingInput | None:
    """A training assignment when one is due, else None; `placement` is the current one."""
    as_of = calendar_date_of(inp, (period.end if period else now) - timedelta(seconds=1))
    # Only PNS carry the 20 JP minimum; the pace check waits for an open assignment to finish.
    pace_ok = not inp.is_pns or training_open
    summary = jp_summary(
        [(as_of.date(), jp_earned)],
        inp.year,
        as_of=as_of.date(),
        required=0 if pace_ok else JP_MINIMUM_PER_YEAR,
    )
    need = needs_training(predikat, summary, inp.policy)
    if need is None:
        return None
    kind = GAP_TYPE if need.performance_gap else PACE_TYPE
    jp = max(jp_for(kind, inp.policy), min(need.recommended_jp, JP_MINIMUM_PER_YEAR))
    return TrainingInput(
        parent_workflow_id=parent_workflow_id,
        year=inp.year,
        nip=inp.nip,
        unit_code=placement.unit_code,
        penilai_nip=placement.penilai_nip,
        atasan_penilai_nip=placement.atasan_penilai_nip,
        training_type=kind,
        jp_planned=jp,
        reason=need.reason,
        due_at=now + inp.calendar.days(inp.policy.training_due_days),
        policy=inp.policy,
        calendar=inp.calendar,
    )
