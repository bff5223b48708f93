"""Tasks in the inbox and the completion request."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import Role, TaskKind, TaskStatus


class TaskPublic(BaseModel):
    """A task as listed in an inbox."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    workflow_id: str
    kind: TaskKind
    title: str
    assignee_nip: str | None
    assignee_role: Role | None
    subject_nip: str
    unit_code: str
    period_index: int | None
    status: TaskStatus
    due_at: datetime | None
    visible_from: datetime | None = None  # opened ahead: not actionable before this time
    escalation_level: int
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None


class TaskDetail(TaskPublic):
    """A task with everything needed to decide: SKP, realisation, evidence, feedback, history."""

    context: dict[str, Any]
    result: dict[str, Any] | None
    can_complete: bool


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int


TASK_EXAMPLES: dict[str, Any] = {
    "skp_approval": {
        "summary": "Approve an SKP",
        "value": {"payload": {"approve": True, "note": "Sesuai dengan RHK pimpinan"}},
    },
    "period_rating": {
        "summary": "Rate a period",
        "value": {
            "payload": {
                "hasil_kerja": "Sesuai Ekspektasi",
                "perilaku": "Sesuai Ekspektasi",
                "feedback": "Pertahankan kinerja pelayanan.",
            }
        },
    },
    "incentive_approval": {
        "summary": "Approve an incentive decision (BKPP)",
        "value": {"payload": {"approve": True, "note": ""}},
    },
    "training_completion": {
        "summary": "Report a completed training",
        "value": {
            "payload": {"jp_earned": 4, "certificate_url": "https://lms.example.go.id/c/123"}
        },
    },
}


class TaskComplete(BaseModel):
    """The task's payload; its model depends on the task kind (see TASK_PAYLOADS)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"payload": {"approve": True, "note": "Disetujui"}}]}
    )

    payload: dict[str, Any] = Field(default_factory=dict)


class TaskCompletedPublic(BaseModel):
    """The workflow's answer: the task is done and the cycle's new stage."""

    task_id: str
    stage: str
    next_task_ids: list[str]
    message: str
