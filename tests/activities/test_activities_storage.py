"""Step writes: a step returned by a completion's update is written once, whoever writes it.

The API writes it before it answers, and the cycle's next step activity writes it again in case
the API did not (STEPS_RETURNED_BY_UPDATE). Two StorageActivities stand for the two processes.
"""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from activities.storage import StorageActivities
from db.audit import verify_chain
from db.models import AuditEvent, CycleRecord, Notification, Task
from domain.enums import SkpStatus, TaskKind, TaskStatus
from domain.payloads import (
    NotificationSpec,
    StepRecord,
    TaskClosure,
    TaskReassignment,
    TaskSpec,
)
from tests.conftest import truncate_all

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


def first(nip: str, at: datetime = T0) -> StepRecord:
    """The first step the bulk launcher writes for `nip` (domain.opening)."""
    from domain.calendar import build_calendar
    from domain.enums import CalendarKind, JenisJabatan
    from domain.opening import opening_step
    from domain.payloads import CycleInput, Placement
    from domain.policy import DEFAULT_POLICY

    inp = CycleInput(
        year=2027, nip=nip, name=f"Pegawai {nip[-3:]}", policy=DEFAULT_POLICY,
        placement=Placement(unit_code="BKPP", position="Analis",
                            jenis_jabatan=JenisJabatan.PELAKSANA, penilai_nip=NIP),
        calendar=build_calendar(2027, CalendarKind.QUARTERLY),
    )  # fmt: skip
    return opening_step(inp, f"appraisal-2027-{nip}", at)


def test_a_page_of_first_steps_is_written_once_and_never_over_a_begun_cycle(
    engine: Engine,
) -> None:
    """The bulk launcher writes a page's first steps in one transaction before it starts them.
    A retry writes nothing twice, and a cycle that already began (here: exempt, its run wrote
    the pause first) gets no SKP task from the launcher."""
    nips = [f"19900101201501100{i}" for i in range(4)]
    storage = StorageActivities(engine)
    begun = first(nips[3]).model_copy(update={"step": "exempt", "open_tasks": [],
                                              "notifications": []})  # fmt: skip
    storage.write_steps([begun])
    page = [first(n) for n in nips]
    opened = {f"appraisal-2027-{n}": T0 for n in nips[:3]}
    assert storage.write_openings(page) == opened
    once = counts(engine)
    assert once == (4, 3, 9)  # 3 first steps + the pause; 3 drafts; notice + 2 reminders each
    # A later page with the same employees (a retry, or a relaunch after a failed start) writes
    # nothing and answers the instant the steps were written with, for the runs to adopt.
    later = [first(n, T0 + timedelta(hours=1)) for n in nips]
    assert storage.write_openings(later) == opened
    assert counts(engine) == once
    with Session(engine) as s:
        assert verify_chain(s).ok
        drafts = list(s.exec(select(Task.subject_nip).order_by(col(Task.subject_nip))))
    assert drafts == nips[:3]


def test_a_page_whose_cycle_began_meanwhile_is_written_one_step_at_a_time(
    engine: Engine,
) -> None:
    """Another writer got one cycle's rows in first (the batch fails on its task row): the
    others are still written, each once, and that cycle is not reported as opened."""
    storage = StorageActivities(engine)
    nips = [f"19900101201501100{i}" for i in range(3)]
    page = [first(n) for n in nips]
    # The same task row under another audit key, and no read model: the page's check passes it.
    taken = page[1].model_copy(update={"step": "other", "cycle": None, "notifications": []})
    storage.write_steps([taken])
    ids = [r.workflow_id for r in page]
    assert storage.write_openings(page) == {ids[0]: T0, ids[2]: T0}
    with Session(engine) as s:
        keys = set(s.exec(select(AuditEvent.key)))
        assert verify_chain(s).ok
    assert keys == {f"{ids[0]}/skp1/open", f"{ids[1]}/other", f"{ids[2]}/skp1/open"}


def step_of(wf: str, task: str | None = None) -> StepRecord:
    """Another cycle's step opening one task (`task` names it, by default after the cycle)."""
    rec = step(1)
    spec = rec.open_tasks[0].model_copy(update={"id": task or f"{wf}/t1"})
    return rec.model_copy(update={"workflow_id": wf, "open_tasks": [spec]})


