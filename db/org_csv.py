"""Reading and row-level validation of an SIASN / e-Kinerja organisation export (no database).

Columns (header names are case-insensitive; `,`, `;` or tab separated; UTF-8, BOM allowed):

| column          | required | meaning                                                          |
|-----------------|----------|------------------------------------------------------------------|
| nip             | yes      | 18-digit NIP (PPPK numbers accepted when jenis_pegawai is PPPK)  |
| nama            | yes      | full name with titles                                            |
| jabatan         | yes      | position title, e.g. "Analis SDM Aparatur Ahli Muda"             |
| jenis_jabatan   | yes      | JPT Utama/Madya/Pratama, Administrator, Pengawas, Pelaksana,     |
|                 |          | Fungsional                                                       |
| golongan        | yes*     | I/a..IV/e for PNS, I..XVII for PPPK (*may be empty: paruh waktu) |
| kode_unit       | yes      | unit code; units are created/updated from these rows             |
| unit            | yes      | unit name                                                        |
| jenis_unit      | yes      | Dinas, Badan, Inspektorat, Satpol PP, RSD, Setda, Sekretariat    |
|                 |          | DPRD, Kecamatan, Kelurahan, Bidang                               |
| kode_unit_induk | no       | parent unit code (empty for an OPD or kecamatan)                 |
| nip_atasan      | yes      | NIP of the pejabat penilai (empty only at the top of the chain)  |
| status          | yes      | Aktif, Cuti, CLTN, MPP, Tugas Belajar, Diberhentikan Sementara,  |
|                 |          | Pensiun, Meninggal, Diberhentikan                                |
| jenis_pegawai   | yes      | PNS, PPPK, PPPK Paruh Waktu                                      |
| email           | no       | work e-mail for notifications                                    |
| kepala_unit     | no       | ya/1/true when this employee heads kode_unit                     |
| no_hp           | no       | phone number                                                     |
"""

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from domain.enums import EmployeeType, EmploymentStatus, JenisJabatan, UnitKind
from domain.errors import ValidationFailed
from domain.nip import parse_nip

REQUIRED_COLUMNS = (
    "nip", "nama", "jabatan", "jenis_jabatan", "golongan", "kode_unit", "unit", "jenis_unit",
    "nip_atasan", "status", "jenis_pegawai",
)  # fmt: skip
OPTIONAL_COLUMNS = ("kode_unit_induk", "email", "kepala_unit", "no_hp")

_PNS_GOLONGAN = re.compile(r"^(I|II|III)/[a-d]$|^IV/[a-e]$")
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
          "XIV", "XV", "XVI", "XVII"]  # fmt: skip
_TRUE = {"1", "y", "ya", "true", "x", "kepala"}
_FALSE = {"", "0", "n", "t", "tidak", "false", "-"}
_E = TypeVar("_E", bound=StrEnum)


class RowError(BaseModel):
    """One problem in the file: line 1 is the header, data starts at line 2."""

    line: int
    column: str | None
    reason: str


@dataclass(slots=True)
class OrgRow:
    """One valid employee row, values already normalised to enum members."""

    line: int
    nip: str
    name: str
    position: str
    jenis_jabatan: JenisJabatan
    employee_type: EmployeeType
    golongan: str
    status: EmploymentStatus
    unit_code: str
    unit_name: str
    unit_kind: UnitKind
    parent_code: str | None
    penilai_nip: str | None
    email: str | None
    phone: str | None
    is_head: bool


def read_text(path_or_text: str | Path | bytes) -> str:
    """A Path or a str without newlines is a file name; bytes or multi-line str is the content."""
    if isinstance(path_or_text, bytes):
        return path_or_text.decode("utf-8-sig")
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        return Path(path_or_text).read_text(encoding="utf-8-sig")
    return path_or_text.removeprefix("\ufeff")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def _norm(name: str) -> str:
    return "_".join(name.lower().split())


@lru_cache
def _lookup(enum_cls: type[StrEnum]) -> dict[str, StrEnum]:
    """Accepted spellings: the value or the member name, any case, spaces or underscores."""
    table: dict[str, StrEnum] = {}
    for member in enum_cls:
        table[_norm(member.value)] = member
        table[member.name.lower()] = member
    return table


def _enum(enum_cls: type[_E], raw: str) -> _E | None:
    member = _lookup(enum_cls).get(_norm(raw))
    return member if isinstance(member, enum_cls) else None


