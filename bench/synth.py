"""A synthetic Kota Semarang of N employees, as an SIASN-style org CSV (db/org_csv.py columns).

Tree: Sekretariat Daerah at the top; OPD (dinas, badan, inspektorat, satpol PP, RSD, sekretariat
DPRD) with their bidang, and the 16 kecamatan with their kelurahan. Rating chains are complete:
staff -> a Pengawas (one per ~8 staff) -> the head of the bidang/kelurahan -> the head of the
OPD/camat -> the Sekda. NIPs are valid and unique (domain.nip.make_nip).
"""

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.nip import make_nip

HEADER = (
    "nip", "nama", "jabatan", "jenis_jabatan", "golongan", "kode_unit", "unit", "jenis_unit",
    "kode_unit_induk", "nip_atasan", "status", "jenis_pegawai", "email", "kepala_unit",
)  # fmt: skip
TEAM = 8  # staff per Pengawas (their pejabat penilai)

OPD: list[tuple[str, str, str]] = [
    ("DISDIK", "Dinas Pendidikan", "Dinas"),
    ("DINKES", "Dinas Kesehatan", "Dinas"),
    ("DPU", "Dinas Pekerjaan Umum", "Dinas"),
    ("DISPERKIM", "Dinas Perumahan dan Kawasan Permukiman", "Dinas"),
    ("DISHUB", "Dinas Perhubungan", "Dinas"),
    ("DLH", "Dinas Lingkungan Hidup", "Dinas"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Dinas"),
    ("DPMPTSP", "Dinas Penanaman Modal dan PTSP", "Dinas"),
    ("DINSOS", "Dinas Sosial", "Dinas"),
    ("DISNAKER", "Dinas Tenaga Kerja", "Dinas"),
    ("DISKOMINFO", "Dinas Komunikasi, Informatika, Statistik dan Persandian", "Dinas"),
    ("DISBUDPAR", "Dinas Kebudayaan dan Pariwisata", "Dinas"),
    ("DISPORA", "Dinas Kepemudaan dan Olahraga", "Dinas"),
    ("DISKOPUMKM", "Dinas Koperasi dan Usaha Mikro", "Dinas"),
    ("DISDAG", "Dinas Perdagangan", "Dinas"),
    ("DISPERIN", "Dinas Perindustrian", "Dinas"),
    ("DISTAN", "Dinas Pertanian", "Dinas"),
    ("DISKAN", "Dinas Perikanan", "Dinas"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "Dinas"),
    ("DISARPUS", "Dinas Arsip dan Perpustakaan", "Dinas"),
    ("DAMKAR", "Dinas Pemadam Kebakaran", "Dinas"),
    ("DISTARU", "Dinas Penataan Ruang", "Dinas"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Badan"),
    ("BKPP", "Badan Kepegawaian, Pendidikan dan Pelatihan", "Badan"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "Badan"),
    ("BAPENDA", "Badan Pendapatan Daerah", "Badan"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "Badan"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "Badan"),
    ("INSPEKTORAT", "Inspektorat Kota Semarang", "Inspektorat"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP"),
    ("RSUD.WONGSO", "RSUD K.R.M.T. Wongsonegoro", "RSD"),
    ("RSD.AMINO", "RSD dr. Adhyatma", "RSD"),
    ("SETWAN", "Sekretariat DPRD", "Sekretariat DPRD"),
]
BIDANG = ("Sekretariat", "Bidang Perencanaan", "Bidang Pelayanan", "Bidang Pengendalian")
KECAMATAN: dict[str, int] = {  # kecamatan -> number of kelurahan (177 in all)
    "Semarang Tengah": 15, "Semarang Utara": 9, "Semarang Timur": 10, "Semarang Selatan": 10,
    "Semarang Barat": 16, "Gayamsari": 7, "Candisari": 7, "Gajahmungkur": 8, "Genuk": 13,
    "Pedurungan": 12, "Tembalang": 12, "Banyumanik": 11, "Gunungpati": 16, "Mijen": 14,
    "Ngaliyan": 10, "Tugu": 7,
}  # fmt: skip
FIRST = ("Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hendra", "Indah", "Joko",
         "Kartika", "Lestari", "Made", "Nur", "Oki", "Putri", "Rina", "Sri", "Tri",
         "Wahyu")  # fmt: skip
LAST = ("Setiawan", "Rahayu", "Wibowo", "Susanti", "Pratama", "Handayani", "Santoso",
        "Kusuma", "Nugroho", "Lestari", "Hidayat", "Purnomo", "Saputra", "Wulandari")  # fmt: skip


@dataclass
class Unit:
    code: str
    name: str
    kind: str
    parent: str | None
    leaves: list["Unit"] = field(default_factory=list)


def semarang_units() -> list[Unit]:
    """The top units (OPD, then kecamatan) with their bidang / kelurahan as leaves."""
    tops: list[Unit] = []
    for code, name, kind in OPD:
        top = Unit(code, name, kind, "SETDA")
        top.leaves = [Unit(f"{code}.{i + 1}", b, "Bidang", code) for i, b in enumerate(BIDANG)]
        tops.append(top)
    for k, (name, n) in enumerate(KECAMATAN.items()):
        code = f"KEC{k + 1:02d}"
        top = Unit(code, f"Kecamatan {name}", "Kecamatan", "SETDA")
        top.leaves = [
            Unit(f"{code}.KEL{j + 1:02d}", f"Kelurahan {name} {j + 1}", "Kelurahan", code)
            for j in range(n)
        ]
        tops.append(top)
    # Interleave so a small N still gets both OPD and kecamatan.
    opd, kec = tops[: len(OPD)], tops[len(OPD) :]
    mixed = [u for pair in zip(opd, kec, strict=False) for u in pair]
    return mixed + opd[len(kec) :]


@dataclass
class Person:
    nip: str
    name: str
    position: str
    jenis: str
    golongan: str
    unit: Unit
    penilai: str | None
    head: bool
    pppk: bool = False
    status: str = "Aktif"


class _Nips:
    """Valid, unique NIPs: (birth date, sequence) is unique per number."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def next(self, *, pppk: bool = False) -> str:
        i, self.n = self.n, self.n + 1
        birth = date(1966, 1, 1) + timedelta(days=(i // 999) * 7)
        appointed = birth.year + 22 + i % 10
        month = 21 if pppk else 1 + i % 12
        return make_nip(birth, appointed, month, 1 + i % 2, 1 + i % 999)


def build_people(n: int, *, seed: int = 7, inactive_share: float = 0.01) -> list[Person]:
    """N employees with complete rating chains; `inactive_share` on leave, study or retired."""
    if n < 3:
        raise ValueError("need at least 3 employees (sekda, a head and staff)")
    rng = random.Random(seed)
    nips = _Nips(rng)

    def name() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    setda = Unit("SETDA", "Sekretariat Daerah Kota Semarang", "Setda", None)
    sekda = Person(
        nips.next(), name(), "Sekretaris Daerah", "JPT Pratama", "IV/d", setda, None, True
    )
    people = [sekda]
    # About one leaf unit per 30 employees, as in the city; at least one.
    budget_units = max(1, n // 30)
    units: list[tuple[Unit, list[Unit]]] = []
    used = 0
    for top in semarang_units():
        if used >= budget_units or len(people) + 2 > n:
            break
        leaves = top.leaves[: max(1, min(len(top.leaves), budget_units - used))]
        units.append((top, leaves))
        used += len(leaves)
    heads: dict[str, Person] = {}
    for top, leaves in units:
        jenis = "Administrator" if top.kind == "Kecamatan" else "JPT Pratama"
        title = "Camat" if top.kind == "Kecamatan" else f"Kepala {top.name}"
        boss = Person(nips.next(), name(), title, jenis, "IV/b", top, sekda.nip, True)
        people.append(boss)
        for leaf in leaves:
            if len(people) >= n:
                break
            title = "Lurah" if leaf.kind == "Kelurahan" else f"Kepala {leaf.name}"
            jj = "Pengawas" if leaf.kind == "Kelurahan" else "Administrator"
            h = Person(nips.next(), name(), title, jj, "III/d", leaf, boss.nip, True)
            heads[leaf.code] = h
            people.append(h)
    leaf_units = [u for _, leaves in units for u in leaves if u.code in heads]
    staff_left = n - len(people)
    # Each leaf: teams of TEAM staff under one Pengawas, who is rated by the leaf's head.
    per_leaf = [staff_left // len(leaf_units)] * len(leaf_units)
    for i in range(staff_left % len(leaf_units)):
        per_leaf[i] += 1
    for leaf, count in zip(leaf_units, per_leaf, strict=True):
        head = heads[leaf.code]
        lead: Person | None = None
        in_team = TEAM
        for _ in range(count):
            if in_team >= TEAM or lead is None:
                lead = Person(
                    nips.next(), name(), "Kepala Seksi", "Pengawas", "III/c", leaf, head.nip, False
                )
                people.append(lead)
                in_team = 0
                continue
            pppk = rng.random() < 0.15
            jenis = "Fungsional" if rng.random() < 0.4 else "Pelaksana"
            people.append(
                Person(
                    nips.next(pppk=pppk),
                    name(),
                    "Analis Kebijakan" if jenis == "Fungsional" else "Pengadministrasi Umum",
                    jenis,
                    "IX" if pppk else rng.choice(("II/c", "II/d", "III/a", "III/b")),
                    leaf,
                    lead.nip,
                    False,
                    pppk=pppk,
                )
            )
            in_team += 1
    # A few staff (never a penilai) on leave, studying or retired: the launcher's other paths.
    raters = {p.penilai for p in people}
    staff = [p for p in people if p.nip not in raters and not p.head]
    for p in rng.sample(staff, int(len(staff) * inactive_share)):
        p.status = rng.choice(("Cuti", "Tugas Belajar", "Pensiun"))
    return people


def org_csv(people: list[Person]) -> str:
    """The people as an import file."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    for p in people:
        u = p.unit
        w.writerow(
            [
                p.nip, p.name, p.position, p.jenis, p.golongan, u.code, u.name, u.kind,
                u.parent or "", p.penilai or "", p.status, "PPPK" if p.pppk else "PNS",
                f"{p.nip}@semarangkota.go.id", "ya" if p.head else "",
            ]
        )  # fmt: skip
    return out.getvalue()
