"""The escalation sweeper on a real database: overdue tasks go up their ladder once each.

Each task below is written by a step as a workflow would write it, then swept at chosen instants.
"""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from activities.escalation import EscalationSweeper
from activities.storage import StorageActivities
from db.audit import verify_chain
from db.models import AuditEvent, CycleRecord, Notification, Task
from domain.enums import Role, SkpStatus, Stage, TaskKind, TaskStatus
from domain.payloads import CycleSnapshot, StepRecord, TaskClosure, TaskReassignment, TaskSpec

EMPLOYEE = "198609262015051001"
PENILAI = "197501012000031002"
ATASAN = "196801011990031003"
T0 = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
DUE = T0 + timedelta(days=7)
GRACE = timedelta(days=3)


def wf(n: int) -> str:
    return f"appraisal-2027-{n:018d}"


def snapshot(stage: Stage, skp_status: SkpStatus, **more: Any) -> CycleSnapshot:
    """The read model of this file's employee, in `stage`."""
    return CycleSnapshot(
        year=2027,
        nip=EMPLOYEE,
        unit_code="BKPP",
        penilai_nip=PENILAI,
        stage=stage,
        skp_status=skp_status,
        **more,
    )


def opened(
    n: int,
    *,
    stage: Stage = Stage.PERENCANAAN,
    ladder: bool = True,
    escalation_nip: str | None = ATASAN,
    assignee: str | None = PENILAI,
) -> StepRecord:
    """Cycle n's step that opens its SKP review, due DUE, escalating to ATASAN then BKPP."""
    spec = TaskSpec(
        id=f"{wf(n)}/skp1/review1",
        step="skp1/review1",
        kind=TaskKind.SKP_APPROVAL,
        title="Menyetujui SKP bawahan",
        assignee_nip=assignee,
        assignee_role=None if assignee else Role.BKPP,
        subject_nip=EMPLOYEE,
        unit_code="BKPP",
        due_at=DUE,
        escalation_nip=escalation_nip if ladder else None,
        escalation_grace_s=GRACE.total_seconds() if ladder else None,
    )
    return StepRecord(
        workflow_id=wf(n),
        step="skp1/submitted1",
        at=T0,
        actor=EMPLOYEE,
        action="skp_submitted",
        cycle=snapshot(stage, SkpStatus.DIAJUKAN),
        open_tasks=[spec],
    )


def task(engine: Engine, n: int) -> Task:
    with Session(engine) as s:
        found = s.get(Task, f"{wf(n)}/skp1/review1")
        assert found is not None
        return found


def holder(engine: Engine, n: int) -> tuple[int, str | None, Role | None, datetime]:
    t = task(engine, n)
    assert t.due_at is not None
    due = t.due_at if t.due_at.tzinfo else t.due_at.replace(tzinfo=UTC)
    return t.escalation_level, t.assignee_nip, t.assignee_role, due


