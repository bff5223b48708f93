"""SKP and realisation validation: each error names its field."""

import pytest
from pydantic import ValidationError

from domain.enums import Aspek, BerAKHLAK, JenisJabatan, JenisRHK, Pendekatan, Perspektif
from domain.errors import ValidationFailed
from domain.skp import (
    HasilKerja,
    IkiRealisation,
    RealisationReport,
    Skp,
    Target,
    default_perilaku,
    validation_failed,
)

NIP = "198609262015051001"


def row(jenis: str = "Utama", **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "jenis": jenis,
        "rhk_atasan": "Meningkatnya kualitas layanan perizinan",
        "rhk": "Terlaksananya verifikasi berkas izin",
        "indikator": [
            {
                "iki": "Berkas terverifikasi",
                "aspek": "Kuantitas",
                "target": {"value": 120, "unit": "berkas"},
            }
        ],
    }
    return base | extra


def skp(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "nip": NIP,
        "year": 2025,
        "pendekatan": "Kuantitatif",
        "jenis_jabatan": "Pelaksana",
        "hasil_kerja": [row()],
    }
    return base | extra


def error_of(data: dict[str, object]) -> ValidationFailed:
    with pytest.raises(ValidationError) as exc:
        Skp.model_validate(data)
    return validation_failed(exc.value)


def test_valid_skp_strips_whitespace_and_defaults_perilaku():
    model = Skp.model_validate(skp(hasil_kerja=[row(rhk="  Terverifikasinya berkas  ")]))
    assert model.hasil_kerja[0].rhk == "Terverifikasinya berkas"
    assert [p.value for p in model.perilaku] == list(BerAKHLAK)
    assert model.pendekatan is Pendekatan.KUANTITATIF
    assert len(model.utama) == 1


def test_needs_an_utama_row():
    err = error_of(skp(hasil_kerja=[row("Tambahan")]))
    assert err.field == "hasil_kerja"
    assert "Utama" in err.message


def test_needs_at_least_one_row_and_one_indikator():
    assert error_of(skp(hasil_kerja=[])).field == "hasil_kerja"
    assert error_of(skp(hasil_kerja=[row(indikator=[])])).field == "hasil_kerja.0.indikator"


def test_perspektif_required_for_jpt_and_forbidden_otherwise():
    err = error_of(skp(jenis_jabatan="JPT Pratama"))
    assert (err.field, "perspektif wajib" in err.message) == ("hasil_kerja", True)
    err = error_of(skp(hasil_kerja=[row(perspektif="Anggaran")]))
    assert (err.field, "hanya untuk JPT" in err.message) == ("hasil_kerja", True)
    jpt = Skp.model_validate(
        skp(jenis_jabatan="JPT Pratama", hasil_kerja=[row(perspektif="Anggaran", rhk_atasan=None)])
    )
    assert jpt.hasil_kerja[0].perspektif is Perspektif.ANGGARAN


def test_rhk_atasan_required_for_utama_below_jpt():
    err = error_of(skp(hasil_kerja=[row(rhk_atasan=None)]))
    assert "rhk_atasan" in err.message
    ok = Skp.model_validate(skp(hasil_kerja=[row(), row("Tambahan", rhk_atasan=None)]))
    assert ok.hasil_kerja[1].jenis is JenisRHK.TAMBAHAN


def test_perilaku_must_be_the_seven_values_once():
    seven = [p.model_dump() for p in default_perilaku()]
    assert error_of(skp(perilaku=seven[:6])).field == "perilaku"
    assert error_of(skp(perilaku=[*seven[:6], seven[0]])).field == "perilaku"
    custom = [{**seven[0], "ekspektasi_khusus": "Responsif di kanal Lapor Semar"}, *seven[1:]]
    assert Skp.model_validate(skp(perilaku=custom)).perilaku[0].ekspektasi_khusus


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (skp(nip="12345"), "nip"),
        (skp(year=1999), "year"),
        (skp(jenis_jabatan="Menteri"), "jenis_jabatan"),
        (skp(hasil_kerja=[row(rhk="x" * 1001)]), "hasil_kerja.0.rhk"),
        (skp(hasil_kerja=[row(rhk="   ")]), "hasil_kerja.0.rhk"),
        (skp(unknown=1), "unknown"),
    ],
)
def test_errors_name_the_field(data, field):
    assert error_of(data).field == field


@pytest.mark.parametrize(
    ("target", "ok"),
    [
        ({"value": 10, "unit": "dokumen"}, True),
        ({"min": 80, "max": 100, "unit": "%"}, True),
        ({"min": 80, "max": 100}, True),
        ({"min": 5, "max": 5}, True),
        ({"value": 10}, False),
        ({"value": 10, "unit": "dokumen", "min": 1, "max": 2}, False),
        ({"min": 80}, False),
        ({"min": 100, "max": 80}, False),
        ({"value": -1, "unit": "dokumen"}, False),
        ({"value": float("nan"), "unit": "dokumen"}, False),
        ({}, False),
    ],
)
def test_target_forms(target, ok):
    if ok:
        assert Target.model_validate(target)
    else:
        with pytest.raises(ValidationError):
            Target.model_validate(target)


def test_hasil_kerja_row_alone():
    hk = HasilKerja.model_validate(row(is_innovation=True))
    assert hk.is_innovation
    assert hk.indikator[0].aspek is Aspek.KUANTITAS


def _report(**extra: object) -> RealisationReport:
    item = {"row": 0, "indikator": 0, "realisasi": "118 berkas", "nilai": 118}
    data: dict[str, object] = {"nip": NIP, "year": 2025, "period_index": 1, "items": [item]}
    return RealisationReport.model_validate(data | extra)


@pytest.mark.parametrize(
    "url", ["https://drive.semarangkota.go.id/bukti/1.pdf", "http://10.0.0.5/x?id=3"]
)
def test_evidence_accepts_http_urls(url):
    item = IkiRealisation(row=0, indikator=0, realisasi="ok", evidence=[url])
    assert item.evidence == [url]


@pytest.mark.parametrize(
    "url", ["ftp://x.go.id/a", "javascript:alert(1)", "https://", "https://a b.id/", "bukti.pdf"]
)
def test_evidence_rejects_other_links(url):
    with pytest.raises(ValidationError) as exc:
        IkiRealisation(row=0, indikator=0, realisasi="ok", evidence=[url])
    assert validation_failed(exc.value).field == "evidence.0"


def test_report_rejects_duplicate_items():
    item = {"row": 0, "indikator": 0, "realisasi": "a"}
    with pytest.raises(ValidationError) as exc:
        _report(items=[item, item])
    assert validation_failed(exc.value).field == "items"


def test_report_checked_against_the_skp():
    model = Skp.model_validate(skp(jenis_jabatan=JenisJabatan.PELAKSANA))
    _report().check_against(model)
    bad_row = _report(items=[{"row": 1, "indikator": 0, "realisasi": "a"}])
    with pytest.raises(ValidationFailed) as exc:
        bad_row.check_against(model)
    assert exc.value.field == "items.0.row"
    bad_iki = _report(items=[{"row": 0, "indikator": 3, "realisasi": "a"}])
    with pytest.raises(ValidationFailed) as exc:
        bad_iki.check_against(model)
    assert exc.value.field == "items.0.indikator"
    with pytest.raises(ValidationFailed) as exc:
        _report(year=2026).check_against(model)
    assert exc.value.field == "nip"
