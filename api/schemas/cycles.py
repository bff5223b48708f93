"""Cycles (years opened by BKPP), employee-year read models and the actions on them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.tasks import TaskPublic
from domain.enums import CalendarKind, Predikat, SkpStatus, Stage
from domain.payloads import CycleStatus


class CycleCreate(BaseModel):
    """Open a performance year: calendar kind, policy overrides, optional demo compression."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2027,
                    "calendar_kind": "quarterly",
                    "policy": {"rating_due_days": 14, "version": "semarang-2027"},
                    "compressed_minutes": None,
                }
            ]
        },
    )

    year: int = Field(ge=2000, le=2200)
    calendar_kind: CalendarKind = CalendarKind.QUARTERLY
    policy: dict[str, Any] = Field(default_factory=dict, description="overrides of Policy")
    compressed_minutes: float | None = Field(default=None, gt=0, le=525_600)


class CyclePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    calendar_kind: CalendarKind
    policy: dict[str, Any]
    policy_version: int
    compressed_minutes: float | None
    opened_at: datetime
    opened_by: str


class CyclesPublic(BaseModel):
    data: list[CyclePublic]
    count: int


class CycleRecordPublic(BaseModel):
    """One employee-year as the workflow last wrote it."""

    model_config = ConfigDict(from_attributes=True)

    workflow_id: str
    year: int
    nip: str
    unit_code: str
    penilai_nip: str | None
    stage: Stage
    skp_status: SkpStatus | None
    period_predikats: list[Any]
    annual_predikat: Predikat | None
    tpp_share: int | None
    follow_ups: list[str]
    outcome: str | None
    jp_earned: int
    started_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CycleRecordsPublic(BaseModel):
    data: list[CycleRecordPublic]
    count: int


class CycleDetail(BaseModel):
    """Read model, live workflow status (None when the workflow cannot answer) and tasks."""

    record: CycleRecordPublic
    status: CycleStatus | None
    tasks: list[TaskPublic]


class ObjectionCreate(BaseModel):
    """An objection to the annual result (PP 30/2019 Ps. 59), with reasons."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reasons": "Capaian indikator layanan melebihi target 120%."}]
        }
    )

    reasons: str = Field(min_length=10, max_length=5000)


class ChangeAckPublic(BaseModel):
    """The workflow's acknowledgement of a change."""

    stage: Stage
    message: str
