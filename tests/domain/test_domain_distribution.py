"""Distribution curve: every row of the SE MenPANRB 3/2023 table, each bound on both sides."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.distribution import Bound, check_distribution
from domain.enums import OrgPredikat, Predikat

SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)


def rules(org: OrgPredikat, counts: dict[Predikat, int]) -> set[str]:
    return {v.rule for v in check_distribution(org, counts)}


# Each case: a unit of 10 (or 20) that sits exactly on a bound, then one step over it.
@pytest.mark.parametrize(
    ("org", "on_bound", "over_bound", "rule"),
    [
        (OrgPredikat.ISTIMEWA, {SB: 7, B: 3}, {SB: 8, B: 2}, "istimewa.sangat_baik_max"),
        (OrgPredikat.BAIK, {B: 7, SB: 2, BP: 1}, {B: 8, BP: 2}, "baik.baik_max"),
        (OrgPredikat.BAIK, {B: 5, SB: 4, K: 1}, {B: 5, SB: 5}, "baik.bp_or_kurang_min_one"),
        (OrgPredikat.BUTUH_PERBAIKAN, {BP: 6, B: 4}, {BP: 5, B: 5}, "butuh_perbaikan.bp_min"),
        (
            OrgPredikat.BUTUH_PERBAIKAN,
            {BP: 6, SB: 1, B: 3},
            {BP: 6, SB: 2, B: 2},
            "butuh_perbaikan.sangat_baik_max",
        ),
        (OrgPredikat.KURANG, {K: 6, BP: 4}, {K: 5, BP: 5}, "kurang.kurang_min"),
        (OrgPredikat.KURANG, {K: 6, BP: 1, B: 3}, {K: 6, B: 4}, "kurang.bp_min"),
        (OrgPredikat.KURANG, {K: 6, BP: 3, SB: 1}, {K: 6, BP: 2, SB: 2}, "kurang.sangat_baik_max"),
        (
            OrgPredikat.SANGAT_KURANG,
            {SK: 6, K: 4},
            {SK: 5, K: 5},
            "sangat_kurang.sangat_kurang_min",
        ),
        (
            OrgPredikat.SANGAT_KURANG,
            {SK: 6, BP: 1, B: 3},
            {SK: 6, B: 4},
            "sangat_kurang.kurang_or_bp_min",
        ),
        (
            OrgPredikat.SANGAT_KURANG,
            {SK: 6, K: 4},
            {SK: 6, K: 3, SB: 1},
            "sangat_kurang.sangat_baik_none",
        ),
    ],
)
def test_bound_is_inclusive_and_one_more_breaks_it(org, on_bound, over_bound, rule):
    assert rule not in rules(org, on_bound)
    assert rule in rules(org, over_bound)


def test_clean_units_have_no_violations():
    assert check_distribution(OrgPredikat.ISTIMEWA, {SB: 7, B: 3}) == []
    assert check_distribution(OrgPredikat.BAIK, {SB: 2, B: 7, BP: 1}) == []
    assert check_distribution(OrgPredikat.BUTUH_PERBAIKAN, {BP: 6, B: 3, SB: 1}) == []
    assert check_distribution(OrgPredikat.KURANG, {K: 6, BP: 1, B: 2, SB: 1}) == []
    assert check_distribution(OrgPredikat.SANGAT_KURANG, {SK: 6, K: 1, B: 3}) == []


@pytest.mark.parametrize("org", list(OrgPredikat))
def test_empty_unit_has_no_violations(org):
    assert check_distribution(org, {}) == []
    assert check_distribution(org, dict.fromkeys(Predikat, 0)) == []


def test_violation_details_in_bahasa_indonesia():
    (v,) = check_distribution(OrgPredikat.ISTIMEWA, {SB: 8, B: 2})
    assert v.kind is Bound.AT_MOST
    assert v.predikat == (SB,)
    assert v.actual_share == pytest.approx(0.8)
    assert v.actual_count == 8
    assert v.bound == pytest.approx(0.7)
    assert v.message == (
        "Unit berpredikat Istimewa: predikat Sangat Baik 80,0% melebihi batas maksimal 70%."
    )


def test_count_and_combined_rules_report_their_measure():
    (v,) = check_distribution(OrgPredikat.BAIK, {B: 3, SB: 2})
    assert (v.kind, v.bound, v.actual_count) == (Bound.AT_LEAST_COUNT, 1, 0)
    assert v.predikat == (BP, K)
    found = check_distribution(OrgPredikat.SANGAT_KURANG, {SK: 9, B: 1})
    assert [f.rule for f in found] == ["sangat_kurang.kurang_or_bp_min"]
    assert "Kurang/Misconduct atau Butuh Perbaikan" in found[0].message
    (none_allowed,) = check_distribution(OrgPredikat.SANGAT_KURANG, {SK: 8, K: 1, SB: 1})
    assert "tidak boleh ada" in none_allowed.message


def test_multiple_violations_are_all_listed():
    assert rules(OrgPredikat.KURANG, {SB: 10}) == {
        "kurang.kurang_min",
        "kurang.bp_min",
        "kurang.sangat_baik_max",
    }


def test_negative_counts_are_ignored_not_raised():
    assert check_distribution(OrgPredikat.ISTIMEWA, {SB: -5, B: 1}) == []


@given(
    org=st.sampled_from(list(OrgPredikat)),
    counts=st.dictionaries(st.sampled_from(list(Predikat)), st.integers(0, 200)),
)
def test_never_raises_and_shares_are_consistent(org, counts):
    total = sum(counts.values())
    for v in check_distribution(org, counts):
        assert 0 <= v.actual_share <= 1
        assert v.actual_share == pytest.approx(v.actual_count / total)
        if v.kind is Bound.AT_MOST:
            assert v.actual_share > v.bound
        elif v.kind is Bound.AT_LEAST:
            assert v.actual_share < v.bound
