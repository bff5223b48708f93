"""Read-only organisation: units (any logged-in user) and employees (scoped); unit predicates."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import col, select

from api.auditing import audit_change
from api.authz import headed_units, read_scope, require_roles
from api.deps import CurrentUser, SessionDep
from api.errors import forbidden, not_found
from api.pagination import PageDep
from api.schemas.common import ERRORS
from api.schemas.org import (
    EmployeePublic,
    EmployeesPublic,
    UnitPredikatPublic,
    UnitPredikatSet,
    UnitPublic,
    UnitsPublic,
)
from db.models import Employee, OrgUnit, UnitPredikat
from domain.enums import EmploymentStatus, Role

router = APIRouter(tags=["org"], responses=ERRORS)


@router.get("/units", summary="List organisational units", response_model=UnitsPublic)
def list_units(
    session: SessionDep,
    _: CurrentUser,
    page: PageDep,
    parent: Annotated[str | None, Query(max_length=64)] = None,
) -> UnitsPublic:
    """Every unit, optionally only the children of `parent`."""
    q = select(OrgUnit)
    if parent is not None:
        q = q.where(OrgUnit.parent_code == parent)
    count = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(col(OrgUnit.code)).offset(page.offset).limit(page.size)).all()
    return UnitsPublic(data=[UnitPublic.model_validate(u) for u in rows], count=count)


@router.get("/units/{code}", summary="One organisational unit", response_model=UnitPublic)
def get_unit(code: str, session: SessionDep, _: CurrentUser) -> UnitPublic:
    """A unit by code."""
    unit = session.get(OrgUnit, code)
    if unit is None:
        raise not_found("unit")
    return UnitPublic.model_validate(unit)


@router.get("/employees", summary="List employees in my scope", response_model=EmployeesPublic)
def list_employees(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    unit: Annotated[str | None, Query(max_length=64, description="unit code")] = None,
    status: EmploymentStatus | None = None,
    penilai_nip: Annotated[str | None, Query(max_length=18)] = None,
    q: Annotated[str | None, Query(max_length=100, description="name or NIP contains")] = None,
) -> EmployeesPublic:
    """Employees the caller may read, filtered and paginated."""
    scope = read_scope(session, principal)
    stmt = select(Employee).where(scope.where(col(Employee.nip), col(Employee.unit_code)))
    if unit is not None:
        stmt = stmt.where(Employee.unit_code == unit)
    if status is not None:
        stmt = stmt.where(Employee.status == status)
    if penilai_nip is not None:
        stmt = stmt.where(Employee.penilai_nip == penilai_nip)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(Employee.name).like(like) | col(Employee.nip).like(like))
    count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Employee.nip)).offset(page.offset).limit(page.size)).all()
    return EmployeesPublic(data=[EmployeePublic.model_validate(e) for e in rows], count=count)


@router.get("/employees/{nip}", summary="One employee", response_model=EmployeePublic)
def get_employee(nip: str, session: SessionDep, principal: CurrentUser) -> EmployeePublic:
    """An employee by NIP; 403 outside the caller's scope."""
    emp = session.get(Employee, nip)
    if emp is None:
        raise not_found("pegawai")
    if not read_scope(session, principal).allows(emp.nip, emp.unit_code):
        raise forbidden("data pegawai ini di luar wewenang Anda")
    return EmployeePublic.model_validate(emp)


@router.put(
    "/units/{code}/predikat",
    summary="Set a unit's organisational predicate for a year",
    response_model=UnitPredikatPublic,
)
def set_unit_predikat(
    code: str, body: UnitPredikatSet, session: SessionDep, principal: CurrentUser
) -> UnitPredikatPublic:
    """Kepala OPD of the unit (or BKPP) records the unit's predicate; audited."""
    require_roles(principal, Role.KEPALA_OPD, Role.BKPP)
    if session.get(OrgUnit, code) is None:
        raise not_found("unit")
    if not principal.has(Role.BKPP) and code not in headed_units(session, principal):
        raise forbidden("hanya Kepala OPD unit ini yang dapat menetapkan predikat")
    row = session.exec(
        select(UnitPredikat).where(UnitPredikat.year == body.year, UnitPredikat.unit_code == code)
    ).first()
    before = row.org_predikat.value if row else None
    if row is None:
        row = UnitPredikat(
            year=body.year,
            unit_code=code,
            org_predikat=body.org_predikat,
            set_by=principal.username,
        )
    row.org_predikat, row.set_by = body.org_predikat, principal.username
    session.add(row)
    audit_change(
        session,
        principal,
        "unit_predikat_set",
        before={"org_predikat": before},
        after={"unit_code": code, "year": body.year, "org_predikat": body.org_predikat},
    )
    session.commit()
    return UnitPredikatPublic.model_validate(row)
