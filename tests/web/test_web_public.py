"""A citizen (no login) sends feedback about a unit and sees its public summary change."""

import re

from playwright.sync_api import expect
from web_helpers import shot


def test_citizen_feedback_changes_the_summary(new_page):
    page = new_page(width=390, height=844)  # a phone
    page.goto("/publik")
    page.get_by_role("link", name="Kecamatan Banyumanik").click()
    count = page.get_by_test_id("count")
    before = int(count.inner_text())
    page.get_by_label("4 — puas").check()
    page.get_by_label("Ceritakan pengalaman Anda").fill("Pengurusan surat pindah cepat dan jelas.")
    page.get_by_role("button", name="Kirim masukan").click()
    expect(page.get_by_role("status")).to_contain_text("Terima kasih")
    expect(count).to_have_text(str(before + 1))
    expect(page.get_by_test_id("average")).to_have_text(re.compile(r"\d\.\d\d"))
    shot(page, "10-layanan-publik-ponsel")
