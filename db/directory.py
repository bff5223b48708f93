"""Directory reads for launching cycles: who is in scope, and each employee's CycleInput."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.models import Cycle, Employee, OrgUnit
from domain.calendar import CycleCalendar, build_calendar, build_compressed_calendar
from domain.enums import EmployeeType
from domain.errors import NotFound
from domain.payloads import CycleInput, Placement
from domain.policy import Policy


def unit_with_descendants(session: Session, unit_code: str) -> set[str]:
    """`unit_code` and every unit below it in the org tree."""
    children: dict[str, list[str]] = {}
    for code, parent in session.exec(select(OrgUnit.code, OrgUnit.parent_code)).all():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found, stack = {unit_code}, [unit_code]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def select_employees(
    session: Session, *, year: int, nips: list[str] | None = None, unit_code: str | None = None
) -> list[str]:
    """NIPs to launch for `year`: the given list, a unit with its sub-units, or everyone.

    Exempt statuses are included on purpose: the workflow decides what an exemption means.
    """
    del year  # every employee on the books takes part; kept for the launcher's signature
    stmt = select(Employee.nip)
    if nips is not None:
        stmt = stmt.where(col(Employee.nip).in_(nips))
    if unit_code is not None:
        stmt = stmt.where(col(Employee.unit_code).in_(unit_with_descendants(session, unit_code)))
    return list(session.exec(stmt.order_by(col(Employee.nip))).all())


def cycle_calendar(cycle: Cycle, *, now: datetime) -> CycleCalendar:
    """The cycle's calendar: real time, or compressed onto `compressed_minutes` from `now`."""
    if cycle.compressed_minutes:
        return build_compressed_calendar(
            cycle.year, cycle.calendar_kind, start=now, minutes=cycle.compressed_minutes
        )
    return build_calendar(cycle.year, cycle.calendar_kind)


def cycle_policy(cycle: Cycle) -> Policy:
    """The policy stored with the cycle (defaults for whatever it does not override)."""
    data = {**cycle.policy, "calendar_kind": cycle.calendar_kind}
    return Policy.model_validate(data)


@dataclass(frozen=True)
class CycleBasis:
    """What every CycleInput of one year and launch instant shares: the policy and calendar."""

    policy: Policy
    calendar: CycleCalendar


def cycle_basis(session: Session, *, year: int, now: datetime) -> CycleBasis:
    """The year's policy and calendar; NotFound (field `year`) when BKPP has not opened it."""
    cycle = session.get(Cycle, year)
    if cycle is None:
        raise NotFound(f"siklus {year} belum dibuka", field="year")
    return CycleBasis(cycle_policy(cycle), cycle_calendar(cycle, now=now))


def build_cycle_input(
    session: Session, *, year: int, nip: str, now: datetime, basis: CycleBasis | None = None
) -> CycleInput:
    """Everything the AppraisalCycleWorkflow of (year, nip) starts with.

    A bulk caller passes the `basis` it built once: building the calendar per employee was a
    fifth of a launch page's read time."""
    basis = basis or cycle_basis(session, year=year, now=now)
    emp = session.get(Employee, nip)
    if emp is None:
        raise NotFound(f"pegawai {nip} tidak ditemukan", field="nip")
    atasan = None
    if emp.penilai_nip is not None:
        penilai = session.get(Employee, emp.penilai_nip)
        atasan = penilai.penilai_nip if penilai is not None else None
    placement = Placement(
        unit_code=emp.unit_code,
        position=emp.position,
        jenis_jabatan=emp.jenis_jabatan,
        penilai_nip=emp.penilai_nip,
        atasan_penilai_nip=atasan,
        is_unit_head=emp.is_unit_head,
    )
    return CycleInput(
        year=year,
        nip=nip,
        name=emp.name,
        placement=placement,
        status=emp.status,
        is_pns=emp.employee_type is EmployeeType.PNS,
        policy=basis.policy,
        calendar=basis.calendar,
    )