class HeldLeader:
    """Holds the first group-commit leader inside its transaction until `release()`, so the
    callers arriving meanwhile queue up for the next batch; records each batch's callers."""

    def __init__(self, storage: StorageActivities) -> None:
        self.batches: list[list[str]] = []
        self.entered, self.gate = threading.Event(), threading.Event()
        write_batch = storage._write_batch

        def held(batch: list[Any]) -> None:
            self.batches.append([p.steps[0].workflow_id for p in batch])
            self.entered.set()
            self.gate.wait(10)
            write_batch(batch)

        storage._write_batch = held  # type: ignore[method-assign]

    def release(self) -> None:
        self.gate.set()


def run_writers(storage: StorageActivities, groups: list[list[StepRecord]]) -> list[Any]:
    """The first group written by a leader held until every other caller is queued; returns
    what each caller got (None, or the exception it raised)."""
    held = HeldLeader(storage)
    got: list[Any] = [None] * len(groups)

    def write(i: int) -> None:
        try:
            storage.write_steps(groups[i])
        except BaseException as exc:  # noqa: BLE001 - a leader's interruption is recorded too
            got[i] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(groups))]
    threads[0].start()
    assert held.entered.wait(10)
    for th in threads[1:]:
        th.start()
    while len(storage._queue) < len(groups) - 1:  # every other caller waits for the leader
        threading.Event().wait(0.01)
    held.release()
    for th in threads:
        th.join(30)
    storage.held_batches = held.batches  # type: ignore[attr-defined]
    return got


def test_callers_arriving_during_a_write_are_written_together_in_one_group_commit(
    engine: Engine,
) -> None:
    """Completions that wait for another's transaction are written in one batch after it: each
    step once, in one transaction, and the audit chain stays whole."""
    storage = StorageActivities(engine)
    wfs = [f"appraisal-2027-19860926201505{i:04d}" for i in range(12)]
    groups = [[step_of(wf)] for wf in wfs]
    groups.append([step_of(wfs[5])])  # the same step twice (a client's retry): written once
    assert run_writers(storage, groups) == [None] * len(groups)
    batches = storage.held_batches  # type: ignore[attr-defined]
    assert batches[0] == [wfs[0]]
    assert sorted(batches[1]) == sorted([*wfs[1:], wfs[5]])  # all the others, together
    assert len(batches) == 2
    assert counts(engine) == (12, 12, 12)
    with Session(engine) as s:
        assert verify_chain(s).ok
        assert set(s.exec(select(AuditEvent.workflow_id))) == set(wfs)


def test_a_failing_step_in_a_group_commit_fails_only_its_own_caller(engine: Engine) -> None:
    """One caller's step cannot be written (its task row exists under another key): the batch
    is rolled back and written caller by caller, so the others' steps go in and only that
    caller gets the error."""
    storage = StorageActivities(engine)
    wfs = [f"appraisal-2027-19860926201505{i:04d}" for i in range(4)]
    storage.write_steps([step_of("appraisal-2027-other", task=f"{wfs[2]}/t1")])
    got = run_writers(storage, [[step_of(wf)] for wf in wfs])
    assert [type(g).__name__ for g in got] == ["NoneType", "NoneType", "IntegrityError", "NoneType"]
    with Session(engine) as s:
        written = set(s.exec(select(AuditEvent.workflow_id)))
        assert verify_chain(s).ok
    assert written == {"appraisal-2027-other", wfs[0], wfs[1], wfs[3]}
    assert counts(engine) == (4, 4, 4)


def a_cycles_steps(nip: str) -> list[StepRecord]:
    """A cycle's first step, its SKP submitted (the draft closed, an approval opened, the cycle
    moved on) and the approval escalated: a read model inserted then updated, a task opened then
    closed, one reassigned."""
    opening = first(nip)
    assert opening.cycle is not None
    wf, draft = opening.workflow_id, opening.open_tasks[0]
    approval = draft.model_copy(
        update={"id": f"{wf}/skp1/approve", "step": "skp1/approve",
                "kind": TaskKind.SKP_APPROVAL, "assignee_nip": NIP}
    )  # fmt: skip
    submitted = opening.model_copy(update={
        "step": "skp1/submit", "action": "skp_submitted", "actor": nip,
        "at": T0 + timedelta(days=1),
        "cycle": opening.cycle.model_copy(update={"skp_status": SkpStatus.DIAJUKAN}),
        "close_tasks": [TaskClosure(id=draft.id, status=TaskStatus.COMPLETED, by=nip,
                                    result={"skp": "ok"})],
        "open_tasks": [approval],
        "notifications": [NotificationSpec(recipient_nip=NIP, subject="SKP", body="periksa")],
    })  # fmt: skip
    escalated = submitted.model_copy(update={
        "step": "skp1/escalate", "action": "task_escalated", "actor": "system",
        "at": T0 + timedelta(days=9), "close_tasks": [], "open_tasks": [], "notifications": [],
        "reassign": [TaskReassignment(id=approval.id, assignee_nip="197001012000011001",
                                      escalation_level=1, due_at=T0 + timedelta(days=12))],
    })  # fmt: skip
    return [opening, submitted, escalated]


