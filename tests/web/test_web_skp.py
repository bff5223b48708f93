"""An employee drafts and submits an SKP; the penilai returns it, then approves it."""

from playwright.sync_api import expect
from web_helpers import AGUS, BAYU, RETNO, login, shot


def _open_task(page, title):
    page.goto("/tugas")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def _fill_row(page, i, jenis, rhk, iki, value, unit, atasan=None):
    page.locator(f"[name=r{i}_jenis]").select_option(jenis)
    if atasan:
        page.locator(f"[name=r{i}_rhk_atasan]").fill(atasan)
    page.locator(f"[name=r{i}_rhk]").fill(rhk)
    page.locator(f"[name=r{i}_i0_iki]").fill(iki)
    page.locator(f"[name=r{i}_i0_value]").fill(value)
    page.locator(f"[name=r{i}_i0_unit]").fill(unit)


def test_employee_drafts_penilai_returns_then_approves(new_page, skp_year, api):
    agus = new_page()
    login(agus, AGUS)
    shot(agus, "01-tugas-saya")
    _open_task(agus, "Menyusun dan mengajukan SKP")
    leader = "Meningkatnya efektivitas kelembagaan perangkat daerah"
    rhk = "Tersusunnya peta jabatan Bagian Organisasi"
    _fill_row(agus, 0, "Utama", rhk, "Dokumen peta jabatan", "1", "dokumen", atasan=leader)
    agus.get_by_role("button", name="+ Tambah hasil kerja").click()
    _fill_row(agus, 1, "Tambahan", "Terlaksananya arsip digital surat masuk",
              "Persentase surat terarsip", "90", "persen")  # fmt: skip
    # Reorder: the extra row moves up, then back down; the form posts rows in page order.
    agus.get_by_role("button", name="Naikkan hasil kerja").nth(1).click()
    expect(agus.locator("[name=r0_rhk]")).to_have_value("Terlaksananya arsip digital surat masuk")
    agus.get_by_role("button", name="Turunkan hasil kerja").nth(0).click()
    agus.get_by_label("Berorientasi Pelayanan").fill("Menjawab surat masuk dalam 2 hari kerja")
    shot(agus, "02-editor-skp")
    agus.get_by_role("button", name="Ajukan SKP ke penilai").click()
    expect(agus.get_by_role("status")).to_contain_text("Penyusunan SKP terkirim")

    retno = new_page()
    login(retno, RETNO)
    api.task(RETNO, "skp_approval")
    _open_task(retno, "Menyetujui SKP bawahan")
    table = retno.get_by_role("table").first
    expect(table).to_contain_text("Tersusunnya peta jabatan Bagian Organisasi")
    expect(table).to_contain_text("90 persen")
    expect(retno.get_by_text("Menjawab surat masuk dalam 2 hari kerja")).to_be_visible()
    shot(retno, "03-persetujuan-skp")
    retno.get_by_label("Kembalikan untuk diperbaiki").check()
    retno.get_by_label("Catatan untuk pegawai").fill("Target arsip digital dinaikkan ke 95 persen.")
    retno.get_by_role("button", name="Kirim keputusan").click()
    expect(retno.get_by_role("status")).to_contain_text("Persetujuan SKP terkirim")

    api.task(AGUS, "skp_draft")
    _open_task(agus, "Memperbaiki SKP yang dikembalikan")
    expect(agus.get_by_role("note")).to_contain_text("dinaikkan ke 95 persen")
    expect(agus.locator("[name=r1_i0_value]")).to_have_value("90")
    agus.locator("[name=r1_i0_value]").fill("95")
    agus.get_by_role("button", name="Ajukan SKP ke penilai").click()
    expect(agus.get_by_role("status")).to_contain_text("terkirim")

    api.task(RETNO, "skp_approval")
    _open_task(retno, "Menyetujui SKP bawahan")
    expect(retno.get_by_text("Target arsip digital dinaikkan")).to_be_visible()
    expect(retno.get_by_role("table").first).to_contain_text("95 persen")
    retno.get_by_label("Setujui").check()
    retno.get_by_role("button", name="Kirim keputusan").click()
    expect(retno.get_by_role("status")).to_contain_text("terkirim")

    agus.goto(f"/saya/{skp_year}")
    expect(agus.get_by_text("Disetujui")).to_be_visible()
    # The first period's report is written ahead: listed with its opening date, not yet a link.
    ahead = agus.get_by_role("listitem").filter(has_text="Melaporkan realisasi Triwulan I")
    expect(ahead).to_contain_text("dibuka")
    expect(ahead.get_by_role("link")).to_have_count(0)
    shot(agus, "04-hasil-saya")


def test_invalid_skp_shows_the_api_error_on_the_form(new_page, skp_year, api):
    page = new_page()
    login(page, BAYU)
    api.task(BAYU, "skp_draft")
    _open_task(page, "Menyusun dan mengajukan SKP")
    # Utama without the leader's RHK is refused by the domain rule, named on the form.
    _fill_row(page, 0, "Utama", "Terselenggaranya pelayanan administrasi pemerintahan",
              "Jumlah layanan", "100", "layanan")  # fmt: skip
    page.get_by_role("button", name="Ajukan SKP ke penilai").click()
    expect(page.get_by_role("alert")).to_contain_text("rhk_atasan")
    expect(page.locator("[name=r0_rhk]")).to_have_value(
        "Terselenggaranya pelayanan administrasi pemerintahan"
    )


def test_user_cannot_open_another_persons_task(new_page, skp_year):
    page = new_page()
    login(page, AGUS)
    resp = page.goto(f"/tugas/appraisal-{skp_year}-{BAYU}/skp1/draft")
    assert resp.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    expect(page.get_by_role("button", name="Ajukan SKP ke penilai")).to_have_count(0)
