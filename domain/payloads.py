"""Models that cross Temporal: workflow inputs, update payloads, step records and results."""

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from domain.calendar import CycleCalendar
from domain.enums import (
    EmploymentStatus,
    FollowUp,
    JenisJabatan,
    OrgPredikat,
    Predikat,
    Rating,
    Role,
    SkpStatus,
    Stage,
    TaskKind,
    TaskStatus,
    TrainingType,
)
from domain.policy import Policy
from domain.skp import RealisationReport, Skp


def _refuse_nul(value: Any) -> Any:
    """NUL cannot be stored in PostgreSQL text: refuse it before a workflow accepts it."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("teks tidak boleh memuat karakter NUL (\\x00)")
    elif isinstance(value, dict):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    return value


# Set while a model's input, walked once for NUL, is validated: its nested models skip the walk.
_NUL_CHECKED: ContextVar[bool] = ContextVar("nul_checked", default=False)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _no_nul(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """The outermost model walks its whole input once; each nested model used to walk its
        own part again (60 % of decoding a completion's 4 KB result, measured)."""
        if _NUL_CHECKED.get():
            return handler(data)
        _refuse_nul(data)
        token = _NUL_CHECKED.set(True)
        try:
            return handler(data)
        finally:
            _NUL_CHECKED.reset(token)


def appraisal_workflow_id(year: int, nip: str) -> str:
    """Business key of an employee-year: a repeated start is refused by Temporal."""
    return f"appraisal-{year}-{nip}"


class Placement(Frozen):
    """Where an employee sits: snapshotted into every period result (transfers happen)."""

    unit_code: str
    position: str
    jenis_jabatan: JenisJabatan
    penilai_nip: str | None
    atasan_penilai_nip: str | None = None
    is_unit_head: bool = False


class CycleInput(Frozen):
    """Everything an employee-year needs; the calendar is built by the launcher from `now`."""

    year: int
    nip: str
    name: str
    placement: Placement
    status: EmploymentStatus = EmploymentStatus.AKTIF
    is_pns: bool = True
    policy: Policy
    calendar: CycleCalendar
    # Set by the bulk launcher: it wrote the cycle's first step (domain.opening.opening_step at
    # this instant) before it started the run, and the run adopts that step instead of writing it.
    opened_at: datetime | None = None


class PeriodResult(Frozen):
    index: int
    label: str
    placement: Placement
    hasil_kerja: Rating
    perilaku: Rating
    perilaku_values: dict[str, Rating]
    predikat: Predikat
    feedback: str
    rated_by: str
    rated_at: datetime


class AnnualResult(Frozen):
    hasil_kerja: Rating
    perilaku: Rating
    predikat: Predikat
    feedback: str
    rated_by: str
    rated_at: datetime


class ObjectionRecord(Frozen):
    reasons: str
    filed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    changed: bool | None = None
    note: str | None = None
    final_predikat: Predikat | None = None


class IncentiveDecision(Frozen):
    predikat: Predikat
    tpp_share_percent: int
    follow_ups: list[FollowUp]
    approved_by: str | None = None
    approved_at: datetime | None = None
    note: str | None = None


class TaskRef(Frozen):
    """An open task as the workflow tracks it (the database holds the full row)."""

    id: str
    step: str
    kind: TaskKind
    assignee_nip: str | None
    assignee_role: Role | None = None
    due_at: datetime
    escalation_level: int = 0
    period_index: int | None = None
    visible_from: datetime | None = None
    # The ladder above the holder (TaskSpec): the level, holder and due date at a later instant
    # follow from these (domain.escalation.holder_at), without a step in between.
    escalation_nip: str | None = None
    escalation_grace_s: float | None = None


class CycleStatus(BaseModel):
    """Answer of the `status` query: where the year stands."""

    workflow_id: str
    stage: Stage
    skp_status: SkpStatus | None
    paused: bool
    open_tasks: list[TaskRef]
    period_results: list[PeriodResult]
    annual: AnnualResult | None
    objection: ObjectionRecord | None
    incentive: IncentiveDecision | None
    jp_earned: int
    outcome: str | None
    # What the calendar alone changes after the run's last workflow task, which a query cannot
    # see (its clock stands at that task): domain.status.status_as_of applies it at read time.
    next_stage: Stage | None = None
    next_stage_at: datetime | None = None
    next_incentive: IncentiveDecision | None = None  # shown from next_stage_at (tindak lanjut)


# ---- human actions (Temporal Updates) -------------------------------------------------


class Actor(Frozen):
    """Who acts, as authenticated by the API (the workflow checks, not trusts, the claim)."""

    nip: str | None
    roles: list[Role] = Field(default_factory=list)
    username: str


class TaskCompletion(Frozen):
    task_id: str
    actor: Actor
    payload: dict[str, Any] = Field(default_factory=dict)


class TaskCompleted(Frozen):
    task_id: str
    stage: Stage
    next_task_ids: list[str] = Field(default_factory=list)
    message: str = ""
    # Steps the caller writes before it answers, in order (STEPS_RETURNED_BY_UPDATE): the step
    # this completion decided and any earlier returned step not yet known to be written.
    steps: list["StepRecord"] = Field(default_factory=list)


class Transfer(Frozen):
    placement: Placement
    reason: str = Field(min_length=1, max_length=500)
    actor: Actor


class StatusChange(Frozen):
    status: EmploymentStatus
    reason: str = Field(min_length=1, max_length=500)
    actor: Actor


class DeadlineExtension(Frozen):
    days: int = Field(ge=1, le=180)
    reason: str = Field(min_length=1, max_length=500)
    actor: Actor
    task_id: str | None = None  # None: every open task of the cycle


class ObjectionFiling(Frozen):
    reasons: str = Field(min_length=10, max_length=5000)
    actor: Actor


class ChangeAck(Frozen):
    stage: Stage
    message: str


# ---- task payloads, validated by the update validator -----------------------------------


class SkpSubmission(Frozen):
    skp: Skp


class SkpReview(Frozen):
    approve: bool
    note: str = Field(default="", max_length=2000)


class RealisationSubmission(Frozen):
    report: RealisationReport


class RatingSubmission(Frozen):
    hasil_kerja: Rating
    perilaku: Rating
    perilaku_values: dict[str, Rating] = Field(default_factory=dict)
    utama_ratings: list[Rating] = Field(default_factory=list)
    feedback: str = Field(min_length=1, max_length=5000)


class TrainingReport(Frozen):
    jp_earned: int = Field(ge=0, le=1000)
    certificate_url: str = Field(min_length=8, max_length=1000, pattern=r"^https?://")
    note: str = Field(default="", max_length=2000)


class TrainingVerification(Frozen):
    verified: bool
    note: str = Field(default="", max_length=2000)


class ObjectionDecision(Frozen):
    change: bool
    hasil_kerja: Rating | None = None
    perilaku: Rating | None = None
    note: str = Field(min_length=1, max_length=5000)


class IncentiveApproval(Frozen):
    approve: bool
    note: str = Field(default="", max_length=2000)


TASK_PAYLOADS: dict[TaskKind, type[BaseModel]] = {
    TaskKind.SKP_DRAFT: SkpSubmission,
    TaskKind.SKP_APPROVAL: SkpReview,
    TaskKind.REALISATION: RealisationSubmission,
    TaskKind.PERIOD_RATING: RatingSubmission,
    TaskKind.ANNUAL_RATING: RatingSubmission,
    TaskKind.TRAINING_COMPLETION: TrainingReport,
    TaskKind.TRAINING_VERIFICATION: TrainingVerification,
    TaskKind.OBJECTION_DECISION: ObjectionDecision,
    TaskKind.INCENTIVE_APPROVAL: IncentiveApproval,
}


# ---- what one step writes (one activity, one transaction) ------------------------------


class TaskSpec(Frozen):
    id: str
    step: str
    kind: TaskKind
    title: str
    assignee_nip: str | None
    assignee_role: Role | None = None
    subject_nip: str
    unit_code: str
    period_index: int | None = None
    due_at: datetime
    escalation_level: int = 0
    context: dict[str, Any] = Field(default_factory=dict)
    # When set, the activity attaches citizen feedback received in [start, end) as evidence.
    feedback_window: tuple[datetime, datetime] | None = None
    # A task opened ahead of its date (a period's realisation report, written with the step that
    # rates the previous period): hidden from inboxes and refused until then.
    visible_from: datetime | None = None
    # Its escalation ladder (runs from `escalations-swept` on): overdue, it goes to this atasan
    # (None: straight to BKPP), and each rung gets this many seconds more; the escalation sweeper
    # moves it up. None for a task whose workflow escalates it itself.
    escalation_nip: str | None = None
    escalation_grace_s: float | None = None


class TaskClosure(Frozen):
    id: str
    status: TaskStatus
    by: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)


