"""Payload models that cross Temporal refuse what the database could never store."""

import json

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.enums import TaskKind
from domain.payloads import (
    TASK_PAYLOADS,
    RatingSubmission,
    SkpReview,
    StepRecord,
    TaskCompleted,
    TaskSpec,
)


def test_nul_anywhere_in_a_task_payload_is_refused():
    with pytest.raises(ValidationError, match="NUL"):
        RatingSubmission.model_validate(
            {
                "hasil_kerja": "Sesuai Ekspektasi",
                "perilaku": "Sesuai Ekspektasi",
                "feedback": "baik\x00",
            }
        )
    nested = {"skp": {"nip": "198609262015051001", "hasil_kerja": [{"rhk": "x\x00"}]}}
    with pytest.raises(ValidationError, match="NUL"):
        TASK_PAYLOADS[TaskKind.SKP_DRAFT].model_validate(nested)


def test_ordinary_unicode_is_kept():
    note = "Perlu perbaikan target 📈 — سلام\u200b"
    assert SkpReview.model_validate({"approve": False, "note": note}).note == note


def _step(**extra):
    return {
        "workflow_id": "appraisal-2031-198609262015051001",
        "step": "s1",
        "at": "2031-01-01T00:00:00Z",
        "actor": "system",
        "action": "cycle_started",
        **extra,
    }


def test_nul_deep_in_a_returned_step_is_refused_from_json_and_alone():
    """The outermost model walks its input once for all the models inside it; a nested model
    validated on its own, after an outer one succeeded, still walks its own."""
    nested = _step(open_tasks=[{"id": "t", "step": "s", "kind": "realisation", "title": "x",
                                "assignee_nip": None, "subject_nip": "1", "unit_code": "U",
                                "due_at": "2031-02-01T00:00:00Z",
                                "context": {"skp": {"rhk": ["ok", "x\x00"]}}}])  # fmt: skip
    outer = {"task_id": "t", "stage": "perencanaan", "steps": [nested]}
    with pytest.raises(ValidationError, match="NUL"):
        TypeAdapter(TaskCompleted).validate_json(json.dumps(outer))
    assert TaskCompleted.model_validate({**outer, "steps": [_step()]}).steps[0].step == "s1"
    with pytest.raises(ValidationError, match="NUL"):
        StepRecord.model_validate(nested)
    with pytest.raises(ValidationError, match="NUL"):
        TaskSpec.model_validate(nested["open_tasks"][0])
