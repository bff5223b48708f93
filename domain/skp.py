"""The SKP (Sasaran Kinerja Pegawai) and its realisation reports, validated as submitted."""

from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.enums import Aspek, BerAKHLAK, JenisJabatan, JenisRHK, Pendekatan, Perspektif
from domain.errors import ValidationFailed
from domain.nip import NipStr

ShortText = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Number = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Model(BaseModel):
    # Forbid unknown keys so a misspelt field is an error, not silently dropped.
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)


class Target(_Model):
    """A target: a single value with its unit, or a min..max range (unit optional)."""

    value: Number | None = None
    min: Number | None = None
    max: Number | None = None
    unit: ShortText | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        ranged = self.min is not None or self.max is not None
        if self.value is not None:
            if ranged:
                raise ValueError("isi nilai tunggal atau rentang min-maks, bukan keduanya")
            if self.unit is None:
                raise ValueError("target nilai tunggal wajib mencantumkan satuan")
        elif self.min is None or self.max is None:
            raise ValueError("target wajib berisi nilai + satuan, atau min dan maks")
        elif self.min > self.max:
            raise ValueError("min tidak boleh lebih besar dari maks")
        return self


class Indikator(_Model):
    """An Indikator Kinerja Individu (IKI) with its aspek and target."""

    iki: Text
    aspek: Aspek
    target: Target


class HasilKerja(_Model):
    """One Rencana Hasil Kerja row; `rhk_atasan` is the leader's RHK it cascades from."""

    jenis: JenisRHK
    rhk_atasan: Text | None = None
    rhk: Text
    indikator: list[Indikator] = Field(min_length=1, max_length=20)
    perspektif: Perspektif | None = None
    is_innovation: bool = False


class PerilakuKerja(_Model):
    """One BerAKHLAK value with the leader's optional specific expectation."""

    value: BerAKHLAK
    ekspektasi_khusus: Text | None = None


def default_perilaku() -> list[PerilakuKerja]:
    """The seven BerAKHLAK values without specific expectations, in official order."""
    return [PerilakuKerja(value=v) for v in BerAKHLAK]


class Skp(_Model):
    """A full SKP for one employee, position and year."""

    nip: NipStr
    year: int = Field(ge=2000, le=2200)
    pendekatan: Pendekatan
    # Declared before hasil_kerja so the row validator can see it.
    jenis_jabatan: JenisJabatan
    hasil_kerja: list[HasilKerja] = Field(min_length=1, max_length=50)
    perilaku: list[PerilakuKerja] = Field(default_factory=default_perilaku)

    @field_validator("hasil_kerja")
    @classmethod
    def _rows(cls, rows: list[HasilKerja], info: ValidationInfo) -> list[HasilKerja]:
        if not any(r.jenis is JenisRHK.UTAMA for r in rows):
            raise ValueError("minimal satu hasil kerja berjenis Utama")
        jabatan = info.data.get("jenis_jabatan")
        if jabatan is None:  # already reported on its own field
            return rows
        for i, row in enumerate(rows):
            if jabatan.is_jpt and row.perspektif is None:
                raise ValueError(f"baris {i + 1}: perspektif wajib untuk JPT")
            if not jabatan.is_jpt and row.perspektif is not None:
                raise ValueError(f"baris {i + 1}: perspektif hanya untuk JPT")
            # Cascading: below JPT every Utama row must intervene in a leader's RHK.
            if not jabatan.is_jpt and row.jenis is JenisRHK.UTAMA and row.rhk_atasan is None:
                raise ValueError(f"baris {i + 1}: rhk_atasan (RHK pimpinan) wajib untuk Utama")
        return rows

    @field_validator("perilaku")
    @classmethod
    def _seven_values(cls, items: list[PerilakuKerja]) -> list[PerilakuKerja]:
        values = [p.value for p in items]
        if len(values) != len(BerAKHLAK) or set(values) != set(BerAKHLAK):
            raise ValueError("perilaku harus memuat ketujuh nilai BerAKHLAK masing-masing sekali")
        return items

    @property
    def utama(self) -> list[HasilKerja]:
        """The Utama rows, whose ratings bound the Hasil Kerja rating."""
        return [r for r in self.hasil_kerja if r.jenis is JenisRHK.UTAMA]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise ValueError("tautan bukti dukung harus berupa URL http(s) yang sah")
    return value


EvidenceUrl = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_http_url)]


class IkiRealisation(_Model):
    """Realisation of one IKI: `row` and `indikator` are 0-based indexes into the SKP."""

    row: int = Field(ge=0)
    indikator: int = Field(ge=0)
    realisasi: LongText
    nilai: Number | None = None
    evidence: list[EvidenceUrl] = Field(default_factory=list, max_length=20)


class RealisationReport(_Model):
    """An employee's realisation for one period of the year."""

    nip: NipStr
    year: int = Field(ge=2000, le=2200)
    period_index: int = Field(ge=1, le=12)
    items: list[IkiRealisation] = Field(min_length=1, max_length=500)
    catatan: LongText | None = None

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[IkiRealisation]) -> list[IkiRealisation]:
        keys = [(i.row, i.indikator) for i in items]
        if len(set(keys)) != len(keys):
            raise ValueError("setiap indikator hanya boleh dilaporkan sekali")
        return items

    def check_against(self, skp: Skp) -> None:
        """Raise ValidationFailed when an item points at a row or IKI the SKP does not have."""
        if (self.nip, self.year) != (skp.nip, skp.year):
            raise ValidationFailed("laporan tidak sesuai dengan SKP (NIP/tahun)", field="nip")
        for n, item in enumerate(self.items):
            if item.row >= len(skp.hasil_kerja):
                raise ValidationFailed("baris hasil kerja tidak ada", field=f"items.{n}.row")
            if item.indikator >= len(skp.hasil_kerja[item.row].indikator):
                raise ValidationFailed("indikator tidak ada", field=f"items.{n}.indikator")


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """Translate a pydantic error into ValidationFailed naming the first failing field (dotted)."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return ValidationFailed(first["msg"], field=field)
