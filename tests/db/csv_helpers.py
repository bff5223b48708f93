"""CSV builders for the storage tests: small organisations with valid NIPs."""

from datetime import date

from domain.nip import make_nip

HEADER = (
    "nip,nama,jabatan,jenis_jabatan,golongan,kode_unit,unit,jenis_unit,kode_unit_induk,"
    "nip_atasan,status,jenis_pegawai,email,kepala_unit"
)


def nip(seq: int, *, pppk: bool = False) -> str:
    """A valid NIP, distinct per `seq` (PPPK numbers carry the type code 21 as month)."""
    birth = date(1970 + seq % 25, 1 + seq % 12, 1 + seq % 28)
    return make_nip(birth, birth.year + 25, 21 if pppk else 3, 1 + seq % 2, seq % 1000)


def row(
    n: str,
    *,
    atasan: str = "",
    unit: str = "DINKES",
    unit_name: str = "Dinas Kesehatan",
    kind: str = "Dinas",
    induk: str = "",
    jenis: str = "Pelaksana",
    golongan: str = "III/a",
    status: str = "Aktif",
    pegawai: str = "PNS",
    head: bool = False,
    name: str | None = None,
) -> str:
    """One CSV line with sensible defaults."""
    name = name or f"Pegawai {n[-4:]}"
    return (
        f"{n},{name},Pengadministrasi Umum,{jenis},{golongan},{unit},{unit_name},{kind},{induk},"
        f"{atasan},{status},{pegawai},{n}@semarangkota.go.id,{'ya' if head else ''}"
    )


def csv_text(*rows: str) -> str:
    """A CSV file's content: header plus rows."""
    return "\n".join([HEADER, *rows]) + "\n"


def small_org() -> tuple[str, list[str]]:
    """A kepala, a kabid under them and three staff: (csv text, NIPs in order)."""
    nips = [nip(i) for i in range(1, 6)]
    text = csv_text(
        row(nips[0], jenis="JPT Pratama", golongan="IV/c", head=True),
        row(nips[1], atasan=nips[0], jenis="Administrator", golongan="IV/a"),
        row(nips[2], atasan=nips[1]),
        row(nips[3], atasan=nips[1]),
        row(nips[4], atasan=nips[1], pegawai="PPPK", golongan="IX"),
    )
    return text, nips
