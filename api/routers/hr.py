"""BKPP: organisation import and changes to an employee's running cycle."""

import uuid
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel
from sqlmodel import Session

from api.actions import send_update
from api.auditing import audit_change
from api.authz import require_roles
from api.deps import CurrentUser, SessionDep, TemporalDep
from api.errors import ApiError, not_found
from api.import_sync import sync_running_cycles
from api.schemas.common import ERRORS
from api.schemas.cycles import ChangeAckPublic
from api.schemas.hr import (
    DeadlineExtensionCreate,
    ImportPublic,
    ImportRowError,
    StatusChangeCreate,
    TransferCreate,
)
from db.models import CycleRecord, Employee, OrgUnit
from db.org_import import import_org_csv
from domain.enums import Role
from domain.payloads import (
    ChangeAck,
    DeadlineExtension,
    Placement,
    StatusChange,
    Transfer,
    appraisal_workflow_id,
)

router = APIRouter(prefix="/hr", tags=["hr"], responses=ERRORS)

HR = (Role.BKPP, Role.ADMIN)
MAX_CSV_BYTES = 20 * 1024 * 1024
CSV_EXAMPLE = "nip,nama,jabatan,jenis_jabatan,golongan,unit,nip_atasan,status\n..."


@router.post(
    "/org/import",
    summary="Import the organisation from an SIASN / e-Kinerja CSV (all or nothing)",
    response_model=ImportPublic,
    openapi_extra={
        "requestBody": {"content": {"multipart/form-data": {"example": {"file": CSV_EXAMPLE}}}}
    },
)
async def import_org(
    session: SessionDep,
    principal: CurrentUser,
    temporal: TemporalDep,
    file: Annotated[UploadFile, File(description="CSV export, UTF-8")],
) -> ImportPublic:
    """Every row valid, or nothing written and 422 with line, column and reason of each error."""
    require_roles(principal, *HR)
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise ApiError(413, "too_large", "berkas melebihi 20 MB")
    try:  # a binary or UTF-16 file is the sender's mistake (422), not ours (it gave 500)
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(
            422, "import_invalid", f"berkas bukan teks UTF-8 (byte {exc.start})", field="file"
        ) from exc
    source = f"api:{principal.username}:{file.filename}:{uuid.uuid4().hex[:8]}"
    report = import_org_csv(session, data, source=source)
    if not report.ok:
        session.rollback()
        rows = [ImportRowError.model_validate(e, from_attributes=True) for e in report.errors]
        first = rows[0] if rows else None
        raise ApiError(
            422,
            "import_invalid",
            f"{len(rows)} baris bermasalah; tidak ada yang diimpor",
            field=first.column if first else None,
            errors=[r.model_dump() for r in rows],
        )
    counts = ImportPublic.model_validate(report, from_attributes=True)
    audit_change(session, principal, "org_imported", after=counts.model_dump())
    session.commit()
    # The directory is the truth once committed; running cycles follow it (failures are listed
    # so BKPP can repeat them through the transfer and status routes).
    synced = await sync_running_cycles(session, temporal, principal, source)
    counts.cycles_updated = synced.cycles_updated
    counts.cycle_update_failures = [f.model_dump() for f in synced.failures]
    return counts


def _cycle(session: Session, year: int, nip: str) -> tuple[Employee, CycleRecord]:
    emp = session.get(Employee, nip)
    if emp is None:
        raise not_found("pegawai")
    rec = session.get(CycleRecord, appraisal_workflow_id(year, nip))
    if rec is None:
        raise not_found(f"siklus {year} pegawai ini")
    return emp, rec


def _snapshot(emp: Employee) -> dict[str, object]:
    return {
        "unit_code": emp.unit_code,
        "position": emp.position,
        "jenis_jabatan": emp.jenis_jabatan,
        "penilai_nip": emp.penilai_nip,
        "status": emp.status,
        "is_unit_head": emp.is_unit_head,
    }


