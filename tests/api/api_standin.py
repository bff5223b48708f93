"""A stand-in AppraisalCycleWorkflow implementing the API contract (keeps API tests independent)."""

from datetime import datetime, timedelta

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.enums import Role, Stage, TaskKind
    from domain.payloads import (
        TASK_PAYLOADS,
        ChangeAck,
        CycleInput,
        CycleStatus,
        ObjectionFiling,
        StatusChange,
        TaskCompleted,
        TaskCompletion,
        appraisal_workflow_id,
    )


# A completion note whose answer is larger than Temporal takes (2 MB): the server refuses the
# workflow task's completion and aborts the update (WorkflowNotReady), which was not applied.
OVERSIZE = "answer too large"


def task_ids(year: int, nip: str) -> dict[str, TaskKind]:
    """The tasks the stand-in opens: an SKP approval (penilai) and an incentive approval (BKPP)."""
    wf = appraisal_workflow_id(year, nip)
    return {
        f"{wf}/skp_approval": TaskKind.SKP_APPROVAL,
        f"{wf}/incentive": TaskKind.INCENTIVE_APPROVAL,
    }


def _refuse(kind: str, message: str, field: str | None = None) -> ApplicationError:
    details = [{"field": field, "reason": message}] if field else []
    return ApplicationError(message, details, type=kind, non_retryable=True)


@workflow.defn(name="AppraisalCycleWorkflow")
class StandInCycle:
    # The input in __init__, as the real workflow has it: a workflow task that replays the run
    # from its start (after an eviction) runs an update's validator before `run` has begun.
    @workflow.init
    def __init__(self, inp: CycleInput) -> None:
        self.done: set[str] = set()
        self.completions = 0
        self.stage = Stage.PERENCANAAN
        self.inp: CycleInput | None = inp
        self.tasks: dict[str, TaskKind] = task_ids(inp.year, inp.nip)
        self.stop = False
        self.next_stage_at: datetime | None = None  # tindak lanjut from then (schedule_stage)

    @workflow.run
    async def run(self, inp: CycleInput) -> str:
        await workflow.wait_condition(lambda: self.stop)
        return "stopped"

    @workflow.update(name="complete_task")
    async def complete_task(self, c: TaskCompletion) -> TaskCompleted:
        if c.payload.get("note") == OVERSIZE:  # the server refuses the task's completion
            return TaskCompleted(task_id=c.task_id, stage=self.stage, message="x" * 3_000_000)
        self.done.add(c.task_id)  # before the first await: a concurrent twin's validator sees it
        self.completions += 1
        await workflow.sleep(timedelta(milliseconds=300))
        self.stage = Stage.PELAKSANAAN
        return TaskCompleted(task_id=c.task_id, stage=self.stage, message="selesai")

    @complete_task.validator
    def _check(self, c: TaskCompletion) -> None:
        assert self.inp is not None
        kind = self.tasks.get(c.task_id)
        if kind is None:
            raise _refuse("NotFound", "tugas tidak ada")
        if c.task_id in self.done:
            raise _refuse("Conflict", "tugas sudah diselesaikan")
        if kind is TaskKind.INCENTIVE_APPROVAL:
            allowed = Role.BKPP in c.actor.roles
        else:
            allowed = c.actor.nip == self.inp.placement.penilai_nip or Role.BKPP in c.actor.roles
        if not allowed:
            raise _refuse("Forbidden", "bukan penerima tugas")
        try:
            TASK_PAYLOADS[kind].model_validate(c.payload)
        except ValidationError as exc:
            fields = [
                {"field": ".".join(map(str, e["loc"])), "reason": e["msg"]} for e in exc.errors()
            ]
            raise ApplicationError(
                "payload tidak sah", fields, type="InvalidPayload", non_retryable=True
            ) from None

    @workflow.update(name="file_objection")
    async def file_objection(self, f: ObjectionFiling) -> ChangeAck:
        return ChangeAck(stage=self.stage, message="keberatan diterima")

    @file_objection.validator
    def _check_objection(self, f: ObjectionFiling) -> None:
        if self.stage is not Stage.KEBERATAN:
            raise _refuse("Conflict", "masa keberatan tidak sedang berjalan")

    @workflow.update(name="change_status")
    async def change_status(self, s: StatusChange) -> ChangeAck:
        if s.status.is_terminal:
            self.stop = True
        return ChangeAck(stage=self.stage, message=f"status {s.status.value}")

    @workflow.update(name="schedule_stage")
    async def schedule_stage(self, at: datetime) -> None:
        """The calendar moves the cycle to tindak lanjut at `at`, with no step (incentive-ahead)."""
        self.stage = Stage.KEBERATAN
        self.next_stage_at = at

    @workflow.query(name="status")
    def status(self) -> CycleStatus:
        assert self.inp is not None
        return CycleStatus(
            workflow_id=appraisal_workflow_id(self.inp.year, self.inp.nip),
            stage=self.stage,
            skp_status=None,
            paused=False,
            open_tasks=[],
            period_results=[],
            annual=None,
            objection=None,
            incentive=None,
            jp_earned=0,
            outcome=None,
            next_stage=Stage.TINDAK_LANJUT if self.next_stage_at else None,
            next_stage_at=self.next_stage_at,
        )

    @workflow.query(name="completions")
    def completions_query(self) -> int:
        return self.completions
