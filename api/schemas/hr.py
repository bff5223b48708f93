"""BKPP actions: org import report, launch, progress and employee changes."""

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import EmploymentStatus, JenisJabatan


class ImportRowError(BaseModel):
    line: int
    column: str | None
    reason: str


class ImportPublic(BaseModel):
    """Counts of a successful import (a failed one answers 422 with every bad row)."""

    rows: int
    created: int
    updated: int
    unchanged: int
    transfers: int
    units_created: int
    units_updated: int
    missing_from_file: list[str]
    # Running cycles told about a transfer or status change found in the file.
    cycles_updated: int = 0
    cycle_update_failures: list[dict[str, str]] = Field(default_factory=list)


class LaunchCreate(BaseModel):
    """Whom to launch: a list of NIPs, a unit (with sub-units), or everyone (`everyone`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"unit_code": "DINKES"}, {"nips": ["198609262015051001"]}]},
    )

    nips: list[str] | None = Field(default=None, min_length=1, max_length=20_000)
    unit_code: str | None = Field(default=None, max_length=64)
    everyone: bool = False
    calendar_lead_minutes: float = Field(
        default=0,
        ge=0,
        le=1440,
        description="Compressed years only: the compressed year begins this many minutes after "
        "the launch, so that a large launch does not use up the planning window (in real time a "
        "launch of minutes is nothing against January; compressed, ten minutes are weeks)",
    )


class ProgressCell(BaseModel):
    unit_code: str
    stage: str
    count: int


class ProgressPublic(BaseModel):
    """How far the year has come: totals by stage, and by unit and stage."""

    year: int
    total: int
    by_stage: dict[str, int]
    by_unit: list[ProgressCell]


class TransferCreate(BaseModel):
    """Mutasi: the new placement; the employee's cycle of `year` starts a new SKP."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2027,
                    "unit_code": "DISHUB",
                    "position": "Analis Transportasi",
                    "jenis_jabatan": "Pelaksana",
                    "penilai_nip": "198001012005011002",
                    "reason": "SK Mutasi 821/123/2027",
                }
            ]
        },
    )

    year: int = Field(ge=2000, le=2200)
    unit_code: str = Field(min_length=1, max_length=64)
    position: str = Field(min_length=1, max_length=200)
    jenis_jabatan: JenisJabatan
    penilai_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    is_unit_head: bool = False
    reason: str = Field(min_length=1, max_length=500)


class StatusChangeCreate(BaseModel):
    """A change of employment status (leave, CLTN, MPP, retirement...)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2027, "status": "Cuti", "reason": "Cuti melahirkan 3 bulan"}]
        },
    )

    year: int = Field(ge=2000, le=2200)
    status: EmploymentStatus
    reason: str = Field(min_length=1, max_length=500)


class DeadlineExtensionCreate(BaseModel):
    """More days for one task, or for every open task of the cycle."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2027, "days": 7, "reason": "Gangguan sistem", "task_id": None}]
        },
    )

    year: int = Field(ge=2000, le=2200)
    days: int = Field(ge=1, le=180)
    reason: str = Field(min_length=1, max_length=500)
    task_id: str | None = Field(default=None, max_length=200)
