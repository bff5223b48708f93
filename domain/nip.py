"""NIP (Nomor Induk Pegawai), 18 digits per Perka BKN 22/2007: YYYYMMDD YYYYMM G NNN."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from domain.errors import ValidationFailed

NIP_LENGTH = 18
MIN_APPOINTMENT_AGE = 18

# Shape-only check for payload models: who is PPPK is known only where the employee is known.
NipStr = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{18}$", max_length=18)
]


class Nip(BaseModel):
    """A parsed NIP; `appointment_month` is None for PPPK numbers whose month digits are a code."""

    model_config = ConfigDict(frozen=True)

    value: str
    birth_date: date
    appointment_year: int
    appointment_month: int | None
    gender: int
    sequence: int

    @property
    def formatted(self) -> str:
        """The NIP grouped as printed on SK and ID cards, e.g. '19860926 201505 1 001'."""
        v = self.value
        return f"{v[:8]} {v[8:14]} {v[14]} {v[15:]}"


def _fail(reason: str) -> ValidationFailed:
    return ValidationFailed(f"NIP tidak valid: {reason}", field="nip")


def parse_nip(value: str, *, pppk: bool = False) -> Nip:
    """Parse and validate a NIP, raising ValidationFailed(field='nip') with the specific reason."""
    # PPPK numbers carry the appointment year then a type code (commonly '21') where a PNS number
    # has the month, so for PPPK only length, birth date and gender are checked; the month is kept
    # only when it happens to be 1-12.
    v = value.strip()
    if len(v) != NIP_LENGTH or not (v.isascii() and v.isdigit()):
        raise _fail(f"harus {NIP_LENGTH} digit angka")
    try:
        birth = date(int(v[:4]), int(v[4:6]), int(v[6:8]))
    except ValueError:
        raise _fail(f"tanggal lahir {v[:8]} bukan tanggal yang sah") from None
    year, month = int(v[8:12]), int(v[12:14])
    if not pppk:
        if not 1 <= month <= 12:
            raise _fail(f"bulan pengangkatan {v[12:14]} harus 01-12")
        if (year, month) < (birth.year + MIN_APPOINTMENT_AGE, birth.month):
            raise _fail(f"TMT pengangkatan {v[8:14]} sebelum usia {MIN_APPOINTMENT_AGE} tahun")
    gender = int(v[14])
    if gender not in (1, 2):
        raise _fail(f"kode jenis kelamin {gender} harus 1 (pria) atau 2 (wanita)")
    return Nip(
        value=v,
        birth_date=birth,
        appointment_year=year,
        appointment_month=month if 1 <= month <= 12 else None,
        gender=gender,
        sequence=int(v[15:]),
    )


def is_valid_nip(value: str, *, pppk: bool = False) -> bool:
    """True when `parse_nip` would accept the value."""
    try:
        parse_nip(value, pppk=pppk)
    except ValidationFailed:
        return False
    return True


def make_nip(
    birth: date, appointment_year: int, appointment_month: int, gender: int, seq: int
) -> str:
    """Compose a NIP from its parts (for seeding and generators); ValueError when out of range."""
    if not 1000 <= birth.year <= 9999:
        raise ValueError("birth year must have 4 digits")
    if not 1000 <= appointment_year <= 9999:
        raise ValueError("appointment_year must have 4 digits")
    # 0-99 rather than 1-12 so PPPK-style type codes can be generated too.
    if not 0 <= appointment_month <= 99:
        raise ValueError("appointment_month must fit 2 digits")
    if not 0 <= gender <= 9:
        raise ValueError("gender must be one digit")
    if not 0 <= seq <= 999:
        raise ValueError("seq must fit 3 digits")
    return f"{birth:%Y%m%d}{appointment_year:04d}{appointment_month:02d}{gender}{seq:03d}"