class TaskReassignment(Frozen):
    id: str
    assignee_nip: str | None
    assignee_role: Role | None = None
    escalation_level: int
    due_at: datetime


class NotificationSpec(Frozen):
    recipient_nip: str | None
    recipient_role: Role | None = None
    subject: str
    body: str
    deliver_after: datetime | None = None  # held in the outbox until then (a pre-opened task)
    # A reminder written ahead: delivered only if, at `deliver_after`, the task is still open,
    # not escalated, due at `task_due_at`, assigned to this recipient and its cycle not paused.
    task_id: str | None = None
    task_due_at: datetime | None = None


class CycleSnapshot(Frozen):
    """The per-employee read model as the workflow sees it after a step."""

    year: int
    nip: str
    unit_code: str
    penilai_nip: str | None
    stage: Stage
    # The stage the calendar alone moves the cycle to at `next_stage_at` (the objection window's
    # end, when the incentive approval was written ahead), for the sweeper to write then.
    next_stage: Stage | None = None
    next_stage_at: datetime | None = None
    skp_status: SkpStatus | None
    period_predikats: dict[str, Predikat] = Field(default_factory=dict)
    annual_predikat: Predikat | None = None
    tpp_share: int | None = None
    follow_ups: list[FollowUp] = Field(default_factory=list)
    jp_earned: int = 0
    outcome: str | None = None
    closed: bool = False


