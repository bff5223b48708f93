"""An auditor searches cycles, opens a timeline in plain words and downloads its history."""

import json
import re

from playwright.sync_api import expect
from web_helpers import login, shot


def test_auditor_opens_a_timeline(new_page, skp_year):
    page = new_page()
    login(page, "auditor")
    page.goto("/pemeriksaan")
    expect(page.get_by_role("status")).to_contain_text("Utuh")
    page.get_by_label("Tahun", exact=True).fill(str(skp_year))
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name="Agus Setiawan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Linimasa keputusan")
    timeline = page.get_by_role("list", name="Keputusan, dari yang paling awal")
    expect(timeline.get_by_role("listitem").first).to_contain_text("WIB — ")
    expect(timeline).to_contain_text("siklus")
    # The cycle's SKP reminders were written ahead with its draft: listed with their fate.
    notices = page.get_by_role("list", name="Pengingat tenggat")
    expect(notices.get_by_role("listitem").first).to_contain_text(
        re.compile(r"WIB — .*(dijadwalkan|tidak dikirim|Sistem mengirim pengingat)")
    )
    shot(page, "09-linimasa-auditor")
    link = page.get_by_role("link", name="Unduh riwayat Temporal (JSON)")
    history = page.request.get(link.get_attribute("href"))
    assert history.status == 200
    assert json.loads(history.text())["events"]