def escalations(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as s:
        q = select(AuditEvent).where(AuditEvent.action == "task_escalated")
        return list(s.exec(q.order_by(col(AuditEvent.id))))


def notes(engine: Engine) -> list[tuple[str | None, str]]:
    with Session(engine) as s:
        q = select(Notification.recipient_nip, Notification.subject).order_by(col(Notification.id))
        return [(r, subj) for r, subj in s.exec(q)]


def test_an_overdue_task_goes_to_the_atasan_then_to_bkpp(engine: Engine) -> None:
    storage = StorageActivities(engine)
    sweeper = EscalationSweeper(storage)
    storage.write_steps([opened(1)])
    assert sweeper.sweep(DUE - timedelta(seconds=1)) == 0
    assert holder(engine, 1) == (0, PENILAI, None, DUE)

    assert sweeper.sweep(DUE) == 1
    assert holder(engine, 1) == (1, ATASAN, None, DUE + GRACE)
    assert sweeper.sweep(DUE + timedelta(hours=1)) == 0  # the atasan's grace runs
    assert notes(engine) == [
        (ATASAN, "Eskalasi: Menyetujui SKP bawahan"),
        (PENILAI, "Terlambat: Menyetujui SKP bawahan"),
    ]

    assert sweeper.sweep(DUE + GRACE) == 1
    assert holder(engine, 1) == (2, None, Role.BKPP, DUE + 2 * GRACE)
    assert sweeper.sweep(DUE + 10 * GRACE) == 0  # BKPP is the top rung
    assert notes(engine)[2:] == [(ATASAN, "Terlambat: Menyetujui SKP bawahan")]  # no BKPP account

    events = escalations(engine)
    assert [(e.actor, e.after["details"]["level"], e.after["details"]["from"]) for e in events] == [
        ("system", 1, PENILAI),
        ("system", 2, ATASAN),
    ]
    assert events[0].key == f"{wf(1)}/escalate/skp1/review1/1@20270112T080000.000000"
    assert (events[0].workflow_id, events[0].nip) == (wf(1), EMPLOYEE)
    with Session(engine) as s:
        assert verify_chain(s).ok


def test_a_task_without_an_atasan_goes_straight_to_bkpp(engine: Engine) -> None:
    storage = StorageActivities(engine)
    storage.write_steps([opened(1, escalation_nip=None)])
    assert EscalationSweeper(storage).sweep(DUE) == 1
    assert holder(engine, 1) == (2, None, Role.BKPP, DUE + GRACE)


def test_the_sweeper_leaves_alone_what_is_not_its_to_move(engine: Engine) -> None:
    storage = StorageActivities(engine)
    closed = opened(2).model_copy(
        update={
            "step": "skp1/approved",
            "open_tasks": [],
            "close_tasks": [
                TaskClosure(id=f"{wf(2)}/skp1/review1", status=TaskStatus.COMPLETED, by=PENILAI)
            ],
        }
    )
    storage.write_steps([
        opened(1, stage=Stage.DITANGGUHKAN),  # on leave: its dates move when the leave ends
        opened(2),
        closed,  # completed
        opened(3, ladder=False),  # a run that escalates its own tasks (before the patch)
    ])  # fmt: skip
    assert EscalationSweeper(storage).sweep(DUE + 10 * GRACE) == 0
    assert [holder(engine, n)[0] for n in (1, 2, 3)] == [0, 0, 0]
    assert escalations(engine) == []


def test_a_task_extended_after_its_escalation_escalates_again_at_its_new_date(
    engine: Engine,
) -> None:
    storage = StorageActivities(engine)
    sweeper = EscalationSweeper(storage)
    storage.write_steps([opened(1)])
    assert sweeper.sweep(DUE) == 1
    later = DUE + GRACE + timedelta(days=5)
    storage.write_steps([
        StepRecord(
            workflow_id=wf(1), step="extend", at=DUE, actor="bkpp", action="deadline_extended",
            reassign=[TaskReassignment(id=f"{wf(1)}/skp1/review1", assignee_nip=ATASAN,
                                       escalation_level=1, due_at=later)],
        )
    ])  # fmt: skip
    assert sweeper.sweep(DUE + GRACE) == 0  # the old date no longer holds
    assert sweeper.sweep(later) == 1
    assert holder(engine, 1) == (2, None, Role.BKPP, later + GRACE)
    assert len({e.key for e in escalations(engine)}) == 2


def test_two_sweepers_at_once_escalate_each_task_once(engine: Engine) -> None:
    """Two worker processes sweep the same overdue tasks: every task moves one rung, once."""
    n = 60
    StorageActivities(engine).write_steps([opened(i) for i in range(1, n + 1)])
    sweepers = [EscalationSweeper(StorageActivities(engine), batch=7) for _ in range(2)]
    moved: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(sweeper: EscalationSweeper) -> None:
        try:
            barrier.wait()
            while (k := sweeper.sweep(DUE)) > 0:
                moved.append(k)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sweepers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sum(moved) == n
    assert {holder(engine, i)[:2] for i in range(1, n + 1)} == {(1, ATASAN)}
    assert len(escalations(engine)) == n
    assert len(notes(engine)) == 2 * n
    with Session(engine) as s:
        assert verify_chain(s).ok


def rated(n: int, *, at: datetime, stage: Stage, opens: datetime | None) -> StepRecord:
    """Cycle n's step at `at` in `stage`, going to tindak lanjut at `opens` (when not None):
    the annual rating's step that wrote the incentive approval ahead, or a step after it."""
    return StepRecord(
        workflow_id=wf(n),
        step=f"annual/rated@{at:%Y%m%dT%H%M%S}",
        at=at,
        actor=PENILAI,
        action="annual_rated",
        cycle=snapshot(
            stage,
            SkpStatus.DISETUJUI,
            next_stage=Stage.TINDAK_LANJUT if opens else None,
            next_stage_at=opens,
        ),
    )


def stages(engine: Engine) -> dict[str, tuple[Stage, Stage | None]]:
    with Session(engine) as s:
        q = select(CycleRecord.workflow_id, CycleRecord.stage, CycleRecord.next_stage)
        return {w: (st, nxt) for w, st, nxt in s.exec(q)}


def test_a_cycle_goes_to_its_next_stage_at_its_date(engine: Engine) -> None:
    """The objection window's end moves the read model to tindak lanjut; a cycle on leave,
    and one whose later step cleared the next stage (an objection), stay where they are."""
    storage = StorageActivities(engine)
    sweeper = EscalationSweeper(storage)
    window_end = T0 + timedelta(days=14)
    storage.write_steps([
        rated(1, at=T0, stage=Stage.KEBERATAN, opens=window_end),
        rated(2, at=T0, stage=Stage.KEBERATAN, opens=window_end),
        rated(3, at=T0, stage=Stage.KEBERATAN, opens=window_end),
    ])  # fmt: skip
    storage.write_steps([
        rated(2, at=T0 + timedelta(days=1), stage=Stage.DITANGGUHKAN, opens=None),  # leave
        rated(3, at=T0 + timedelta(days=2), stage=Stage.KEBERATAN, opens=None),  # objection
    ])  # fmt: skip
    sweeper.sweep(window_end - timedelta(seconds=1))
    assert stages(engine)[wf(1)] == (Stage.KEBERATAN, Stage.TINDAK_LANJUT)

    sweeper.sweep(window_end)
    assert stages(engine) == {
        wf(1): (Stage.TINDAK_LANJUT, None),
        wf(2): (Stage.DITANGGUHKAN, None),
        wf(3): (Stage.KEBERATAN, None),
    }
    # The return from leave after the window's end writes the stage the dates give.
    storage.write_steps([rated(2, at=window_end + timedelta(days=1), stage=Stage.TINDAK_LANJUT,
                               opens=None)])  # fmt: skip
    assert stages(engine)[wf(2)] == (Stage.TINDAK_LANJUT, None)
    # A step decided before the window's end and written after the sweep (a late activity)
    # writes keberatan again with its next stage; the next sweep moves it on again.
    storage.write_steps([rated(1, at=T0 + timedelta(days=3), stage=Stage.KEBERATAN,
                               opens=window_end)])  # fmt: skip
    assert stages(engine)[wf(1)] == (Stage.KEBERATAN, Stage.TINDAK_LANJUT)
    sweeper.sweep(window_end + timedelta(seconds=1))
    assert stages(engine)[wf(1)] == (Stage.TINDAK_LANJUT, None)
