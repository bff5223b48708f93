"""Payload models that cross Temporal refuse what the database could never store."""

import pytest
from pydantic import ValidationError

from domain.enums import TaskKind
from domain.payloads import TASK_PAYLOADS, RatingSubmission, SkpReview


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
