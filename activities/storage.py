"""Storage: one step of a cycle written in one transaction (read model, tasks, audit, outbox)."""

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Engine, String, and_, bindparam, cast, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity

from db.audit import AuditEntry, append_audit_many
from db.engine import session_scope
from db.models import (
    AuditEvent,
    CitizenFeedback,
    CycleRecord,
    Notification,
    Task,
    TrainingRecord,
    UnitPredikat,
    User,
)
from db.models.base import as_utc, table_of
from domain.enums import Role, TaskStatus
from domain.payloads import CycleSnapshot, StepOutcome, StepRecord, TaskSpec

ROLE_CACHE_SECONDS = 60.0
SLOW_WRITE_S = 0.2  # a batch of steps taking longer is logged with where its time went
FEEDBACK_LIMIT = 50  # evidence shown on one task; the public summary has the aggregates


log = structlog.get_logger(__name__)


class _AlreadyWritten(Exception):
    """The step's audit key exists: a retry of a step already written."""


# The cycle columns an audit event's "before" shows; the task columns a closure and a
# reassignment set (as bound parameters v_<column> of one executemany each).
_BEFORE = ("stage", "skp_status", "annual_predikat", "penilai_nip")
_CLOSED = ("status", "completed_by", "completed_at", "result")
_MOVED = ("assignee_nip", "assignee_role", "escalation_level", "due_at")


# Statements run for every batch, built once: SQLAlchemy computes a statement's cache key once
# per statement object, and for a fresh select with its IN list that was 3-4 % of the API's CPU
# per task completion (py-spy --gil).
_AUDIT, _CYCLES = table_of(AuditEvent), table_of(CycleRecord)
_KEYS_WRITTEN = select(_AUDIT.c.key).where(_AUDIT.c.key.in_(bindparam("keys", expanding=True)))
_CYCLES_BEFORE = select(_CYCLES.c.workflow_id, *(_CYCLES.c[k] for k in _BEFORE)).where(
    _CYCLES.c.workflow_id.in_(bindparam("wfs", expanding=True))
)


