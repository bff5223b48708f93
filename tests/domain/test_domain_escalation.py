"""The escalation ladder: the holder a task's dates give at any instant."""

from datetime import UTC, datetime, timedelta

from domain.enums import Role
from domain.escalation import Holder, escalation_step, holder_at, next_holder, swept_step_key

DUE = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(days=7)
PENILAI, ATASAN = "197501012000031002", "196801011990031003"
START = Holder(0, PENILAI, None, DUE)


def test_the_ladder_by_the_clock() -> None:
    tick = timedelta(microseconds=1)
    assert holder_at(START, ATASAN, GRACE, DUE - tick) == START
    assert holder_at(START, ATASAN, GRACE, DUE) == Holder(1, ATASAN, None, DUE + GRACE)
    assert holder_at(START, ATASAN, GRACE, DUE + GRACE - tick).level == 1
    top = Holder(2, None, Role.BKPP, DUE + 2 * GRACE)
    assert holder_at(START, ATASAN, GRACE, DUE + GRACE) == top
    assert holder_at(START, ATASAN, GRACE, DUE + 100 * GRACE) == top  # BKPP is the top rung


def test_without_an_atasan_the_task_goes_to_bkpp() -> None:
    assert next_holder(START, None, GRACE) == Holder(2, None, Role.BKPP, DUE + GRACE)
    assert holder_at(START, None, GRACE, DUE + GRACE) == Holder(2, None, Role.BKPP, DUE + GRACE)


def test_the_sweepers_step_names_the_rung_and_the_date_it_passed() -> None:
    new, step = escalation_step(
        workflow_id="appraisal-2027-x", task_id="appraisal-2027-x/p1/rating", task_step="p1/rating",
        title="Menilai kinerja Triwulan I", subject_nip="198609262015051001", now=START,
        escalation_nip=ATASAN, grace=GRACE, at=DUE + timedelta(seconds=3),
    )  # fmt: skip
    assert new == Holder(1, ATASAN, None, DUE + GRACE)
    assert (
        step.step
        == swept_step_key("p1/rating", new, START)
        == "escalate/p1/rating/1@20270301T080000.000000"
    )
    assert (step.action, step.actor, step.cycle) == ("task_escalated", "system", None)
    [moved] = step.reassign
    assert (moved.escalation_level, moved.assignee_nip, moved.due_at) == (1, ATASAN, DUE + GRACE)
    assert [(n.recipient_nip, n.subject.split(":")[0]) for n in step.notifications] == [
        (ATASAN, "Eskalasi"),
        (PENILAI, "Terlambat"),
    ]
