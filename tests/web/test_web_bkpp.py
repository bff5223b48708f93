"""BKPP opens a year, launches a unit from the dashboard and watches its progress."""

from playwright.sync_api import expect
from web_helpers import login, shot


def test_bkpp_launches_a_unit_and_watches_progress(new_page):
    page = new_page()
    login(page, "bkpp")
    page.goto("/dasbor")
    details = page.locator("details", has_text="Buka tahun kinerja baru")
    if details.get_attribute("open") is None:  # open already when no year exists yet
        page.get_by_text("Buka tahun kinerja baru").click()
    page.get_by_label("Tahun baru").fill("2033")
    page.get_by_role("button", name="Buka tahun").click()
    page.wait_for_url("**/dasbor?tahun=2033")
    page.get_by_label("Unit (beserta sub-unitnya) atau seluruh kota").select_option("DISKOMINFO")
    page.get_by_role("button", name="Luncurkan tahun 2033").click()
    status = page.locator("#launch-status")
    expect(status).to_contain_text("Peluncuran DISKOMINFO")
    expect(status).to_contain_text("Selesai.", timeout=30_000)
    started = int(status.get_by_test_id("started").inner_text())
    assert started >= 5  # DISKOMINFO and its bidang
    expect(status.get_by_test_id("recorded")).to_have_text(str(started))
    shot(page, "07-peluncuran")
    page.get_by_role("link", name="Muat ulang dasbor").click()
    expect(page.get_by_role("table").nth(1)).to_contain_text("Dinas Komunikasi")
    shot(page, "08-dasbor-bkpp")
    csv = page.request.get("/dasbor/2033/ekspor.csv")
    assert csv.status == 200
    assert csv.text().lstrip("\ufeff").startswith("nip,nama,unit,predikat")