class TrainingSpec(Frozen):
    nip: str
    year: int
    training_type: TrainingType
    jp_planned: int
    due_at: datetime
    status: str
    jp_earned: int = 0
    certificate_url: str | None = None
    verified_by: str | None = None


class StepRecord(Frozen):
    """One step of a cycle: the workflow decides, one activity writes it all in one transaction."""

    workflow_id: str
    step: str
    at: datetime
    actor: str
    action: str
    cycle: CycleSnapshot | None = None
    close_tasks: list[TaskClosure] = Field(default_factory=list)
    open_tasks: list[TaskSpec] = Field(default_factory=list)
    reassign: list[TaskReassignment] = Field(default_factory=list)
    notifications: list[NotificationSpec] = Field(default_factory=list)
    training: TrainingSpec | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    want_org_predikat: str | None = None  # unit code whose org predikat the step should return
    # Whose record the audit event is on when the step carries no read model (`cycle`): the
    # escalation sweeper's steps.
    subject_nip: str | None = None
    # Steps an update returned that may not be written yet: written first, in order, each once.
    prior: list["StepRecord"] = Field(default_factory=list)


TaskCompleted.model_rebuild()

# Key in the details of a completion's Conflict refusal: returned steps not known to be written,
# for the API to write before it answers 409 (a repeat after a lost write heals the record).
UNWRITTEN_STEPS = "unwritten_steps"


def unwritten_steps(details: Sequence[Any]) -> list[StepRecord]:
    """The steps a refusal carries (its details as decoded by the client), or none."""
    found = [d[UNWRITTEN_STEPS] for d in details if isinstance(d, dict) and UNWRITTEN_STEPS in d]
    return [StepRecord.model_validate(r) for r in (found[0] if found else [])]


class StepOutcome(Frozen):
    applied: bool
    org_predikat: OrgPredikat | None = None
    step: str | None = None  # the step key, so the history names what each step wrote


# ---- training child workflow -------------------------------------------------------------


class TrainingInput(Frozen):
    parent_workflow_id: str
    year: int
    nip: str
    unit_code: str
    penilai_nip: str | None
    atasan_penilai_nip: str | None
    training_type: TrainingType
    jp_planned: int
    reason: str
    due_at: datetime
    policy: Policy
    calendar: CycleCalendar


class TrainingOutcome(Frozen):
    verified: bool
    jp_earned: int
    certificate_url: str | None = None
