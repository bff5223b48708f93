"""Stand-in people for workflow tests: payload builders and a bot that works an inbox."""

from datetime import timedelta
from typing import Any

from domain.enums import Aspek, JenisJabatan, JenisRHK, Pendekatan, Rating, TaskKind

EMPLOYEE = "198609262015051001"
PENILAI = "197501012000031002"
ATASAN = "196801011990031003"
NEW_PENILAI = "198001012005011004"


def skp(
    nip: str = EMPLOYEE, year: int = 2027, jabatan: JenisJabatan = JenisJabatan.PELAKSANA
) -> dict[str, Any]:
    return {
        "skp": {
            "nip": nip,
            "year": year,
            "pendekatan": Pendekatan.KUANTITATIF.value,
            "jenis_jabatan": jabatan.value,
            "hasil_kerja": [
                {
                    "jenis": JenisRHK.UTAMA.value,
                    "rhk_atasan": "Meningkatnya kualitas layanan",
                    "rhk": "Terlayaninya permohonan izin tepat waktu",
                    "indikator": [
                        {
                            "iki": "Persentase izin selesai <= 3 hari",
                            "aspek": Aspek.WAKTU.value,
                            "target": {"value": 95, "unit": "persen"},
                        }
                    ],
                }
            ],
        }
    }


def realisation(period: int, nip: str = EMPLOYEE, year: int = 2027) -> dict[str, Any]:
    return {
        "report": {
            "nip": nip,
            "year": year,
            "period_index": period,
            "items": [
                {
                    "row": 0,
                    "indikator": 0,
                    "realisasi": "96% izin selesai tepat waktu",
                    "nilai": 96,
                    "evidence": ["https://drive.semarangkota.go.id/bukti/izin.pdf"],
                }
            ],
        }
    }


def rating(hasil: Rating = Rating.SESUAI, perilaku: Rating = Rating.SESUAI) -> dict[str, Any]:
    return {
        "hasil_kerja": hasil.value,
        "perilaku": perilaku.value,
        "utama_ratings": [hasil.value],
        "feedback": "Pertahankan kinerja.",
    }


DEFAULTS: dict[TaskKind, Any] = {
    TaskKind.SKP_APPROVAL: {"approve": True},
    TaskKind.PERIOD_RATING: rating(),
    TaskKind.ANNUAL_RATING: rating(),
    TaskKind.TRAINING_COMPLETION: {
        "jp_earned": 24,
        "certificate_url": "https://lms.semarangkota.go.id/cert/1",
    },
    TaskKind.TRAINING_VERIFICATION: {"verified": True},
    TaskKind.OBJECTION_DECISION: {"change": False, "note": "Hasil sudah sesuai bukti."},
    TaskKind.INCENTIVE_APPROVAL: {"approve": True},
}


def default_payload(kind: TaskKind, period: int | None) -> dict[str, Any]:
    if kind is TaskKind.SKP_DRAFT:
        return skp()
    if kind is TaskKind.REALISATION:
        return realisation(period or 1)
    return dict(DEFAULTS[kind])


STEP = timedelta(days=5)


def cycle_input(
    year: int = 2027,
    *,
    nip: str = EMPLOYEE,
    status: Any = None,
    penilai: str | None = PENILAI,
    atasan: str | None = ATASAN,
    unit_head: bool = False,
    calendar: Any = None,
) -> Any:
    from domain.calendar import build_calendar
    from domain.enums import EmploymentStatus
    from domain.payloads import CycleInput, Placement
    from domain.policy import DEFAULT_POLICY

    return CycleInput(
        year=year,
        nip=nip,
        name="Siti Rahayu",
        placement=Placement(
            unit_code="DPMPTSP",
            position="Analis Perizinan",
            jenis_jabatan=JenisJabatan.PELAKSANA,
            penilai_nip=penilai,
            atasan_penilai_nip=atasan,
            is_unit_head=unit_head,
        ),
        status=status or EmploymentStatus.AKTIF,
        policy=DEFAULT_POLICY,
        calendar=calendar or build_calendar(year),
    )