async def _act(
    temporal: TemporalDep,
    wf: str,
    name: str,
    arg: BaseModel,
) -> ChangeAckPublic:
    ack = await send_update(temporal, wf, name, arg, ChangeAck)
    return ChangeAckPublic(stage=ack.stage, message=ack.message)


@router.post(
    "/employees/{nip}/transfer",
    summary="Transfer (mutasi) an employee",
    response_model=ChangeAckPublic,
)
async def transfer(
    nip: str,
    body: TransferCreate,
    session: SessionDep,
    principal: CurrentUser,
    temporal: TemporalDep,
) -> ChangeAckPublic:
    """The running cycle moves penilai tasks and asks a new SKP; the directory is updated."""
    require_roles(principal, *HR)
    emp, rec = _cycle(session, body.year, nip)
    if session.get(OrgUnit, body.unit_code) is None:
        raise ApiError(422, "validation_failed", "unit tidak dikenal", field="unit_code")
    atasan = None
    if body.penilai_nip is not None:
        penilai = session.get(Employee, body.penilai_nip)
        if penilai is None:
            raise ApiError(422, "validation_failed", "penilai tidak dikenal", field="penilai_nip")
        atasan = penilai.penilai_nip
    placement = Placement(
        unit_code=body.unit_code,
        position=body.position,
        jenis_jabatan=body.jenis_jabatan,
        penilai_nip=body.penilai_nip,
        atasan_penilai_nip=atasan,
        is_unit_head=body.is_unit_head,
    )
    arg = Transfer(placement=placement, reason=body.reason, actor=principal.actor)
    ack = await _act(temporal, rec.workflow_id, "transfer", arg)
    before = _snapshot(emp)
    emp.unit_code, emp.position, emp.jenis_jabatan = (
        body.unit_code,
        body.position,
        body.jenis_jabatan,
    )
    emp.penilai_nip, emp.is_unit_head = body.penilai_nip, body.is_unit_head
    session.add(emp)
    audit_change(
        session,
        principal,
        "employee_transferred",
        nip=nip,
        workflow_id=rec.workflow_id,
        before=before,
        after={**_snapshot(emp), "reason": body.reason},
    )
    session.commit()
    return ack


@router.post(
    "/employees/{nip}/status", summary="Change an employee's status", response_model=ChangeAckPublic
)
async def change_status(
    nip: str,
    body: StatusChangeCreate,
    session: SessionDep,
    principal: CurrentUser,
    temporal: TemporalDep,
) -> ChangeAckPublic:
    """Leave and exemptions pause the cycle, a return resumes it, terminal statuses end it."""
    require_roles(principal, *HR)
    emp, rec = _cycle(session, body.year, nip)
    arg = StatusChange(status=body.status, reason=body.reason, actor=principal.actor)
    ack = await _act(temporal, rec.workflow_id, "change_status", arg)
    before = {"status": emp.status}
    emp.status = body.status
    session.add(emp)
    audit_change(
        session,
        principal,
        "employee_status_changed",
        nip=nip,
        workflow_id=rec.workflow_id,
        before=before,
        after={"status": body.status, "reason": body.reason},
    )
    session.commit()
    return ack


@router.post(
    "/employees/{nip}/extend-deadline",
    summary="Extend the deadline of one or every open task of a cycle",
    response_model=ChangeAckPublic,
)
async def extend_deadline(
    nip: str,
    body: DeadlineExtensionCreate,
    session: SessionDep,
    principal: CurrentUser,
    temporal: TemporalDep,
) -> ChangeAckPublic:
    """The workflow moves the due dates (and its timers); it records the step itself."""
    require_roles(principal, *HR)
    _, rec = _cycle(session, body.year, nip)
    arg = DeadlineExtension(
        days=body.days, reason=body.reason, actor=principal.actor, task_id=body.task_id
    )
    return await _act(temporal, rec.workflow_id, "extend_deadline", arg)
