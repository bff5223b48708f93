"""Fixtures of the storage tests."""

import pytest
from csv_helpers import csv_text, nip, row


@pytest.fixture
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
