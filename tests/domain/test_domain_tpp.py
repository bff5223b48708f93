"""TPP bands of Perwal 76/2021 at every edge, predikat shares and eligibility."""

import math

import pytest

from domain.enums import EmploymentStatus, Predikat
from domain.errors import ValidationFailed
from domain.policy import Policy
from domain.tpp import TPP_BANDS, tpp_eligibility, tpp_share_for_predikat, tpp_share_for_score


@pytest.mark.parametrize(
    ("score", "share"),
    [
        (100, 100),
        (90, 100),
        (89.999, 85),
        (80, 85),
        (79.999, 70),
        (70, 70),
        (69.999, 55),
        (60, 55),
        (59.999, 40),
        (50, 40),
        (49.999, 25),
        (40, 25),
        (39.999, 0),
        (0, 0),
    ],
)
def test_every_band_edge(score, share):
    assert tpp_share_for_score(score) == share


@pytest.mark.parametrize("score", [-0.001, 100.001, math.nan, math.inf])
def test_score_outside_0_100_is_refused(score):
    with pytest.raises(ValidationFailed) as exc:
        tpp_share_for_score(score)
    assert exc.value.field == "score"


def test_band_table_is_exportable_and_tiles_0_to_100():
    assert [b.label for b in TPP_BANDS] == [
        ">= 90",
        "80 - <90",
        "70 - <80",
        "60 - <70",
        "50 - <60",
        "40 - <50",
        "< 40",
    ]
    for upper, lower in zip(TPP_BANDS, TPP_BANDS[1:], strict=False):
        assert lower.max_score == upper.min_score
    assert TPP_BANDS[-1].min_score == 0


@pytest.mark.parametrize(
    ("predikat", "share"),
    [
        (Predikat.SANGAT_BAIK, 100),
        (Predikat.BAIK, 100),
        (Predikat.BUTUH_PERBAIKAN, 70),
        (Predikat.KURANG, 40),
        (Predikat.SANGAT_KURANG, 0),
    ],
)
def test_default_share_per_predikat(predikat, share):
    assert tpp_share_for_predikat(predikat) == share


def test_share_per_predikat_follows_policy():
    scores = dict.fromkeys(Predikat, 100.0) | {Predikat.BAIK: 85.0}
    assert tpp_share_for_predikat(Predikat.BAIK, Policy(tpp_score_by_predikat=scores)) == 85


@pytest.mark.parametrize(
    ("status", "kwargs", "entitled", "reason"),
    [
        (EmploymentStatus.AKTIF, {}, True, "Berhak"),
        (EmploymentStatus.CUTI, {"leave_days_in_month": 15}, True, "Berhak"),
        (EmploymentStatus.CUTI, {"leave_days_in_month": 16}, False, "16 hari"),
        (EmploymentStatus.MPP, {}, False, "MPP"),
        (EmploymentStatus.CLTN, {}, False, "CLTN"),
        (EmploymentStatus.DIBERHENTIKAN_SEMENTARA, {"detained": True}, False, "ditahan"),
        (EmploymentStatus.AKTIF, {"detained": True}, False, "ditahan"),
        (EmploymentStatus.PENSIUN, {}, False, "Pensiun"),
    ],
)
def test_eligibility(status, kwargs, entitled, reason):
    result = tpp_eligibility(status, **kwargs)
    assert result.entitled is entitled
    assert reason in result.reason


def test_leave_days_validated():
    with pytest.raises(ValidationFailed):
        tpp_eligibility(EmploymentStatus.AKTIF, leave_days_in_month=32)
