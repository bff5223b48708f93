"""Units and employees as listed by the API (no contact details)."""

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import EmployeeType, EmploymentStatus, JenisJabatan, OrgPredikat, UnitKind


class UnitPublic(BaseModel):
    """An organisational unit."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: UnitKind
    parent_code: str | None
    head_nip: str | None


class UnitsPublic(BaseModel):
    data: list[UnitPublic]
    count: int


class EmployeePublic(BaseModel):
    """An employee as imported (email and phone are not exposed)."""

    model_config = ConfigDict(from_attributes=True)

    nip: str
    name: str
    unit_code: str
    position: str
    jenis_jabatan: JenisJabatan
    employee_type: EmployeeType
    golongan: str
    status: EmploymentStatus
    penilai_nip: str | None
    is_unit_head: bool


class EmployeesPublic(BaseModel):
    data: list[EmployeePublic]
    count: int


class UnitPredikatSet(BaseModel):
    """The organisational predicate of a unit for a year (set by its Kepala OPD)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"year": 2027, "org_predikat": "Baik"}]}
    )

    year: int = Field(ge=2000, le=2200)
    org_predikat: OrgPredikat


class UnitPredikatPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    unit_code: str
    org_predikat: OrgPredikat
    set_by: str