def _bound(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as the parameters v_<column> of a statement built with bindparam."""
    return {f"v_{k}": v for k, v in values.items()}


class _Pending:
    """One caller's steps waiting in the group commit of `write_steps`."""

    def __init__(self, steps: list[StepRecord]) -> None:
        self.steps = steps
        self.finished = False
        self.error: Exception | None = None


class StorageActivities:
    """Activities bound to one database engine."""

    def __init__(self, engine: Engine, channel: str = "log") -> None:
        self.engine = engine
        self.channel = channel
        self._role_cache: dict[Role, tuple[float, tuple[str, ...]]] = {}
        # SQLite has one writer: queueing in-process beats its busy-wait sleeps (p99 4.4 s -> ms).
        self._sqlite_lock: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        # write_steps' group commit: callers waiting, and whether one is writing for them
        self._group = threading.Condition()
        self._queue: list[_Pending] = []
        self._leading = False

    @activity.defn(name="record_step")
    def record_step(self, rec: StepRecord) -> StepOutcome:
        """Apply one step idempotently, after the returned steps it carries (`prior`)."""
        self.write_steps(rec.prior)
        return self._write(rec)

    def write_steps(self, steps: list[StepRecord]) -> None:
        """Write steps a completion's update returned, in order; one already written is skipped.

        The API calls this before it answers a completion, the step activity for what the API
        may have missed (STEPS_RETURNED_BY_UPDATE in workflows/desk.py).

        Group commit: callers that arrive while a write is under way queue up, and the next
        leader writes all their steps in one transaction (one chain-head lock, one commit). The
        API's completions used to wait most of their round trip for one another's transactions
        (the bench's Server-Timing: the write phase 150-260 ms of a 230-350 ms p50 under 20
        clients on SQLite). A batch that fails is written caller by caller, each getting its
        own error.
        """
        if not steps:
            return
        mine = _Pending(list(steps))
        with self._group:
            self._queue.append(mine)
            while self._leading and not mine.finished:
                self._group.wait()
            if not mine.finished:
                self._leading = True
                batch, self._queue = self._queue, []
        if not mine.finished:
            try:
                self._write_batch(batch)
            finally:
                with self._group:
                    self._leading = False
                    self._group.notify_all()
        if mine.error is not None:
            raise mine.error

    def _write_batch(self, batch: list["_Pending"]) -> None:
        """All the batch's steps in one transaction, or else each caller's on its own. If the
        writing thread is interrupted (not an Exception: it is re-raised in that thread), every
        caller of the batch gets an error: none of them is told its steps were written."""
        done = False
        try:
            try:
                self._write_many([rec for p in batch for rec in p.steps])
            except Exception:  # a step another writer took meanwhile, or one bad step: one by one
                for p in batch:
                    try:
                        for rec in p.steps:
                            self._write(rec)
                    except Exception as exc:
                        p.error = exc
            done = True
        finally:
            for p in batch:
                if not done and p.error is None:
                    p.error = RuntimeError("the step write was interrupted; retry the request")
                p.finished = True

    def _write_many(self, steps: list[StepRecord]) -> None:
        """Steps not written yet, in order, in one transaction; a key twice is written once."""
        began = time.perf_counter()
        with self._sqlite_lock:
            locked = time.perf_counter()
            with session_scope(self.engine) as s:
                ordered = self.apply_new(s, steps)
                written = time.perf_counter()
            committed = time.perf_counter()
        if committed - began > SLOW_WRITE_S:  # what held a batch up, for the operator
            log.warning(
                "slow step write",
                steps=len(ordered),
                lock_wait_ms=round((locked - began) * 1000, 1),
                rows_ms=round((written - locked) * 1000, 1),
                commit_ms=round((committed - written) * 1000, 1),
            )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction of this process's, queued behind its other writers (SQLite)."""
        with self._sqlite_lock, session_scope(self.engine) as s:
            yield s

    def apply_new(self, s: Session, steps: list[StepRecord]) -> list[StepRecord]:
        """Write, in order in the caller's transaction, the steps whose keys are not taken yet (a
        key twice: the first); returns those written."""
        todo = {f"{r.workflow_id}/{r.step}": r for r in reversed(steps)}  # the first of a key
        if todo:
            for key in s.connection().execute(_KEYS_WRITTEN, {"keys": list(todo)}).scalars():
                todo.pop(key)
        new = [r for r in steps if todo.get(f"{r.workflow_id}/{r.step}") is r]
        self._apply_many(s, new)
        return new

    def _apply_many(self, s: Session, steps: list[StepRecord]) -> None:
        """The rows of `steps` (read model, tasks, outbox, training, audit events), in order, in
        the caller's transaction, as one statement per kind of row (executemany): the one writer
        of a single step, a group commit's batch and a launch page. Statement building was most
        of a step's write in the API's profile, so a batch builds each statement once. Each
        step's audit "before" is its cycle as the previous step of the batch left it. A key
        already taken fails the transaction with IntegrityError."""
        if not steps:
            return
        cr, t, conn = _CYCLES, table_of(Task), s.connection()
        found = conn.execute(_CYCLES_BEFORE, {"wfs": list({r.workflow_id for r in steps})})
        state: dict[str, dict[str, Any] | None] = {
            row[0]: dict(zip(_BEFORE, row[1:], strict=True)) for row in found
        }
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        opened: list[dict[str, Any]] = []
        closed: list[dict[str, Any]] = []
        moved: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        events: list[AuditEntry] = []
        for rec in steps:
            before = state.get(rec.workflow_id)
            if rec.cycle is not None:
                if before is None:
                    new.append(self._new_cycle(rec.workflow_id, rec.cycle, rec.at))
                else:
                    values = self._cycle_values(rec.cycle, rec.at)
                    changed.append({"b_wf": rec.workflow_id, **_bound(values)})
                state[rec.workflow_id] = {k: getattr(rec.cycle, k) for k in _BEFORE}  # as stored
            opened += self._task_rows(s, rec)
            closed += [
                {"b_id": c.id, "v_status": c.status, "v_completed_by": c.by,
                 "v_completed_at": rec.at, "v_result": c.result}
                for c in rec.close_tasks
            ]  # fmt: skip
            moved += [
                {"b_id": r.id, **_bound(r.model_dump(include=set(_MOVED)))} for r in rec.reassign
            ]
            notes += self._outbox_rows(s, rec)
            events.append(
                AuditEntry(
                    key=f"{rec.workflow_id}/{rec.step}",
                    actor=rec.actor or "system",
                    action=rec.action,
                    workflow_id=rec.workflow_id,
                    nip=rec.cycle.nip if rec.cycle else rec.subject_nip,
                    before=before,
                    after=self._after(rec),
                    at=rec.at,
                )  # fmt: skip
            )
        if new:
            conn.execute(insert(cr), new)
        if changed:
            keys = [k[2:] for k in changed[0] if k != "b_wf"]
            by_wf = update(cr).where(cr.c.workflow_id == bindparam("b_wf"))
            conn.execute(by_wf.values({k: bindparam(f"v_{k}") for k in keys}), changed)
        if opened:  # before the closes: a step of the batch may close a task an earlier opened
            conn.execute(insert(t), opened)
        if closed:
            still_open = (t.c.id == bindparam("b_id")) & (t.c.status == TaskStatus.OPEN.value)
            done: dict[str, Any] = {k: bindparam(f"v_{k}") for k in _CLOSED}
            conn.execute(update(t).where(still_open).values(done), closed)
        if moved:
            to: dict[str, Any] = {k: bindparam(f"v_{k}") for k in _MOVED}
            conn.execute(update(t).where(t.c.id == bindparam("b_id")).values(to), moved)
        if notes:
            conn.execute(insert(table_of(Notification)), notes)
        for rec in steps:
            if rec.training is not None:
                self._training(s, rec)
        s.flush()
        append_audit_many(s, events)

    def _write(self, rec: StepRecord) -> StepOutcome:
        """Apply one step idempotently: the audit key "{workflow_id}/{step}" marks it as written."""
        key = f"{rec.workflow_id}/{rec.step}"
        with self._sqlite_lock:
            try:
                with session_scope(self.engine) as s:
                    if s.connection().execute(_KEYS_WRITTEN, {"keys": [key]}).first():
                        raise _AlreadyWritten
                    self._apply_many(s, [rec])
                    return StepOutcome(applied=True, org_predikat=self._org(s, rec), step=rec.step)
            except IntegrityError:
                # Another writer of the same step (the API and a step activity both write a
                # returned step) inserted its rows or its audit key first and committed: ours is
                # rolled back.
                if not self._written(key):
                    raise
            except _AlreadyWritten:
                pass
            with session_scope(self.engine) as s:
                return StepOutcome(applied=False, org_predikat=self._org(s, rec), step=rec.step)

    def write_openings(self, steps: list[StepRecord]) -> dict[str, datetime]:
        """Write the first steps of cycles not begun yet; returns, for each workflow whose first
        step is in the database (written now or by an earlier attempt), the instant it was
        written with, which its run must be started with (`CycleInput.opened_at`).

        The bulk launcher calls this for a page before it starts the page's cycles. A cycle that
        already has a read model (begun by another launch, or exempt) gets nothing: its run writes
        its own steps. One transaction per page instead of one per step, so the audit chain's head
        is locked and committed once; if a cycle of the page began meanwhile, one step at a time.
        """
        try:
            return self._openings(steps)
        except IntegrityError:
            pass
        done: dict[str, datetime] = {}
        for rec in steps:
            try:
                done |= self._openings([rec])
            except IntegrityError:
                done |= self._openings([rec], write=False)
        return done

    def _openings(self, steps: list[StepRecord], write: bool = True) -> dict[str, datetime]:
        if not steps:
            return {}
        keys = {f"{r.workflow_id}/{r.step}": r for r in steps}
        audit, cycles = _AUDIT, _CYCLES
        with self.transaction() as s:
            conn = s.connection()
            found = select(audit.c.workflow_id, audit.c.at).where(audit.c.key.in_(list(keys)))
            written = {w: as_utc(at) for w, at in conn.execute(found)}
            if not write:
                return written
            ids = [r.workflow_id for r in steps]
            begun = {
                w for (w,) in conn.execute(
                    select(cycles.c.workflow_id).where(cycles.c.workflow_id.in_(ids))
                )
            }  # fmt: skip
            new = [r for r in steps if r.workflow_id not in written and r.workflow_id not in begun]
            self._apply_many(s, new)
            return written | {r.workflow_id: r.at for r in new}

    def _written(self, key: str) -> bool:
        with self.engine.connect() as c:
            return c.execute(_KEYS_WRITTEN, {"keys": [key]}).first() is not None

    # ---- parts -------------------------------------------------------------------------

    @staticmethod
    def _after(rec: StepRecord) -> dict[str, Any]:
        after: dict[str, Any] = {"details": rec.details}
        if rec.cycle:
            after.update({k: getattr(rec.cycle, k) for k in _BEFORE})
        after["tasks_opened"] = [t.id for t in rec.open_tasks]
        after["tasks_closed"] = [
            {"id": c.id, "status": c.status, "by": c.by, "result": c.result}
            for c in rec.close_tasks
        ]
        if rec.reassign:
            after["tasks_reassigned"] = [r.model_dump(mode="json") for r in rec.reassign]
        return after

    @staticmethod
    def _new_cycle(wf_id: str, c: CycleSnapshot, at: datetime) -> dict[str, Any]:
        return {
            "workflow_id": wf_id, "year": c.year, "nip": c.nip, "started_at": at,
            **StorageActivities._cycle_values(c, at),
        }  # fmt: skip

    @staticmethod
    def _cycle_values(c: CycleSnapshot, at: datetime) -> dict[str, Any]:
        return {
            "unit_code": c.unit_code,
            "penilai_nip": c.penilai_nip,
            "stage": c.stage,
            "next_stage": c.next_stage,
            "next_stage_at": c.next_stage_at,
            "skp_status": c.skp_status,
            "period_predikats": [
                {"period": int(k), "predikat": v.value}
                for k, v in sorted(c.period_predikats.items(), key=lambda kv: int(kv[0]))
            ],
            "annual_predikat": c.annual_predikat,
            "tpp_share": c.tpp_share,
            "follow_ups": [f.value for f in c.follow_ups],
            "jp_earned": c.jp_earned,
            "outcome": c.outcome,
            "updated_at": at,
            "closed_at": at if c.closed else None,
        }

    @staticmethod
    def _task_rows(s: Session, rec: StepRecord) -> list[dict[str, Any]]:
        rows = []
        for spec in rec.open_tasks:
            context = dict(spec.context)
            if spec.feedback_window is not None:
                context["citizen_feedback"] = _feedback(s, spec)
            rows.append({
                "id": spec.id, "workflow_id": rec.workflow_id, "step": spec.step,
                "kind": spec.kind, "title": spec.title, "assignee_nip": spec.assignee_nip,
                "assignee_role": spec.assignee_role, "subject_nip": spec.subject_nip,
                "unit_code": spec.unit_code, "period_index": spec.period_index,
                "status": TaskStatus.OPEN, "due_at": spec.due_at, "visible_from": spec.visible_from,
                "escalation_level": spec.escalation_level, "context": context,
                "escalation_nip": spec.escalation_nip,
                "escalation_grace_s": spec.escalation_grace_s,
                "result": None, "created_at": rec.at, "completed_at": None, "completed_by": None,
            })  # fmt: skip
        return rows

    def _outbox_rows(self, s: Session, rec: StepRecord) -> list[dict[str, Any]]:
        return [
            {
                "key": f"{rec.workflow_id}/{rec.step}/{n}/{nip}",
                "recipient_nip": nip,
                "recipient_address": None,
                "channel": self.channel,
                "subject": note.subject,
                "body": note.body,
                "created_at": rec.at,
                "deliver_after": note.deliver_after or rec.at,
                "delivered_at": None,
                "attempts": 0,
                "last_error": None,
                "task_id": note.task_id,
                "task_due_at": note.task_due_at,
                "dropped_at": None,
                "dropped_reason": None,
            }
            for n, note in enumerate(rec.notifications)
            for nip in self._recipients(s, note.recipient_nip, note.recipient_role)
        ]

    def _recipients(self, s: Session, nip: str | None, role: Role | None) -> list[str]:
        """A person by NIP, or every active holder of a role (BKPP pool tasks)."""
        if nip:
            return [nip]
        if role is None:
            return []
        return list(self._role_holders(s, role))

    def _role_holders(self, s: Session, role: Role) -> tuple[str, ...]:
        """Holders of a role, cached for a minute: scanning every account grew with the city."""
        now = time.monotonic()
        cached = self._role_cache.get(role)
        if cached is not None and now - cached[0] < ROLE_CACHE_SECONDS:
            return cached[1]
        # Only the accounts whose roles' JSON text names the role, and three columns of them: at
        # 15,000 accounts, loading every active User took 0.6 s inside a step's transaction
        # (the API's "slow step write"), once a minute, holding up every completion meanwhile.
        u = table_of(User)
        named = cast(u.c.roles, String).like(f'%"{role.value}"%')
        found = s.connection().execute(
            select(u.c.nip, u.c.username, u.c.roles).where(u.c.active.is_(True), named)
        )
        holders = tuple(sorted({nip or name for nip, name, roles in found if role.value in roles}))
        self._role_cache[role] = (now, holders)
        return holders

    @staticmethod
    def _training(s: Session, rec: StepRecord) -> None:
        t = rec.training
        assert t is not None
        row = s.exec(
            select(TrainingRecord).where(col(TrainingRecord.key) == rec.workflow_id)
        ).first()
        if row is None:
            row = TrainingRecord(
                key=rec.workflow_id,
                nip=t.nip,
                year=t.year,
                workflow_id=rec.workflow_id,
                training_type=t.training_type,
            )
        row.jp_planned, row.jp_earned, row.status = t.jp_planned, t.jp_earned, t.status
        row.due_at, row.certificate_url = t.due_at, t.certificate_url
        if t.status == "reported":
            row.reported_at = rec.at
        if t.verified_by:
            row.verified_by, row.verified_at = t.verified_by, rec.at
        s.add(row)

    @staticmethod
    def _org(s: Session, rec: StepRecord) -> Any:
        if rec.want_org_predikat is None or rec.cycle is None:
            return None
        row = s.exec(
            select(UnitPredikat).where(
                and_(
                    col(UnitPredikat.unit_code) == rec.want_org_predikat,
                    col(UnitPredikat.year) == rec.cycle.year,
                )
            )
        ).first()
        return row.org_predikat if row else None


def _feedback(s: Session, spec: TaskSpec) -> list[dict[str, Any]]:
    """Citizen feedback about the employee or their unit in the window: evidence, never a score."""
    assert spec.feedback_window is not None
    start, end = (d.astimezone(UTC) for d in spec.feedback_window)
    q = (
        select(CitizenFeedback)
        .where(col(CitizenFeedback.created_at) >= start, col(CitizenFeedback.created_at) < end)
        .where(
            (col(CitizenFeedback.employee_nip) == spec.subject_nip)
            | (col(CitizenFeedback.unit_code) == spec.unit_code)
        )
        .order_by(col(CitizenFeedback.created_at).desc())
        .limit(FEEDBACK_LIMIT)
    )
    # The reporter's identity (contact, client hash) is kept from handlers.
    return [
        {
            "id": f.id,
            "unit_code": f.unit_code,
            "about_employee": f.employee_nip is not None,
            "ticket": f.ticket,
            "rating": f.rating,
            "text": f.text,
            "created_at": f.created_at.isoformat(),
        }
        for f in s.exec(q)
    ]
