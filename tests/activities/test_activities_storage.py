"""Step writes: a step returned by a completion's update is written once, whoever writes it.

The API writes it before it answers, and the cycle's next step activity writes it again in case
the API did not (STEPS_RETURNED_BY_UPDATE). Two StorageActivities stand for the two processes.
"""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from activities.storage import StorageActivities
from db.audit import verify_chain
from db.models import AuditEvent, Notification, Task
from domain.enums import TaskKind, TaskStatus
from domain.payloads import NotificationSpec, StepRecord, TaskClosure, TaskSpec

WF = "appraisal-2027-198609262015051001"
NIP = "198609262015051001"
T0 = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)


def step(n: int, *, closes: int | None = None) -> StepRecord:
    """Step n opens task n (and closes task `closes`), with one notification."""
    task_id = f"{WF}/t{n}"
    return StepRecord(
        workflow_id=WF,
        step=f"s{n}",
        at=T0 + timedelta(minutes=n),
        actor=NIP,
        action="skp_submitted",
        close_tasks=[]
        if closes is None
        else [TaskClosure(id=f"{WF}/t{closes}", status=TaskStatus.COMPLETED, by=NIP)],
        open_tasks=[
            TaskSpec(
                id=task_id,
                step=f"t{n}",
                kind=TaskKind.SKP_APPROVAL,
                title=f"Tugas {n}",
                assignee_nip=NIP,
                subject_nip=NIP,
                unit_code="BKPP",
                due_at=T0 + timedelta(days=7),
            )
        ],
        notifications=[NotificationSpec(recipient_nip=NIP, subject=f"Tugas {n}", body="baru")],
    )


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(AuditEvent)).one(),
            s.exec(select(func.count()).select_from(Task)).one(),
            s.exec(select(func.count()).select_from(Notification)).one(),
        )


def test_step_activity_writes_the_returned_steps_it_carries_first(engine: Engine) -> None:
    storage = StorageActivities(engine)
    storage.write_steps([step(1)])  # the API wrote the first returned step, not the second
    outcome = storage.record_step(
        step(3, closes=2).model_copy(update={"prior": [step(1), step(2, closes=1)]})
    )
    assert (outcome.applied, outcome.step) == (True, "s3")
    with Session(engine) as s:
        keys = list(s.exec(select(AuditEvent.key).order_by(col(AuditEvent.id))))
        statuses = dict(s.exec(select(Task.id, Task.status)).all())
    assert keys == [f"{WF}/s1", f"{WF}/s2", f"{WF}/s3"]  # in order, each once
    assert statuses == {
        f"{WF}/t1": TaskStatus.COMPLETED,
        f"{WF}/t2": TaskStatus.COMPLETED,
        f"{WF}/t3": TaskStatus.OPEN,
    }
    assert counts(engine) == (3, 3, 3)


def test_two_writers_of_the_same_returned_step_write_it_once(engine: Engine) -> None:
    api, worker = StorageActivities(engine), StorageActivities(engine)
    errors: list[BaseException] = []
    rounds = 8

    def write(storage: StorageActivities, barrier: threading.Barrier, n: int) -> None:
        try:
            barrier.wait()
            storage.write_steps([step(n)])
        except BaseException as exc:
            errors.append(exc)

    for n in range(1, rounds + 1):
        barrier = threading.Barrier(2)
        pair = [threading.Thread(target=write, args=(w, barrier, n)) for w in (api, worker)]
        for th in pair:
            th.start()
        for th in pair:
            th.join()
    assert errors == []
    assert counts(engine) == (rounds, rounds, rounds)
    with Session(engine) as s:
        assert verify_chain(s).ok
