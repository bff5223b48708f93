"""A small organisation with a two-level rating chain, and one user per role."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session

from api.security import hash_password
from db.models import Employee, OrgUnit, User
from domain.enums import EmployeeType, JenisJabatan, Role, UnitKind
from domain.nip import make_nip

PASSWORD = "kinerja-test"
TEMPORAL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "temporal"


def _nip(seq: int, gender: int = 1) -> str:
    return make_nip(date(1985, 1 + seq % 12, 10), 2010, 3, gender, seq)


@dataclass(frozen=True)
class Org:
    """NIPs of the people in the test organisation."""

    kepala: str = _nip(1)  # head of DINKES, penilai of penilai_a and penilai_b
    penilai_a: str = _nip(2)
    penilai_b: str = _nip(3)
    pegawai_a1: str = _nip(4, 2)
    pegawai_a2: str = _nip(5)
    pegawai_b1: str = _nip(6, 2)
    other: str = _nip(7)  # in another OPD


ORG = Org()

# username -> (nip, roles)
USERS: dict[str, tuple[str | None, list[Role]]] = {
    "kepala": (ORG.kepala, [Role.PEGAWAI, Role.PENILAI, Role.KEPALA_OPD]),
    "penilai_a": (ORG.penilai_a, [Role.PEGAWAI, Role.PENILAI]),
    "penilai_b": (ORG.penilai_b, [Role.PEGAWAI, Role.PENILAI]),
    "pegawai_a1": (ORG.pegawai_a1, [Role.PEGAWAI]),
    "pegawai_a2": (ORG.pegawai_a2, [Role.PEGAWAI]),
    "pegawai_b1": (ORG.pegawai_b1, [Role.PEGAWAI]),
    "bkpp": (None, [Role.BKPP]),
    "auditor": (None, [Role.AUDITOR]),
    "admin": (None, [Role.ADMIN]),
}


def seed_org(session: Session) -> None:
    """Units DINKES (with sub-unit PUSK) and DISHUB; seven employees; one user per role."""
    session.add(
        OrgUnit(code="DINKES", name="Dinas Kesehatan", kind=UnitKind.DINAS, head_nip=ORG.kepala)
    )
    session.add(OrgUnit(code="DISHUB", name="Dinas Perhubungan", kind=UnitKind.DINAS))
    session.flush()
    session.add(
        OrgUnit(
            code="PUSK", name="Puskesmas Pandanaran", kind=UnitKind.BIDANG, parent_code="DINKES"
        )
    )
    session.flush()
    people = [
        (ORG.kepala, "dr. Kepala", "DINKES", JenisJabatan.JPT_PRATAMA, None, True),
        (ORG.penilai_a, "Penilai A", "DINKES", JenisJabatan.ADMINISTRATOR, ORG.kepala, False),
        (ORG.penilai_b, "Penilai B", "PUSK", JenisJabatan.ADMINISTRATOR, ORG.kepala, False),
        (ORG.pegawai_a1, "Pegawai A1", "DINKES", JenisJabatan.PELAKSANA, ORG.penilai_a, False),
        (ORG.pegawai_a2, "Pegawai A2", "DINKES", JenisJabatan.PELAKSANA, ORG.penilai_a, False),
        (ORG.pegawai_b1, "Pegawai B1", "PUSK", JenisJabatan.PELAKSANA, ORG.penilai_b, False),
        (ORG.other, "Pegawai Lain", "DISHUB", JenisJabatan.PELAKSANA, None, False),
    ]
    for nip, name, unit, jabatan, penilai, head in people:
        session.add(
            Employee(
                nip=nip,
                name=name,
                unit_code=unit,
                position=f"Jabatan {name}",
                jenis_jabatan=jabatan,
                employee_type=EmployeeType.PNS,
                golongan="III/a",
                penilai_nip=penilai,
                is_unit_head=head,
            )
        )
        session.flush()
    hashed = hash_password(PASSWORD)
    for username, (nip, roles) in USERS.items():
        session.add(
            User(username=username, nip=nip, password_hash=hashed, roles=[r.value for r in roles])
        )
    session.flush()
