"""The status answer as of the instant it is read: what the calendar changed after the run's last
workflow task (the next stage at its date, an overdue task's holder)."""

from datetime import UTC, datetime, timedelta

from domain.enums import FollowUp, Predikat, Role, Stage, TaskKind
from domain.payloads import CycleStatus, IncentiveDecision, TaskRef
from domain.status import status_as_of

WINDOW_END = datetime(2028, 1, 20, tzinfo=UTC)
DUE = datetime(2028, 1, 10, tzinfo=UTC)
GRACE = timedelta(days=3)
EMPLOYEE, PENILAI, ATASAN = "198609262015051001", "197501012000031002", "196801011990031003"
PROPOSAL = IncentiveDecision(
    predikat=Predikat.BAIK, tpp_share_percent=100, follow_ups=[FollowUp.DEVELOPMENT_PLAN]
)
TICK = timedelta(microseconds=1)


def _task(ladder: bool = True) -> TaskRef:
    return TaskRef(
        id="appraisal-2027-x/annual/rating",
        step="annual/rating",
        kind=TaskKind.ANNUAL_RATING,
        assignee_nip=PENILAI,
        due_at=DUE,
        escalation_nip=ATASAN if ladder else None,
        escalation_grace_s=GRACE.total_seconds() if ladder else None,
    )


def _status(**over: object) -> CycleStatus:
    values: dict[str, object] = {
        "workflow_id": "appraisal-2027-x",
        "stage": Stage.KEBERATAN,
        "skp_status": None,
        "paused": False,
        "open_tasks": [],
        "period_results": [],
        "annual": None,
        "objection": None,
        "incentive": None,
        "jp_earned": 0,
        "outcome": None,
        "next_stage": Stage.TINDAK_LANJUT,
        "next_stage_at": WINDOW_END,
        "next_incentive": PROPOSAL,
    }
    return CycleStatus.model_validate(values | over)


def test_the_next_stage_comes_at_its_date_with_the_proposal() -> None:
    before = status_as_of(_status(), WINDOW_END - TICK)
    assert (before.stage, before.incentive, before.next_stage) == (
        Stage.KEBERATAN,
        None,
        Stage.TINDAK_LANJUT,
    )
    after = status_as_of(_status(), WINDOW_END)
    assert (after.stage, after.next_stage, after.next_stage_at) == (Stage.TINDAK_LANJUT, None, None)
    assert after.incentive == PROPOSAL
    assert after.next_incentive is None


def test_a_decided_incentive_is_not_replaced_by_the_proposal() -> None:
    decided = PROPOSAL.model_copy(update={"approved_by": "bkpp", "tpp_share_percent": 80})
    after = status_as_of(_status(incentive=decided), WINDOW_END)
    assert after.incentive == decided


def test_an_overdue_task_is_held_as_its_ladder_gives() -> None:
    status = _status(next_stage=None, next_stage_at=None, next_incentive=None,
                     open_tasks=[_task(), _task(ladder=False)])  # fmt: skip
    [on_time, _] = status_as_of(status, DUE - TICK).open_tasks
    assert (on_time.escalation_level, on_time.assignee_nip) == (0, PENILAI)
    [atasan, unladdered] = status_as_of(status, DUE).open_tasks
    assert (atasan.escalation_level, atasan.assignee_nip, atasan.due_at) == (1, ATASAN, DUE + GRACE)
    assert unladdered == _task(ladder=False)  # no ladder known: as the run last had it
    [bkpp, _] = status_as_of(status, DUE + GRACE).open_tasks
    assert (bkpp.escalation_level, bkpp.assignee_nip, bkpp.assignee_role) == (2, None, Role.BKPP)
    assert bkpp.due_at == DUE + 2 * GRACE


def test_a_paused_cycle_stands_still() -> None:
    status = _status(paused=True, open_tasks=[_task()])
    assert status_as_of(status, WINDOW_END + 10 * GRACE) == status
