"""The organisation: units, their yearly predicate, employees and their change history."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models.base import enum_field, utcnow
from domain.enums import EmployeeType, EmploymentStatus, JenisJabatan, OrgPredikat, UnitKind


class OrgUnit(SQLModel, table=True):
    """An OPD, kecamatan, kelurahan or bidang; `parent_code` forms the tree."""

    __tablename__ = "org_unit"

    code: str = Field(primary_key=True, max_length=64)
    name: str
    kind: UnitKind = enum_field(UnitKind)
    parent_code: str | None = Field(
        default=None, foreign_key="org_unit.code", index=True, max_length=64
    )
    # No FK: the head is imported in the same file as the unit (and may be set before them).
    head_nip: str | None = Field(default=None, max_length=18)


class UnitPredikat(SQLModel, table=True):
    """The organisational predicate a Kepala OPD set for a unit and year."""

    __tablename__ = "unit_predikat"
    __table_args__ = (UniqueConstraint("year", "unit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    unit_code: str = Field(foreign_key="org_unit.code", max_length=64)
    org_predikat: OrgPredikat = enum_field(OrgPredikat)
    set_by: str
    set_at: datetime = Field(default_factory=utcnow)


class Employee(SQLModel, table=True):
    """An ASN as last imported; `penilai_nip` is the rating chain (data, not from titles)."""

    __tablename__ = "employee"

    nip: str = Field(primary_key=True, min_length=18, max_length=18)
    name: str
    unit_code: str = Field(foreign_key="org_unit.code", index=True, max_length=64)
    position: str
    jenis_jabatan: JenisJabatan = enum_field(JenisJabatan)
    employee_type: EmployeeType = enum_field(EmployeeType)
    golongan: str = Field(default="", max_length=16)
    status: EmploymentStatus = enum_field(EmploymentStatus, default=EmploymentStatus.AKTIF)
    penilai_nip: str | None = Field(
        default=None, foreign_key="employee.nip", index=True, max_length=18
    )
    email: str | None = None
    phone: str | None = None
    is_unit_head: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class EmployeeChange(SQLModel, table=True):
    """One changed field of an employee, kept across re-imports (created, change, transfer)."""

    __tablename__ = "employee_change"

    id: int | None = Field(default=None, primary_key=True)
    nip: str = Field(foreign_key="employee.nip", index=True, max_length=18)
    kind: str = Field(default="change", max_length=16)
    field: str = Field(max_length=40)
    old_value: str | None = None
    new_value: str | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    source: str