def _golongan(raw: str, employee_type: EmployeeType | None) -> str | None:
    """The normalised golongan, or None when it does not fit the employee type."""
    value = raw.strip().replace(" ", "")
    if employee_type is EmployeeType.PNS:
        roman, _, letter = value.partition("/")
        value = f"{roman.upper()}/{letter.lower()}"
        return value if _PNS_GOLONGAN.match(value) else None
    if employee_type is EmployeeType.PPPK_PARUH_WAKTU and not value:
        return ""
    return value.upper() if value.upper() in _ROMAN else None


@dataclass(slots=True)
class ParsedFile:
    """Valid rows, row-level errors, and every NIP seen (valid or not) for reference checks."""

    rows: list[OrgRow]
    errors: list[RowError]
    nips: set[str]


def parse_rows(text: str) -> ParsedFile:
    """Every valid row and every row-level error (cross-row checks are the importer's job)."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first_line))
    header = [_norm(h) for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors = [RowError(line=1, column=c, reason="missing required column") for c in missing]
        return ParsedFile([], errors, set())
    index = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
             if name in header}  # fmt: skip
    parsed = ParsedFile([], [], set())
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        values = {n: (cells[i].strip() if i < len(cells) else "") for n, i in index.items()}
        values.update({c: "" for c in OPTIONAL_COLUMNS if c not in values})
        parsed.nips.add(values["nip"])
        row, row_errors = _parse_row(line, values)
        parsed.errors.extend(row_errors)
        if row is not None:
            parsed.rows.append(row)
    return parsed


def _parse_row(line: int, v: dict[str, str]) -> tuple[OrgRow | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(line=line, column=column, reason=reason))

    for column in ("nip", "nama", "jabatan", "kode_unit", "unit"):
        if not v[column]:
            bad(column, "required value is empty")
    jenis_jabatan = _enum(JenisJabatan, v["jenis_jabatan"])
    employee_type = _enum(EmployeeType, v["jenis_pegawai"])
    status = _enum(EmploymentStatus, v["status"])
    unit_kind = _enum(UnitKind, v["jenis_unit"])
    for column, value, enum_cls in (
        ("jenis_jabatan", jenis_jabatan, JenisJabatan),
        ("jenis_pegawai", employee_type, EmployeeType),
        ("status", status, EmploymentStatus),
        ("jenis_unit", unit_kind, UnitKind),
    ):
        if value is None:
            allowed = ", ".join(m.value for m in enum_cls)
            bad(column, f"unknown value {v[column]!r} (allowed: {allowed})")
    golongan = _golongan(v["golongan"], employee_type)
    if golongan is None and employee_type is not None:
        bad("golongan", f"{v['golongan']!r} is not a golongan of {employee_type.value}")
    if v["nip"]:
        # An unknown jenis_pegawai is reported above; do not add a misleading NIP error to it.
        pppk = employee_type is not EmployeeType.PNS
        try:
            parse_nip(v["nip"], pppk=pppk)
        except ValidationFailed as exc:
            bad("nip", exc.message)
    if v["nip_atasan"] and not re.fullmatch(r"[0-9]{18}", v["nip_atasan"]):
        bad("nip_atasan", "must be 18 digits or empty")
    head = v["kepala_unit"].lower()
    if head not in _TRUE | _FALSE:
        bad("kepala_unit", f"unknown value {v['kepala_unit']!r} (use ya or kosong)")
    if v["email"] and "@" not in v["email"]:
        bad("email", f"{v['email']!r} is not an e-mail address")
    if (
        errors
        or jenis_jabatan is None
        or employee_type is None
        or status is None
        or unit_kind is None
        or golongan is None
    ):
        return None, errors
    return OrgRow(
        line=line,
        nip=v["nip"],
        name=v["nama"],
        position=v["jabatan"],
        jenis_jabatan=jenis_jabatan,
        employee_type=employee_type,
        golongan=golongan,
        status=status,
        unit_code=v["kode_unit"],
        unit_name=v["unit"],
        unit_kind=unit_kind,
        parent_code=v["kode_unit_induk"] or None,
        penilai_nip=v["nip_atasan"] or None,
        email=v["email"] or None,
        phone=v["no_hp"] or None,
        is_head=head in _TRUE,
    ), []
