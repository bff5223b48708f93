"""A period is rated: realisation with evidence in the browser, then the penilai's rating form shows
the SKP, the evidence, the period's citizen feedback and the predicate before submitting."""

from playwright.sync_api import expect
from web_helpers import login, shot

SRI = "199602142020032007"  # Pengadministrasi Umum, KEC.SMGTENGAH
NUR_AINI = "198006182006012005"  # her penilai, Sekretaris Kecamatan
YEAR = 2032
# A monthly year compressed into 2 minutes: January (period 1) ends ~10 s after the launch; the
# due dates are stretched by policy so nothing escalates while the browser works.
CYCLE = {
    "calendar_kind": "monthly",
    "compressed_minutes": 2,
    "policy": {"rating_due_days": 366, "realisation_due_days": 366, "skp_review_days": 366},
}
SKP = {
    "nip": SRI,
    "year": YEAR,
    "pendekatan": "Kuantitatif",
    "jenis_jabatan": "Pelaksana",
    "hasil_kerja": [
        {
            "jenis": "Utama",
            "rhk_atasan": "Meningkatnya kualitas pelayanan administrasi kecamatan",
            "rhk": "Terlayaninya permohonan surat pengantar KTP",
            "indikator": [
                {"iki": "Jumlah permohonan dilayani", "aspek": "Kuantitas",
                 "target": {"value": 300, "unit": "permohonan"}},
            ],
        }
    ],
}  # fmt: skip


def test_a_period_is_rated(new_page, api):
    api.launch(YEAR, [SRI], **CYCLE)
    r = api.post("/public/feedback", None, {"unit_code": "KEC.SMGTENGAH", "rating": 5,
                 "text": "Surat pengantar selesai dalam 15 menit, petugas ramah."})  # fmt: skip
    assert r.status_code == 201, r.text
    draft = api.task(SRI, "skp_draft")
    r = api.post(f"/tasks/{draft['id']}/complete", SRI, {"payload": {"skp": SKP}})
    assert r.status_code == 200, r.text
    review = api.task(NUR_AINI, "skp_approval")
    r = api.post(f"/tasks/{review['id']}/complete", NUR_AINI, {"payload": {"approve": True}})
    assert r.status_code == 200, r.text

    sri = new_page()
    login(sri, SRI)
    api.task(SRI, "realisation", timeout=40)
    sri.goto("/tugas")
    sri.get_by_role("link", name="Melaporkan realisasi Januari").click()
    sri.get_by_label("Realisasi").fill("312 permohonan dilayani, rata-rata 12 menit.")
    sri.get_by_label("Nilai capaian").fill("312")
    sri.get_by_label("Bukti dukung").fill("https://arsip.semarangkota.go.id/kec-smgtengah/jan.pdf")
    shot(sri, "05-laporan-realisasi")
    sri.get_by_role("button", name="Kirim laporan realisasi").click()
    expect(sri.get_by_role("status")).to_contain_text("Laporan realisasi terkirim")

    penilai = new_page(width=412, height=915)  # a phone
    login(penilai, NUR_AINI)
    api.task(NUR_AINI, "period_rating")
    penilai.goto("/tugas")
    penilai.get_by_role("link", name="Menilai kinerja Januari").click()
    expect(penilai.get_by_text("312 permohonan dilayani")).to_be_visible()
    expect(
        penilai.get_by_role("link", name="https://arsip.semarangkota.go.id/kec-smgtengah/jan.pdf")
    )
    expect(penilai.get_by_text("Surat pengantar selesai dalam 15 menit")).to_be_visible()
    penilai.get_by_label("Terlayaninya permohonan surat pengantar KTP").select_option(
        "Sesuai Ekspektasi"
    )
    hasil = penilai.get_by_role("group", name="Rating Hasil Kerja")
    hasil.get_by_label("Di Atas Ekspektasi").check()
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal",
                  "Adaptif", "Kolaboratif"):  # fmt: skip
        answer = "Di Atas Ekspektasi" if value != "Loyal" else "Sesuai Ekspektasi"
        penilai.get_by_label(f"{value}: {answer}").check()
    result = penilai.locator("#predikat-hasil")
    expect(result).to_contain_text("Saran Perilaku Kerja dari ketujuh nilai BerAKHLAK: Di Atas")
    penilai.get_by_role("group", name="Rating Perilaku Kerja").get_by_label(
        "Di Atas Ekspektasi"
    ).check()
    expect(result).to_contain_text("Predikat yang akan tercatat: Sangat Baik")
    penilai.get_by_role("group", name="Rating Perilaku Kerja").get_by_label(
        "Sesuai Ekspektasi"
    ).check()
    expect(result).to_contain_text("Predikat yang akan tercatat: Baik")
    penilai.get_by_label("Umpan balik untuk pegawai").fill("Pelayanan cepat; pertahankan.")
    shot(penilai, "06-penilaian-periodik-ponsel")
    penilai.get_by_role("button", name="Kirim penilaian").click()
    expect(penilai.get_by_role("status")).to_contain_text("Penilaian periodik terkirim")

    sri.goto(f"/saya/{YEAR}")
    expect(sri.get_by_role("table", name="Hasil penilaian periodik")).to_contain_text("Baik")

    # The unit's predicate is Baik: one Baik of one (100%) breaks "Baik at most 70%" -> warning.
    r = api.http.put("/units/KEC.SMGTENGAH/predikat", headers=api.auth("bkpp"),
                     json={"year": YEAR, "org_predikat": "Baik"})  # fmt: skip
    assert r.status_code == 200, r.text
    bkpp = new_page()
    login(bkpp, "bkpp")
    bkpp.goto(f"/dasbor?tahun={YEAR}")
    chart = bkpp.get_by_role("figure").filter(has_text="Kecamatan Semarang Tengah")
    expect(chart.get_by_role("img")).to_be_visible()
    expect(chart).to_contain_text("melebihi batas maksimal 70%")
    shot(bkpp, "11-dasbor-kurva")
