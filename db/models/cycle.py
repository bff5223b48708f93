"""The yearly cycle, the per-employee read model and the human task inbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from db.models.base import enum_field, json_field, utcnow
from domain.enums import CalendarKind, Predikat, Role, SkpStatus, Stage, TaskKind, TaskStatus


class Cycle(SQLModel, table=True):
    """One performance year as opened by BKPP, with the policy it runs under."""

    __tablename__ = "cycle"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    calendar_kind: CalendarKind = enum_field(CalendarKind)
    policy: dict[str, Any] = json_field(default_factory=dict)
    policy_version: int = 1
    # Set in demos and tests: one performance year compressed into this many minutes.
    compressed_minutes: float | None = None
    opened_at: datetime = Field(default_factory=utcnow)
    opened_by: str


class CycleRecord(SQLModel, table=True):
    """Read model of one employee-year, written by activities as the workflow moves."""

    __tablename__ = "cycle_record"
    __table_args__ = (
        Index("ix_cycle_record_year_unit", "year", "unit_code"),
        Index("ix_cycle_record_year_stage", "year", "stage"),
        # the sweeper's search: cycles whose next stage is due (activities/escalation.py)
        Index("ix_cycle_record_next_stage", "next_stage_at"),
    )

    workflow_id: str = Field(primary_key=True, max_length=100)
    year: int
    nip: str = Field(index=True, max_length=18)
    unit_code: str = Field(max_length=64)
    penilai_nip: str | None = Field(default=None, max_length=18)
    stage: Stage = enum_field(Stage)
    # The stage the calendar alone moves the cycle to, and when (the objection window's end);
    # the worker's sweeper writes it then, as no step of the workflow does.
    next_stage: Stage | None = enum_field(Stage, nullable=True, default=None)
    next_stage_at: datetime | None = None
    skp_status: SkpStatus | None = enum_field(SkpStatus, nullable=True, default=None)
    period_predikats: list[Any] = json_field(default_factory=list)
    annual_predikat: Predikat | None = enum_field(Predikat, nullable=True, default=None)
    tpp_share: int | None = None
    follow_ups: list[str] = json_field(default_factory=list)
    outcome: str | None = None
    jp_earned: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Task(SQLModel, table=True):
    """A human to-do of a workflow step; id "{workflow_id}/{step}" makes writes idempotent."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("workflow_id", "step"),
        Index("ix_task_inbox", "assignee_nip", "status", "due_at"),
        Index("ix_task_unit_status", "unit_code", "status"),
        # the escalation sweeper's search: open tasks below BKPP whose due date has passed
        Index("ix_task_sweep", "status", "escalation_level", "due_at"),
    )

    id: str = Field(primary_key=True, max_length=200)
    workflow_id: str = Field(max_length=100)
    step: str = Field(max_length=100)
    kind: TaskKind = enum_field(TaskKind)
    title: str
    # None for pool tasks (BKPP), which are routed by assignee_role instead.
    assignee_nip: str | None = Field(default=None, max_length=18)
    assignee_role: Role | None = enum_field(Role, nullable=True, default=None)
    subject_nip: str = Field(max_length=18)
    unit_code: str = Field(max_length=64)
    period_index: int | None = None
    status: TaskStatus = enum_field(TaskStatus, default=TaskStatus.OPEN)
    due_at: datetime | None = None
    # Opened ahead of its date (a period's realisation report): not in inboxes until then.
    visible_from: datetime | None = None
    escalation_level: int = 0  # 0 penilai, 1 atasan penilai, 2 BKPP
    # The ladder the escalation sweeper moves an overdue task up (activities/escalation.py): the
    # atasan it goes to first (None: straight to BKPP) and the grace each rung gets, in seconds.
    # None for a task of a run that escalates its tasks itself (before `escalations-swept`).
    escalation_nip: str | None = Field(default=None, max_length=18)
    escalation_grace_s: float | None = None
    context: dict[str, Any] = json_field(default_factory=dict)
    result: dict[str, Any] | None = json_field(nullable=True, default=None)
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    completed_by: str | None = Field(default=None, max_length=64)


def task_visible(now: datetime) -> ColumnElement[bool]:
    """Tasks that can be worked at `now`: not opened ahead of a later date."""
    return col(Task.visible_from).is_(None) | (col(Task.visible_from) <= now)
