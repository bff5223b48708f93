"""Open tasks of a workflow: assignment, deadlines (remind, escalate, BKPP) and persistence."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import CycleCalendar
    from domain.enums import Role, TaskKind, TaskStatus
    from domain.escalation import (
        ESCALATED,
        Holder,
        escalation_notices,
        holder_at,
        next_holder,
        task_escalation_step,
    )
    from domain.opening import ladder_fields, reminder_notice, reminder_times, reminders_ahead
    from domain.payloads import (
        TASK_PAYLOADS,
        UNWRITTEN_STEPS,
        CycleSnapshot,
        NotificationSpec,
        StepOutcome,
        StepRecord,
        TaskClosure,
        TaskCompletion,
        TaskReassignment,
        TaskRef,
        TaskSpec,
    )
    from domain.policy import Policy

RECORD_STEP = "record_step"
# Steps a timer decides (reminder, escalation, a period or stage that opens at its date) run as
# regular activities from this patch on. A local activity writes before its workflow task is
# durable; if that task is lost (worker killed) the retry sees any update that arrived meanwhile
# first and may take another branch, leaving a written step the history never records. A regular
# activity runs only once its scheduling is in the history. Steps an update decides stay local:
# a retry delivers the same update first again, so it takes the same branch.
TIMER_STEPS_AS_ACTIVITIES = "timer-steps-as-activities"
# From this patch on every step is a regular activity. An update-decided step as a local activity
# had the same flaw: the fault suite found a completion whose workflow task was lost with the
# worker and whose update the server then did not deliver again, so the database said "done"
# while the workflow still waited for it.
ALL_STEPS_AS_ACTIVITIES = "all-steps-as-activities"
# From this patch on a step decided by a completion, which closes the completed task and opens the
# next one, is not written by an activity: the update returns it and its caller (the API) writes
# it before it answers. That saves the activity's three events, a workflow task and a round trip
# per human action (bench.shapes). Until the workflow knows such a step is in the database it
# keeps it, returns it again with later completions and hands it to its next step activity,
# which writes it first. It knows the step is written once a task opened by it (or by a later
# step) is completed, since the API completes only tasks it reads from the database.
STEPS_RETURNED_BY_UPDATE = "steps-returned-by-update"
# From this patch on a task's reminders are not steps the workflow writes when a timer fires:
# the step that opens the task (or moves its due date or assignee) writes them to the outbox,
# held until their time, and the dispatcher sends each only if it still applies (the task open,
# not escalated, due and assigned as the reminder says, the cycle not paused) and drops it
# otherwise. A reminder cost a timer, a step activity and two workflow tasks; under overload a
# compressed 15,000 year wrote 15,000 of them while the bots were behind, adding to the load
# that made them late.
REMINDERS_AHEAD = "reminders-ahead"
# From this patch on the step that rates the last period also opens the annual rating, when the
# year has closed (its periods tile the year, so the last report can only be made after it): the
# step is returned by the completion's update like any other that closes one task and opens the
# next. Before it, the last period's rating was a step activity of its own and the annual rating
# opened with a second one (a timer-decided step) right after: two activities, their workflow
# tasks and their write per cycle, all at the year's end for the whole city.
ANNUAL_AHEAD = "annual-rating-ahead"
# From this patch on an overdue task is not escalated by its workflow (a timer at its due date,
# then a step activity and two workflow tasks): the task row carries its ladder (the atasan, the
# grace of each rung) and the worker's escalation sweeper (activities/escalation.py) moves every
# overdue open task of an unpaused cycle up a rung, in batches, writing the step the workflow
# wrote (reassignment, audit event, notices). The workflow keeps no deadline timer; it derives a
# task's holder from its dates (domain.escalation) to judge who may act, and writes the holder
# the dates give whenever it moves a task (pause, extension, transfer). A compressed 15,000 year
# had 4,000 reports escalate in one second, each a timer, an activity and two workflow tasks on
# a machine already behind.
ESCALATIONS_SWEPT = "escalations-swept"
# From this patch on the step that records the annual rating also writes BKPP's incentive
# approval, visible from the end of the objection window (its notice held in the outbox until
# then); an objection within the window cancels it, and the proposal is written again after the
# decision, as before. Before it, a timer at the window's end woke every cycle to write the
# proposal in a step activity of its own (two workflow tasks, the activity's events and a write
# per cycle): the last queue of a compressed 15,000 year, 1,798 workflow tasks behind at once.
# Nothing is written at the window's end now: the read model carries the stage the cycle goes to
# then (`CycleSnapshot.next_stage`), which the worker's sweeper writes.
INCENTIVE_AHEAD = "incentive-ahead"
NEWEST_PATCH = INCENTIVE_AHEAD
# Patches that were the newest once (since `since` exists), newest first, each with the patches
# that came after it: a run begun in its time has only its marker, and none of the later ones.
ERAS = (
    (ESCALATIONS_SWEPT, (INCENTIVE_AHEAD,)),
    (ANNUAL_AHEAD, (ESCALATIONS_SWEPT, INCENTIVE_AHEAD)),
    (REMINDERS_AHEAD, (ANNUAL_AHEAD, ESCALATIONS_SWEPT, INCENTIVE_AHEAD)),
    (
        STEPS_RETURNED_BY_UPDATE,
        (REMINDERS_AHEAD, ANNUAL_AHEAD, ESCALATIONS_SWEPT, INCENTIVE_AHEAD),
    ),
)


def since(patch_id: str) -> bool:
    """`workflow.patched(patch_id)` with one marker per run instead of one per patch.

    A run that has the newest patch has every older one too, so only that marker is written
    (each marker costs two history events: the marker and an upsert of TemporalChangeVersion).
    A run begun before the newest patch finds no marker for it at its first patch check, and
    that answer holds for the rest of the run (the SDK memoizes it): it keeps looking up the
    older markers it has, and keeps the shape it was started with.

    Runs begun while an older patch was the newest wrote that one's marker at their first patch
    check, whatever the patch asked for there; every check therefore asks for those markers
    too (ERAS, newest first), so a replay meets each marker where the run wrote it.
    """
    if workflow.patched(NEWEST_PATCH):
        return True
    for era, later in ERAS:
        if workflow.patched(era):
            return patch_id not in later
    return workflow.patched(patch_id)


STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


class CycleEnded(Exception):
    """Raised inside waits when HR ends the cycle (retirement, death, dismissal)."""


@dataclass
class OpenTask:
    """A task as the workflow tracks it; the database row is written by the step activity."""

    spec: TaskSpec
    due_at: datetime
    level: int = 0
    assignee_nip: str | None = None
    assignee_role: Role | None = None
    allowed_nips: set[str] = field(default_factory=set)
    reminded: set[int] = field(default_factory=set)
    done: bool = False
    persisted: bool = False
    result: BaseModel | None = None
    by: str | None = None
    opened_seq: int = 0  # the Desk's count of the step that opened it

    def holder(self) -> Holder:
        return Holder(self.level, self.assignee_nip, self.assignee_role, self.due_at)

    def ref(self, at: Holder | None = None) -> TaskRef:
        """The task as it stands, or held as `at` says (its holder at a later instant)."""
        h = at or self.holder()
        return TaskRef(
            id=self.spec.id,
            step=self.spec.step,
            kind=self.spec.kind,
            assignee_nip=h.nip,
            assignee_role=h.role,
            due_at=h.due_at,
            escalation_level=h.level,
            period_index=self.spec.period_index,
            visible_from=self.spec.visible_from,
            escalation_nip=self.spec.escalation_nip,
            escalation_grace_s=self.spec.escalation_grace_s,
        )


def refuse(
    kind: str,
    message: str,
    *,
    field_name: str | None = None,
    carry: dict[str, Any] | None = None,
) -> ApplicationError:
    """A non-retryable refusal the API maps to 403/404/409/422; `carry` rides in its details."""
    details = [{"field": field_name, "reason": message}] if field_name else []
    extra = [carry] if carry else []
    return ApplicationError(message, details, *extra, type=kind, non_retryable=True)


def parse_payload(kind: TaskKind, payload: dict[str, Any]) -> BaseModel:
    """The task's payload model, or an InvalidPayload refusal naming every bad field."""
    try:
        return TASK_PAYLOADS[kind].model_validate(payload)
    except ValidationError as exc:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        raise ApplicationError(
            fields[0]["reason"] if fields else "payload tidak sah",
            fields,
            type="InvalidPayload",
            non_retryable=True,
        ) from None


