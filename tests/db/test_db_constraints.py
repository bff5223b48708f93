"""Unique constraints that make retried activity writes no-ops, and enum/time column behaviour."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

from db.engine import session_scope
from db.models import CitizenFeedback, Notification, OrgUnit, Task
from domain.enums import TaskKind, TaskStatus, UnitKind

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def _task(task_id: str, step: str = "skp_approval") -> Task:
    return Task(
        id=task_id, workflow_id="appraisal-2027-198609262015051001", step=step,
        kind=TaskKind.SKP_APPROVAL, title="Setujui SKP", assignee_nip="197003141995031001",
        subject_nip="198609262015051001", unit_code="DINKES", due_at=NOW,
        context={"skp_version": 1}, created_at=NOW,
    )  # fmt: skip


def test_task_workflow_step_unique(session: Session) -> None:
    session.add(_task("appraisal-2027-198609262015051001/skp_approval"))
    session.commit()
    session.add(_task("another-id"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_notification_key_unique(session: Session) -> None:
    session.add(Notification(key="wf/step/email", recipient_nip="1", subject="s", body="b"))
    session.commit()
    session.add(Notification(key="wf/step/email", recipient_nip="2", subject="s", body="b"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_enum_round_trip_and_aware_times(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(_task("t/1", step="s1"))
    with Session(engine) as s:
        task = s.get(Task, "t/1")
        assert task is not None
        assert task.status is TaskStatus.OPEN
        assert task.kind is TaskKind.SKP_APPROVAL
        assert task.due_at == NOW
        assert task.due_at.tzinfo is not None


def test_unknown_enum_value_is_refused(session: Session) -> None:
    session.add(OrgUnit(code="X", name="X", kind="Kantor"))  # type: ignore[arg-type]
    with pytest.raises(StatementError):
        session.commit()


def test_feedback_rating_range(session: Session) -> None:
    session.add(OrgUnit(code="DINKES", name="Dinas Kesehatan", kind=UnitKind.DINAS))
    session.commit()
    session.add(CitizenFeedback(unit_code="DINKES", rating=6, client_hash="h"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_foreign_keys_enforced(session: Session) -> None:
    session.add(CitizenFeedback(unit_code="NOPE", rating=5, client_hash="h"))
    with pytest.raises(IntegrityError):
        session.commit()
