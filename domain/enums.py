"""Enumerations of the official vocabulary; values are the Indonesian terms of the SKP forms."""

from enum import StrEnum


class Rating(StrEnum):
    """Three-level rating used for both Hasil Kerja and Perilaku Kerja."""

    DI_ATAS = "Di Atas Ekspektasi"
    SESUAI = "Sesuai Ekspektasi"
    DI_BAWAH = "Di Bawah Ekspektasi"


class Predikat(StrEnum):
    """Employee performance predicate (PermenPANRB 6/2022)."""

    SANGAT_BAIK = "Sangat Baik"
    BAIK = "Baik"
    BUTUH_PERBAIKAN = "Butuh Perbaikan"
    KURANG = "Kurang/Misconduct"
    SANGAT_KURANG = "Sangat Kurang"


# Ordered best to worst; index is used to compare predicates.
PREDIKAT_ORDER: tuple[Predikat, ...] = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)


def is_at_most(predikat: Predikat, threshold: Predikat) -> bool:
    """True when `predikat` is `threshold` or worse."""
    return PREDIKAT_ORDER.index(predikat) >= PREDIKAT_ORDER.index(threshold)


class OrgPredikat(StrEnum):
    """Organisational (unit) predicate that bounds the distribution curve."""

    ISTIMEWA = "Istimewa"
    BAIK = "Baik"
    BUTUH_PERBAIKAN = "Butuh Perbaikan"
    KURANG = "Kurang"
    SANGAT_KURANG = "Sangat Kurang"


class Pendekatan(StrEnum):
    KUANTITATIF = "Kuantitatif"
    KUALITATIF = "Kualitatif"


class Aspek(StrEnum):
    KUANTITAS = "Kuantitas"
    KUALITAS = "Kualitas"
    WAKTU = "Waktu"
    BIAYA = "Biaya"


class JenisRHK(StrEnum):
    UTAMA = "Utama"
    TAMBAHAN = "Tambahan"


class Perspektif(StrEnum):
    """Balanced-scorecard perspective carried by JPT rows."""

    PENERIMA_LAYANAN = "Penerima Layanan"
    PROSES_BISNIS = "Proses Bisnis"
    PENGUATAN_INTERNAL = "Penguatan Internal"
    ANGGARAN = "Anggaran"


class BerAKHLAK(StrEnum):
    """The seven core values of the ASN (Perilaku Kerja)."""

    BERORIENTASI_PELAYANAN = "Berorientasi Pelayanan"
    AKUNTABEL = "Akuntabel"
    KOMPETEN = "Kompeten"
    HARMONIS = "Harmonis"
    LOYAL = "Loyal"
    ADAPTIF = "Adaptif"
    KOLABORATIF = "Kolaboratif"


class JenisJabatan(StrEnum):
    JPT_UTAMA = "JPT Utama"
    JPT_MADYA = "JPT Madya"
    JPT_PRATAMA = "JPT Pratama"
    ADMINISTRATOR = "Administrator"
    PENGAWAS = "Pengawas"
    PELAKSANA = "Pelaksana"
    FUNGSIONAL = "Fungsional"

    @property
    def is_jpt(self) -> bool:
        return self in (JenisJabatan.JPT_UTAMA, JenisJabatan.JPT_MADYA, JenisJabatan.JPT_PRATAMA)