class Desk:
    """Tasks and deadlines of one workflow run; every write goes through one `record_step` call."""

    def __init__(
        self,
        workflow_id: str,
        policy: Policy,
        calendar: CycleCalendar,
        snapshot: Callable[[], CycleSnapshot | None],
    ) -> None:
        self.workflow_id = workflow_id
        self.policy = policy
        self.calendar = calendar
        self.snapshot = snapshot
        self.tasks: dict[str, OpenTask] = {}
        self.paused_since: datetime | None = None
        self.ended: str | None = None
        self.changes = 0  # bumped to wake deadline waits after an extension or reassignment
        self._seq: dict[str, int] = {}
        self._chain: dict[str, list[str]] = {}  # task id -> escalation ladder after the assignee
        self.grace = calendar.days(policy.escalation_grace_days)  # each rung of the ladder
        self.swept: bool | None = None  # ESCALATIONS_SWEPT, asked when the first task opens
        self.closed: set[str] = set()  # completed or cancelled task ids, to answer 409
        self.seq = 0  # steps recorded by this run, in order
        # Returned steps (STEPS_RETURNED_BY_UPDATE) not known to be written yet, oldest first.
        self.unwritten: list[tuple[int, StepRecord]] = []
        # Escalations by date that a step moving the task passed (`advance`): the sweeper's own
        # steps, same keys, which the next step activity writes first unless the sweeper has.
        self.passed: list[StepRecord] = []

    # ---- persistence -------------------------------------------------------------------

    def step_key(self, prefix: str) -> str:
        """A unique, deterministic step key: prefix, then a counter when the prefix repeats."""
        n = self._seq.get(prefix, 0) + 1
        self._seq[prefix] = n
        return prefix if n == 1 else f"{prefix}~{n}"

    async def record(
        self,
        step: str,
        action: str,
        *,
        actor: str = "system",
        open_tasks: list[OpenTask] | None = None,
        close: list[OpenTask] | None = None,
        cancel: list[OpenTask] | None = None,
        reassign: list[OpenTask] | None = None,
        notify: list[NotificationSpec] | None = None,
        durable: bool = False,
        then_activity: bool = False,
        **extra: Any,
    ) -> StepOutcome:
        """Write one step (read model, tasks, audit, outbox) in one activity.

        A regular activity, so that nothing is written before the decision is in the history
        (ALL_STEPS_AS_ACTIVITIES). Histories from before that patch replay with local activities
        for update-decided steps, and `durable` still marks the timer-decided ones for those
        (TIMER_STEPS_AS_ACTIVITIES). `then_activity`: the caller vouches that the run's next step,
        whatever happens, is a step activity, which writes this one first if it was returned.
        """
        closures = [
            TaskClosure(
                id=t.spec.id,
                status=TaskStatus.COMPLETED,
                by=t.by,
                result=t.result.model_dump(mode="json") if t.result else {},
            )
            for t in close or []
        ]
        closures += [
            TaskClosure(id=t.spec.id, status=TaskStatus.CANCELLED, by=actor) for t in cancel or []
        ]
        record = StepRecord(
            workflow_id=self.workflow_id,
            step=step,
            at=workflow.now(),
            actor=actor,
            action=action,
            cycle=self.snapshot(),
            close_tasks=closures,
            open_tasks=[t.spec.model_copy(update={"due_at": t.due_at}) for t in open_tasks or []],
            reassign=[
                TaskReassignment(
                    id=t.spec.id,
                    assignee_nip=t.assignee_nip,
                    assignee_role=t.assignee_role,
                    escalation_level=t.level,
                    due_at=t.due_at,
                )
                for t in reassign or []
            ],
            notifications=[*(notify or []), *self._reminders_for(open_tasks, reassign)],
            **extra,
        )
        # Known before the write: a regular activity's rows are visible before its result comes
        # back in a later workflow task, and a completion arriving first must find the task.
        seq = self._next_step(open_tasks or [])
        if self._returnable(close, open_tasks, cancel, reassign, record, then_activity):
            self.unwritten.append((seq, record))
            self._closed([*(close or [])])
            return StepOutcome(applied=True, step=step)
        prior = [r for _, r in self.unwritten]
        passed, self.passed = self.passed, []
        if prior or passed:
            record = record.model_copy(update={"prior": [*prior, *passed]})
        regular = durable or since(ALL_STEPS_AS_ACTIVITIES)
        run = workflow.execute_activity if regular else workflow.execute_local_activity
        outcome: StepOutcome = await run(
            RECORD_STEP,
            record,
            result_type=StepOutcome,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=STEP_RETRY,
        )
        handed = {id(r) for r in prior}  # written now, with this step
        self.unwritten = [(n, r) for n, r in self.unwritten if id(r) not in handed]
        self._closed([*(close or []), *(cancel or [])])
        return outcome

    def adopt(self, open_tasks: list[OpenTask]) -> None:
        """Count a step the run's starter wrote (the bulk launcher's first steps) as this run's
        next step, opening `open_tasks`: the same record the run would have written, built from
        its input by `domain.opening`, so the input in the history is the step's record."""
        self._next_step(open_tasks)

    def _next_step(self, open_tasks: list[OpenTask]) -> int:
        """Number the run's next step and register the tasks it opens; returns the number."""
        self.seq += 1
        for t in open_tasks:
            self.tasks[t.spec.id] = t
            t.opened_seq = self.seq
        return self.seq

    def _reminders_for(
        self, opened: list[OpenTask] | None, moved: list[OpenTask] | None
    ) -> list[NotificationSpec]:
        """Reminders written ahead for tasks this step opens, re-dates or hands to someone else.

        Whatever was written before for a moved task no longer matches it and is dropped.
        """
        if not (opened or moved) or not self.reminders_ahead():
            return []
        now = workflow.now()
        return [
            note
            for t in [*(opened or []), *(moved or [])]
            if t.level == 0 and not t.done
            for note in reminders_ahead(
                t.spec,
                self.policy,
                self.calendar,
                now,
                assignee_nip=t.assignee_nip,
                assignee_role=t.assignee_role,
                due_at=t.due_at,
            )  # fmt: skip
        ]

    def _reminder_times(self, task: OpenTask) -> list[tuple[int, datetime]]:
        """(days before due, instant) of its reminders, earliest first; none before it opens."""
        return reminder_times(self.policy, self.calendar, task.due_at, task.spec.visible_from)

    @staticmethod
    def _reminder(
        task: OpenTask, days: int, deliver_after: datetime | None = None
    ) -> NotificationSpec:
        return reminder_notice(
            task.spec,
            assignee_nip=task.assignee_nip,
            assignee_role=task.assignee_role,
            due_at=task.due_at,
            days=days,
            deliver_after=deliver_after,
        )

    def _returnable(
        self,
        close: list[OpenTask] | None,
        open_tasks: list[OpenTask] | None,
        cancel: list[OpenTask] | None,
        reassign: list[OpenTask] | None,
        record: StepRecord,
        then_activity: bool,
    ) -> bool:
        """Whether the completion's update returns this step for its caller to write.

        Only a step that closes tasks completed by updates and opens the next task (or is
        followed, whatever happens, by a step activity: `then_activity`): the run goes on
        waiting for that task, so a step its caller failed to write is written by the next step
        activity at the latest. A step whose outcome the workflow reads stays an activity.
        """
        return (
            bool(close and (open_tasks or then_activity))
            and all(t.done for t in close or [])  # done only by a `complete_task` update
            and not (cancel or reassign)
            and record.want_org_predikat is None
            and since(STEPS_RETURNED_BY_UPDATE)
        )

    def _closed(self, tasks: list[OpenTask]) -> None:
        for t in tasks:
            t.persisted = True
            self.tasks.pop(t.spec.id, None)
            self.closed.add(t.spec.id)

    # ---- completions by update ---------------------------------------------------------

    def accept(self, task: OpenTask, payload: BaseModel, by: str) -> None:
        """Mark a task completed by an update; what its opening step wrote is now known written.

        The API completes only a task it read from the database, so the step that opened it and
        every step before it (each writer writes the returned ones in order) are there.
        """
        task.done, task.result, task.by = True, payload, by
        self.unwritten = [(n, r) for n, r in self.unwritten if n > task.opened_seq]

    def steps_to_write(self) -> list[StepRecord]:
        """Returned steps for the update's caller to write, oldest first (each write idempotent)."""
        return [r for _, r in self.unwritten]

    # ---- task lifecycle ----------------------------------------------------------------

    def new_task(self, spec: TaskSpec, *, chain: list[str | None]) -> OpenTask:
        """An open task; `chain` is the escalation ladder after the assignee (atasan, ...)."""
        ladder = [n for n in chain if n]
        if self.swept is None:  # the run's answer, asked in its code, never in a validator
            self.swept = since(ESCALATIONS_SWEPT)
        if self.swept:
            ladder_at = ladder_fields(ladder[0] if ladder else None, self.policy, self.calendar)
            spec = spec.model_copy(update=ladder_at)
        task = OpenTask(
            spec=spec,
            due_at=spec.due_at,
            assignee_nip=spec.assignee_nip,
            assignee_role=spec.assignee_role,
        )
        task.allowed_nips = {n for n in [spec.assignee_nip] if n}
        self._chain[spec.id] = ladder
        return task

    def holder(self, task: OpenTask) -> Holder:
        """Who holds the task now: in a run whose tasks the sweeper escalates, the rung its dates
        give at this instant (at the pause's start while the cycle is paused, as the sweeper
        leaves a paused cycle's tasks alone); otherwise the rung the run's last step wrote."""
        if not self.swept:
            return task.holder()
        return holder_at(task.holder(), task.spec.escalation_nip, self.grace, self._sweep_time())

    def _sweep_time(self) -> datetime:
        """The instant the sweeper's view of the run's tasks stands at (`holder`)."""
        at = workflow.now()
        return at if self.paused_since is None else min(at, self.paused_since)

    def advance(self, tasks: list[OpenTask]) -> None:
        """Bring the tasks to the rung their dates give now, before a step moves them: the step
        writes the holder the sweeper has written or is about to, and each rung passed is the
        sweeper's own step (reassignment, `task_escalated`, the notices; `self.passed`), which
        the step writes first, once by its key: unless the sweeper got there before."""
        if not self.swept:
            return
        at = self._sweep_time()
        for task in tasks:
            while not task.done and task.level < 2 and at >= task.due_at:
                new, step = task_escalation_step(
                    self.workflow_id, task.spec, task.holder(), self.grace, at=task.due_at
                )
                task.level, task.assignee_nip, task.assignee_role, task.due_at = new
                if task.spec.escalation_nip:
                    task.allowed_nips.add(task.spec.escalation_nip)
                self.passed.append(step)

    def ref(self, task: OpenTask) -> TaskRef:
        """The task for a query: as it stands now, escalations by date included."""
        return task.ref(self.holder(task))

    def check_completion(self, c: TaskCompletion) -> tuple[OpenTask, BaseModel]:
        """Validator core: the task is open, the actor may complete it, the payload parses."""
        task = self.tasks.get(c.task_id)
        if c.task_id in self.closed:
            # A repeat of a completion whose caller did not write the returned step (its API died,
            # or the database was down): the refusal carries the step, so the retry writes it.
            unwritten = [r.model_dump(mode="json") for r in self.steps_to_write()]
            carry = {UNWRITTEN_STEPS: unwritten} if unwritten else None
            raise refuse("Conflict", "tugas sudah ditutup", carry=carry)
        if task is None:
            raise refuse("NotFound", f"tugas {c.task_id} tidak ada atau sudah ditutup")
        if task.done:
            raise refuse("Conflict", "tugas sudah diselesaikan")
        if self.ended:
            raise refuse("Conflict", f"siklus sudah dihentikan: {self.ended}")
        opens = task.spec.visible_from
        if opens is not None and workflow.now() < opens:
            raise refuse(
                "Conflict", f"tugas baru dapat dikerjakan mulai {opens:%d-%m-%Y %H:%M} UTC"
            )
        if not self.may_act(task, c.actor.nip, c.actor.roles, self.holder(task)):
            raise refuse("Forbidden", "Anda bukan penanggung jawab tugas ini")
        return task, parse_payload(task.spec.kind, c.payload)

    @staticmethod
    def may_act(task: OpenTask, nip: str | None, roles: list[Role], now: Holder) -> bool:
        """Assignee, anyone the task escalated to, or BKPP for BKPP-owned or fallback tasks;
        `now` is the task's holder at this instant (Desk.holder)."""
        if nip is not None and nip in task.allowed_nips:
            return True
        if nip is not None and now.level >= 1 and nip == task.spec.escalation_nip:
            return True
        bkpp_owned = Role.BKPP in (now.role, task.spec.assignee_role)
        return Role.BKPP in roles and (bkpp_owned or now.level >= 2)

    # ---- waiting with deadlines ----------------------------------------------------------

    async def wait_for(
        self, task: OpenTask, interrupt: Callable[[], bool] | None = None
    ) -> BaseModel | None:
        """Wait until the task is completed, reminding, escalating and falling back meanwhile.

        None when `interrupt()` turned true first (a transfer before a pre-opened task's date).
        """
        stop = interrupt or (lambda: False)
        while not task.done:
            self.raise_if_ended()
            if stop():
                return None
            if self.paused_since is not None:
                await workflow.wait_condition(
                    lambda: (
                        task.done or self.paused_since is None or self.ended is not None or stop()
                    )
                )
                continue
            now = workflow.now()
            at, action = self._next_action(task, now)
            wake = self._waker(task, self.changes, stop)
            if at is None:
                await workflow.wait_condition(wake)
                continue
            try:
                await workflow.wait_condition(wake, timeout=max(at - now, timedelta(0)))
            except TimeoutError:
                if self.timer_steps_durable() and task.done:
                    break  # completed in the same workflow task as the deadline fired
                await action()
        assert task.result is not None
        return task.result

    def _waker(self, task: OpenTask, seen: int, stop: Callable[[], bool]) -> Callable[[], bool]:
        """Wake on completion, a deadline change, a pause, an interrupt or the cycle's end."""
        return lambda: (
            task.done
            or self.changes != seen
            or self.paused_since is not None
            or self.ended is not None
            or stop()
        )

    def raise_if_ended(self) -> None:
        if self.ended is not None:
            raise CycleEnded(self.ended)

    @staticmethod
    def timer_steps_durable() -> bool:
        """Whether this run writes timer-decided steps as regular activities (a patch)."""
        return since(TIMER_STEPS_AS_ACTIVITIES)

    @staticmethod
    def reminders_ahead() -> bool:
        """Whether this run writes reminders to the outbox with the task's steps (a patch).

        Every task of a run is opened by that run, so the run's answer holds for each of them.
        """
        return since(REMINDERS_AHEAD)

    def _next_action(self, task: OpenTask, now: datetime) -> tuple[datetime | None, Any]:
        if task.level == 0 and not self.reminders_ahead():  # else they are in the outbox already
            for days, at in self._reminder_times(task):  # none before the task can be done
                if days not in task.reminded and at > now - timedelta(seconds=1):
                    return at, lambda d=days: self._remind(task, d)
        if task.level < 2 and not self.swept:  # else the sweeper escalates it by its dates
            at = task.due_at
            return at, lambda: self._escalate(task)
        return None, None

    async def _remind(self, task: OpenTask, days: int) -> None:
        task.reminded.add(days)
        await self.record(
            self.step_key(f"remind/{task.spec.step}/{days}"),
            "reminder_sent",
            durable=self.timer_steps_durable(),
            notify=[self._reminder(task, days)],
        )

    async def _escalate(self, task: OpenTask) -> None:
        """A rung up at the due date, written by this run (runs before ESCALATIONS_SWEPT)."""
        ladder = self._chain.get(task.spec.id, [])
        previous = task.assignee_nip
        new = next_holder(task.holder(), ladder[0] if ladder else None, self.grace)
        task.level, task.assignee_nip, task.assignee_role, task.due_at = new
        if new.level == 1 and new.nip:
            task.allowed_nips.add(new.nip)
        await self.record(
            self.step_key(f"escalate/{task.spec.step}/{task.level}"),
            ESCALATED,
            durable=self.timer_steps_durable(),
            reassign=[task],
            notify=escalation_notices(task.spec.title, new, previous),
            details={"task_id": task.spec.id, "level": task.level, "from": previous},
        )

    def shift_deadlines(self, delta: timedelta, only: str | None = None) -> list[OpenTask]:
        """Move due dates (an extension) and wake the waits."""
        moved = [t for t in self.tasks.values() if not t.done and only in (None, t.spec.id)]
        self.advance(moved)  # the extension is of the rung it is on, as before
        for t in moved:
            t.due_at = t.due_at + delta
        self.changes += 1
        return moved

    def resume(self, now: datetime) -> list[OpenTask]:
        """End a pause: every open task gets the paused time back, counted from its opening.

        A task opened ahead of its date gets only the part of the pause after that date.
        """
        assert self.paused_since is not None
        self.advance(list(self.tasks.values()))  # the rung reached by the pause's start
        moved = []
        for t in self.tasks.values():
            if t.done:
                continue
            start = max(self.paused_since, t.spec.visible_from or self.paused_since)
            if now >= start:
                t.due_at = t.due_at + (now - start)
                moved.append(t)
        self.paused_since = None
        self.changes += 1
        return moved
