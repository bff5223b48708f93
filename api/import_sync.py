"""After an org import, running cycles learn what changed: transfers and status changes."""

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.actions import send_update
from api.deps import Principal
from api.errors import ApiError
from api.temporal import TemporalGateway
from db.models import CycleRecord, Employee, EmployeeChange
from domain.enums import EmploymentStatus
from domain.payloads import ChangeAck, Placement, StatusChange, Transfer

PLACEMENT_FIELDS = {"unit_code", "penilai_nip", "position", "jenis_jabatan", "is_unit_head"}


class CycleSyncFailure(BaseModel):
    workflow_id: str
    reason: str


class CycleSync(BaseModel):
    """Updates sent to running cycles because the import changed an employee."""

    cycles_updated: int = 0
    failures: list[CycleSyncFailure] = Field(default_factory=list)


def placement_of(session: Session, emp: Employee) -> Placement:
    """Where the directory now puts an employee, with the penilai's own penilai as atasan."""
    penilai = session.get(Employee, emp.penilai_nip) if emp.penilai_nip else None
    return Placement(
        unit_code=emp.unit_code,
        position=emp.position,
        jenis_jabatan=emp.jenis_jabatan,
        penilai_nip=emp.penilai_nip,
        atasan_penilai_nip=penilai.penilai_nip if penilai else None,
        is_unit_head=emp.is_unit_head,
    )


async def sync_running_cycles(
    session: Session, temporal: TemporalGateway, principal: Principal, source: str
) -> CycleSync:
    """Send `transfer` / `change_status` to every open cycle of an employee this import changed."""
    changes = session.exec(select(EmployeeChange).where(col(EmployeeChange.source) == source))
    moved: set[str] = set()
    status: set[str] = set()
    for change in changes:
        if change.kind == "transfer" or change.field in PLACEMENT_FIELDS:
            moved.add(change.nip)
        if change.field == "status":
            status.add(change.nip)
    if not moved and not status:
        return CycleSync()
    open_cycles = session.exec(
        select(CycleRecord, Employee)
        .where(col(CycleRecord.nip).in_(moved | status), col(CycleRecord.closed_at).is_(None))
        .where(col(CycleRecord.nip) == col(Employee.nip))
    ).all()
    plans = [(rec.workflow_id, emp, placement_of(session, emp)) for rec, emp in open_cycles]
    session.commit()  # no connection held while the workflows answer
    result = CycleSync()
    reason = f"impor data kepegawaian ({source})"
    for workflow_id, emp, placement in plans:
        try:
            if emp.nip in moved:
                arg = Transfer(placement=placement, reason=reason, actor=principal.actor)
                await send_update(temporal, workflow_id, "transfer", arg, ChangeAck)
            if emp.nip in status:
                new = StatusChange(
                    status=EmploymentStatus(emp.status), reason=reason, actor=principal.actor
                )
                await send_update(temporal, workflow_id, "change_status", new, ChangeAck)
        except ApiError as exc:
            result.failures.append(CycleSyncFailure(workflow_id=workflow_id, reason=exc.message))
            continue
        result.cycles_updated += 1
    return result
