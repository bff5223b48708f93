"""The employee's own cycles (and, scoped, other people's), and filing an objection."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from sqlmodel import Session, col, select

from api.actions import query_status, send_update
from api.authz import ensure_can_read
from api.deps import CurrentUser, Principal, SessionDep, TemporalDep
from api.errors import ApiError, not_found
from api.schemas.common import ERRORS
from api.schemas.cycles import (
    ChangeAckPublic,
    CycleDetail,
    CycleRecordPublic,
    CycleRecordsPublic,
    ObjectionCreate,
)
from api.schemas.tasks import TaskPublic
from db.models import CycleRecord, Task
from domain.payloads import ChangeAck, CycleStatus, ObjectionFiling, appraisal_workflow_id
from domain.status import status_as_of

router = APIRouter(tags=["me"], responses=ERRORS)

Year = Annotated[int, Path(ge=2000, le=2200)]


def _my_nip(principal: Principal) -> str:
    if principal.nip is None:
        raise ApiError(403, "forbidden", "akun ini tidak terhubung dengan NIP pegawai")
    return principal.nip


def _record(session: Session, year: int, nip: str) -> CycleRecord:
    rec = session.get(CycleRecord, appraisal_workflow_id(year, nip))
    if rec is None:
        raise not_found(f"siklus {year} untuk NIP {nip}")
    return rec


async def _detail(session: Session, temporal: TemporalDep, rec: CycleRecord) -> CycleDetail:
    tasks = session.exec(
        select(Task).where(Task.workflow_id == rec.workflow_id).order_by(col(Task.created_at))
    ).all()
    status = await query_status(temporal, rec.workflow_id, CycleStatus)
    return CycleDetail(
        record=CycleRecordPublic.model_validate(rec),
        # As of now, not of the run's last workflow task: the stage at the objection window's
        # end and an overdue task's holder, as the read model has them from the sweeper.
        status=status_as_of(status, datetime.now(UTC)) if status else None,
        tasks=[TaskPublic.model_validate(t) for t in tasks],
    )


@router.get("/me/cycles", summary="My performance years", response_model=CycleRecordsPublic)
def my_cycles(session: SessionDep, principal: CurrentUser) -> CycleRecordsPublic:
    """Every year of the caller's own cycles, newest first."""
    nip = _my_nip(principal)
    rows = session.exec(
        select(CycleRecord).where(CycleRecord.nip == nip).order_by(col(CycleRecord.year).desc())
    ).all()
    return CycleRecordsPublic(
        data=[CycleRecordPublic.model_validate(r) for r in rows], count=len(rows)
    )


@router.get(
    "/me/cycles/{year}", summary="My performance year in detail", response_model=CycleDetail
)
async def my_cycle(
    year: Year, session: SessionDep, principal: CurrentUser, temporal: TemporalDep
) -> CycleDetail:
    """Read model, live status from the workflow, and the year's tasks."""
    return await _detail(session, temporal, _record(session, year, _my_nip(principal)))


@router.get(
    "/cycles/{year}/employees/{nip}",
    summary="An employee's performance year (scoped)",
    response_model=CycleDetail,
)
async def employee_cycle(
    year: Year, nip: str, session: SessionDep, principal: CurrentUser, temporal: TemporalDep
) -> CycleDetail:
    """Self, penilai of the employee, Kepala OPD of the unit, BKPP and auditors; 403 otherwise."""
    rec = _record(session, year, nip)
    ensure_can_read(session, principal, rec.nip, rec.unit_code)
    return await _detail(session, temporal, rec)


@router.post(
    "/me/cycles/{year}/objection",
    summary="File an objection to my annual result",
    response_model=ChangeAckPublic,
    responses={409: {"description": "Not in the objection window, or already filed"}},
)
async def file_objection(
    year: Year,
    body: ObjectionCreate,
    session: SessionDep,
    principal: CurrentUser,
    temporal: TemporalDep,
) -> ChangeAckPublic:
    """Sent to the workflow, which checks the 14-day window and routes it to the atasan."""
    rec = _record(session, year, _my_nip(principal))
    filing = ObjectionFiling(reasons=body.reasons, actor=principal.actor)
    session.commit()  # release the connection while the workflow decides
    ack = await send_update(temporal, rec.workflow_id, "file_objection", filing, ChangeAck)
    return ChangeAckPublic(stage=ack.stage, message=ack.message)