class EmployeeType(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"
    PPPK_PARUH_WAKTU = "PPPK Paruh Waktu"


class EmploymentStatus(StrEnum):
    """Status that decides whether a cycle runs, pauses or ends."""

    AKTIF = "Aktif"
    CUTI = "Cuti"
    CLTN = "CLTN"
    MPP = "MPP"
    TUGAS_BELAJAR = "Tugas Belajar"
    DIBERHENTIKAN_SEMENTARA = "Diberhentikan Sementara"
    PENSIUN = "Pensiun"
    MENINGGAL = "Meninggal"
    DIBERHENTIKAN = "Diberhentikan"

    @property
    def is_exempt_from_planning(self) -> bool:
        """CLTN, MPP, tugas belajar and suspension: no SKP is asked for."""
        return self in EXEMPT_STATUSES

    @property
    def is_terminal(self) -> bool:
        """Retirement, death and dismissal end the cycle."""
        return self in TERMINAL_STATUSES

    @property
    def pauses_cycle(self) -> bool:
        """Leave and the exempt statuses pause deadlines until the employee returns."""
        return self is EmploymentStatus.CUTI or self in EXEMPT_STATUSES


EXEMPT_STATUSES = frozenset(
    {
        EmploymentStatus.CLTN,
        EmploymentStatus.MPP,
        EmploymentStatus.TUGAS_BELAJAR,
        EmploymentStatus.DIBERHENTIKAN_SEMENTARA,
    }
)
TERMINAL_STATUSES = frozenset(
    {EmploymentStatus.PENSIUN, EmploymentStatus.MENINGGAL, EmploymentStatus.DIBERHENTIKAN}
)


class UnitKind(StrEnum):
    DINAS = "Dinas"
    BADAN = "Badan"
    INSPEKTORAT = "Inspektorat"
    SATPOL_PP = "Satpol PP"
    RSD = "RSD"
    SETDA = "Setda"
    SEKRETARIAT_DPRD = "Sekretariat DPRD"
    KECAMATAN = "Kecamatan"
    KELURAHAN = "Kelurahan"
    BIDANG = "Bidang"


class CalendarKind(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMESTER = "semester"


class SkpStatus(StrEnum):
    DRAFT = "Draft"
    DIAJUKAN = "Diajukan"
    DISETUJUI = "Disetujui"
    DITOLAK = "Ditolak"


class Stage(StrEnum):
    """Stage of an employee's performance year, as shown to people."""

    PERENCANAAN = "perencanaan"
    PELAKSANAAN = "pelaksanaan"
    PENILAIAN_PERIODIK = "penilaian_periodik"
    PENILAIAN_TAHUNAN = "penilaian_tahunan"
    KEBERATAN = "keberatan"
    TINDAK_LANJUT = "tindak_lanjut"
    DITANGGUHKAN = "ditangguhkan"  # paused: leave, CLTN, MPP, tugas belajar
    SELESAI = "selesai"
    DIHENTIKAN = "dihentikan"  # ended early: retirement, death, dismissal


class TaskKind(StrEnum):
    SKP_DRAFT = "skp_draft"
    SKP_APPROVAL = "skp_approval"
    REALISATION = "realisation"
    PERIOD_RATING = "period_rating"
    ANNUAL_RATING = "annual_rating"
    TRAINING_COMPLETION = "training_completion"
    TRAINING_VERIFICATION = "training_verification"
    OBJECTION_DECISION = "objection_decision"
    INCENTIVE_APPROVAL = "incentive_approval"


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Role(StrEnum):
    PEGAWAI = "pegawai"
    PENILAI = "penilai"
    BKPP = "bkpp"
    KEPALA_OPD = "kepala_opd"
    AUDITOR = "auditor"
    ADMIN = "admin"


class TrainingType(StrEnum):
    """Development types of Perlan LAN 10/2018; klasikal first, then non-klasikal."""

    PELATIHAN_KEPEMIMPINAN = "Pelatihan Kepemimpinan"
    PELATIHAN_MANAJERIAL = "Pelatihan Manajerial"
    PELATIHAN_TEKNIS = "Pelatihan Teknis"
    PELATIHAN_FUNGSIONAL = "Pelatihan Fungsional"
    SEMINAR = "Seminar"
    WORKSHOP = "Workshop"
    KURSUS = "Kursus"
    BIMBINGAN_TEKNIS = "Bimbingan Teknis"
    COACHING = "Coaching"
    MENTORING = "Mentoring"
    E_LEARNING = "E-Learning"
    DETASERING = "Detasering"
    PATOK_BANDING = "Patok Banding"
    BELAJAR_MANDIRI = "Belajar Mandiri"
    KOMUNITAS_BELAJAR = "Komunitas Belajar"
    MAGANG = "Magang"

    @property
    def is_klasikal(self) -> bool:
        return self in _KLASIKAL


_KLASIKAL = frozenset(
    {
        TrainingType.PELATIHAN_KEPEMIMPINAN,
        TrainingType.PELATIHAN_MANAJERIAL,
        TrainingType.PELATIHAN_TEKNIS,
        TrainingType.PELATIHAN_FUNGSIONAL,
        TrainingType.SEMINAR,
        TrainingType.WORKSHOP,
        TrainingType.KURSUS,
        TrainingType.BIMBINGAN_TEKNIS,
    }
)


class FollowUp(StrEnum):
    """Annual follow-up actions decided by policy."""

    AWARD_NOMINATION = "nominasi_penghargaan"
    DEVELOPMENT_PLAN = "rencana_pengembangan"
    SANCTION_REVIEW = "tinjauan_sanksi"
