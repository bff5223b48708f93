"""Inspektorat (read only): cycles, their Temporal history, the decision trail, the audit log."""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio.service import RPCError, RPCStatusCode

from api.authz import require_roles
from api.deps import CurrentUser, Principal, SessionDep, TemporalDep
from api.errors import ApiError, not_found
from api.pagination import PageDep
from api.schemas.common import ERRORS
from api.schemas.cycles import CycleRecordPublic, CycleRecordsPublic
from api.trail import ReminderEntry, TrailEntry, reminders, trail
from db.audit import ChainReport, verify_chain
from db.models import AuditEvent, CycleRecord, HistoryArchive, Notification
from domain.enums import Predikat, Role, Stage

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS)

AUDIT_READERS = (Role.AUDITOR, Role.BKPP, Role.ADMIN)


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    workflow_id: str | None
    nip: str | None
    before: Any
    after: Any
    prev_hash: str
    hash: str


class AuditEventsPublic(BaseModel):
    data: list[AuditEventPublic]
    count: int


class TrailPublic(BaseModel):
    workflow_id: str
    data: list[TrailEntry]
    # Deadline reminders are notices, not decisions: they are not in the audit chain (cycles
    # begun before patch reminders-ahead have them there as `reminder_sent`).
    reminders: list[ReminderEntry] = []


def _reader(principal: Principal) -> None:
    require_roles(principal, *AUDIT_READERS)


def _record(session: Session, workflow_id: str) -> CycleRecord:
    rec = session.get(CycleRecord, workflow_id)
    if rec is None:
        raise not_found("siklus")
    return rec


@router.get("/cycles", summary="Search cycles", response_model=CycleRecordsPublic)
def search_cycles(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    stage: Stage | None = None,
    predikat: Predikat | None = None,
    nip: Annotated[str | None, Query(max_length=18)] = None,
) -> CycleRecordsPublic:
    """By year, unit, stage, annual predicate and NIP."""
    _reader(principal)
    stmt = select(CycleRecord)
    for column, value in (
        (CycleRecord.year, year),
        (CycleRecord.unit_code, unit),
        (CycleRecord.stage, stage),
        (CycleRecord.annual_predikat, predikat),
        (CycleRecord.nip, nip),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    stmt = stmt.order_by(col(CycleRecord.workflow_id)).offset(page.offset).limit(page.size)
    rows = [CycleRecordPublic.model_validate(r) for r in session.exec(stmt)]
    return CycleRecordsPublic(data=rows, count=count)


@router.get(
    "/cycles/{workflow_id}/history",
    summary="Full Temporal event history of a cycle (JSON download)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def history(
    workflow_id: str, session: SessionDep, principal: CurrentUser, temporal: TemporalDep
) -> Response:
    """From the audit store once archived, else live from Temporal."""
    _reader(principal)
    archived = session.get(HistoryArchive, workflow_id)
    headers = {"Content-Disposition": f'attachment; filename="{workflow_id}.history.json"'}
    if archived is not None:
        headers["X-History-Source"] = "archive"
        return Response(archived.history_json, media_type="application/json", headers=headers)
    _record(session, workflow_id)
    client = await temporal.client()
    try:
        hist = await client.get_workflow_handle(workflow_id).fetch_history()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found("riwayat Temporal siklus ini (belum diarsipkan)") from exc
        raise ApiError(503, "temporal_unavailable", "Temporal tidak dapat dihubungi") from exc
    headers["X-History-Source"] = "temporal"
    return Response(json.dumps(hist.to_json_dict()), media_type="application/json", headers=headers)


@router.get(
    "/cycles/{workflow_id}/trail",
    summary="Decision trail in plain words",
    response_model=TrailPublic,
)
def decision_trail(workflow_id: str, session: SessionDep, principal: CurrentUser) -> TrailPublic:
    """Every recorded decision of the cycle, oldest first, as Bahasa Indonesia sentences."""
    _reader(principal)
    _record(session, workflow_id)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.workflow_id == workflow_id).order_by(col(AuditEvent.id))
    ).all()
    notes = session.exec(
        select(Notification)
        # "{workflow_id}/..." as a range ('0' follows '/'), so ix_notification_task_id serves it
        .where(
            col(Notification.task_id) >= f"{workflow_id}/",
            col(Notification.task_id) < f"{workflow_id}0",
        )
        .order_by(col(Notification.deliver_after), col(Notification.id))
    ).all()
    return TrailPublic(
        workflow_id=workflow_id, data=trail(list(events)), reminders=reminders(list(notes))
    )


@router.get("/log", summary="The append-only audit log", response_model=AuditEventsPublic)
def audit_log(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    nip: Annotated[str | None, Query(max_length=18)] = None,
    workflow_id: Annotated[str | None, Query(max_length=100)] = None,
) -> AuditEventsPublic:
    """Newest first, filtered and paginated."""
    _reader(principal)
    stmt = select(AuditEvent)
    for column, value in (
        (AuditEvent.actor, actor),
        (AuditEvent.action, action),
        (AuditEvent.nip, nip),
        (AuditEvent.workflow_id, workflow_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    stmt = stmt.order_by(col(AuditEvent.id).desc()).offset(page.offset).limit(page.size)
    return AuditEventsPublic(
        data=[AuditEventPublic.model_validate(e) for e in session.exec(stmt)], count=count
    )


@router.get("/log/verify", summary="Verify the audit hash chain", response_model=ChainReport)
def verify(session: SessionDep, principal: CurrentUser) -> ChainReport:
    """Recompute every hash; names the first broken link."""
    _reader(principal)
    return verify_chain(session)