def stored(engine: Engine) -> list[list[Any]]:
    """Every written row that a step decides, ids and timestamps of insertion aside."""
    with Session(engine) as s:
        return [
            [(e.key, e.actor, e.before, e.after, e.prev_hash, e.hash)
             for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))],
            sorted(r.model_dump(exclude={"id"}).items().__repr__()
                   for r in s.exec(select(CycleRecord))),
            sorted(r.model_dump().items().__repr__() for r in s.exec(select(Task))),
            sorted(r.model_dump(exclude={"id"}).items().__repr__()
                   for r in s.exec(select(Notification))),
        ]  # fmt: skip


def test_a_batch_writes_exactly_what_the_steps_written_one_by_one_write(engine: Engine) -> None:
    """The group commit's statements (one per kind of row) store the same rows and the same audit
    chain, hash for hash, as writing each step in a transaction of its own, including a cycle
    inserted then updated, a task opened then closed and one reassigned within the batch."""
    steps = a_cycles_steps(NIP) + a_cycles_steps("199001012015011001")
    storage = StorageActivities(engine)
    for rec in steps:
        assert storage._write(rec).applied
    one_by_one = stored(engine)
    truncate_all(engine)
    storage._write_many(steps)
    assert stored(engine) == one_by_one
    with Session(engine) as s:
        assert verify_chain(s).ok
        tasks = dict(s.exec(select(Task.id, Task.status)).all())
        moved = s.exec(select(Task.assignee_nip).where(col(Task.escalation_level) == 1)).all()
    assert sorted(tasks.values()) == [TaskStatus.COMPLETED] * 2 + [TaskStatus.OPEN] * 2
    assert moved == ["197001012000011001"] * 2


def test_a_notice_to_a_role_goes_to_its_active_holders_only(engine: Engine) -> None:
    """A pool task's notice (recipient_role) reaches every active account holding exactly that
    role, by NIP or, without one, by username; found without loading every account."""
    from db.models import User
    from domain.enums import Role

    accounts = [
        ("bkpp1", "196801011990031001", ["bkpp"], True),
        ("bkpp2", "196801011990031002", ["pegawai", "bkpp"], True),
        ("gone", "196801011990031003", ["bkpp"], False),
        ("kepala", "196801011990031004", ["kepala_opd"], True),
        ("bkpp_admin", None, ["admin", "bkpp"], True),
        ("admin", None, ["admin"], True),
    ]
    with Session(engine) as s:
        for username, nip, roles, active in accounts:
            s.add(User(username=username, nip=nip, password_hash="x", roles=roles, active=active))
        s.commit()
    notice = NotificationSpec(
        recipient_nip=None, recipient_role=Role.BKPP, subject="Tugas BKPP", body="baru"
    )
    StorageActivities(engine).write_steps([step(1).model_copy(update={"notifications": [notice]})])
    with Session(engine) as s:
        sent_to = sorted(s.exec(select(Notification.recipient_nip)).all())
    assert sent_to == ["196801011990031001", "196801011990031002", "bkpp_admin"]


def test_an_interrupted_group_commit_tells_every_caller_it_failed(engine: Engine) -> None:
    """If the thread writing a batch is interrupted (SystemExit, not an Exception), the callers
    whose steps it carried get an error, never a silent success."""
    storage = StorageActivities(engine)

    def interrupted(steps: list[StepRecord]) -> None:
        raise SystemExit("worker thread stopped")

    storage._write_many = interrupted  # type: ignore[method-assign]
    wfs = [f"appraisal-2027-19860926201505{i:04d}" for i in range(3)]
    got = run_writers(storage, [[step_of(wf)] for wf in wfs])
    # A leader's own thread ends with the interruption; every other caller gets RuntimeError.
    assert type(got[0]) is SystemExit
    assert all(type(g) in (SystemExit, RuntimeError) for g in got[1:]), got
    assert RuntimeError in {type(g) for g in got[1:]}
    assert counts(engine) == (0, 0, 0)
