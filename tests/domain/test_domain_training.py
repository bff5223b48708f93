"""JP accounting against the 20 JP minimum and the training triggers."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enums import Predikat, TrainingType
from domain.errors import ValidationFailed
from domain.policy import DEFAULT_JP_PER_TYPE, Policy
from domain.training import JP_MINIMUM_PER_YEAR, jp_for, jp_summary, needs_training


def test_minimum_is_twenty():
    assert JP_MINIMUM_PER_YEAR == 20


def test_jp_for_uses_policy_table():
    assert jp_for(TrainingType.COACHING) == 2
    assert jp_for(TrainingType.E_LEARNING) == 3
    assert jp_for(TrainingType.BIMBINGAN_TEKNIS) == 4
    assert jp_for(TrainingType.MAGANG) == 20
    custom = Policy(jp_per_type=dict(DEFAULT_JP_PER_TYPE) | {TrainingType.COACHING: 3})
    assert jp_for(TrainingType.COACHING, custom) == 3


def test_summary_counts_only_the_year_up_to_as_of():
    records = [
        (date(2024, 12, 31), 8),
        (date(2025, 3, 1), 4),
        (date(2025, 6, 1), 3),
        (date(2025, 9, 1), 24),
    ]
    s = jp_summary(records, 2025, as_of=date(2025, 7, 1))
    assert (s.earned, s.required, s.shortfall) == (7, 20, 13)
    assert s.expected_by_as_of == 20 * 182 // 365  # 9
    assert s.behind_pace
    done = jp_summary(records, 2025, as_of=date(2025, 12, 31))
    assert (done.earned, done.shortfall, done.expected_by_as_of, done.behind_pace) == (
        31,
        0,
        20,
        False,
    )


def test_pace_edges():
    assert jp_summary([], 2025, as_of=date(2025, 1, 1)).expected_by_as_of == 0
    assert not jp_summary([], 2025, as_of=date(2025, 1, 1)).behind_pace
    assert jp_summary([], 2025, as_of=date(2024, 6, 1)).expected_by_as_of == 0
    assert jp_summary([], 2025, as_of=date(2026, 2, 1)).expected_by_as_of == 20
    assert jp_summary([], 2025, as_of=date(2025, 1, 19)).expected_by_as_of == 1
    assert jp_summary([], 2025, as_of=date(2025, 1, 18)).expected_by_as_of == 0


def test_negative_jp_refused():
    with pytest.raises(ValidationFailed):
        jp_summary([(date(2025, 1, 2), -1)], 2025, as_of=date(2025, 2, 1))


@given(
    jps=st.lists(st.integers(0, 40), max_size=10),
    as_of=st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31)),
)
def test_summary_invariants(jps, as_of):
    s = jp_summary([(date(2025, 1, 1), jp) for jp in jps], 2025, as_of=as_of)
    assert s.earned == sum(jps)
    assert s.shortfall == max(0, 20 - s.earned)
    assert 0 <= s.expected_by_as_of <= 20
    assert s.behind_pace == (s.earned < s.expected_by_as_of)


ON_PACE = jp_summary([(date(2025, 2, 1), 20)], 2025, as_of=date(2025, 6, 30))
BEHIND = jp_summary([], 2025, as_of=date(2025, 6, 30))


@pytest.mark.parametrize(
    ("predikat", "triggered"),
    [
        (Predikat.SANGAT_BAIK, False),
        (Predikat.BAIK, False),
        (Predikat.BUTUH_PERBAIKAN, True),
        (Predikat.KURANG, True),
        (Predikat.SANGAT_KURANG, True),
        (None, False),
    ],
)
def test_predikat_trigger(predikat, triggered):
    need = needs_training(predikat, ON_PACE)
    assert (need is not None) is triggered
    if need:
        assert need.performance_gap
        assert not need.behind_pace
        assert need.recommended_jp >= 4


def test_behind_pace_triggers_alone():
    need = needs_training(Predikat.BAIK, BEHIND)
    assert need is not None
    assert (need.performance_gap, need.behind_pace) == (False, True)
    assert need.recommended_jp == BEHIND.expected_by_as_of
    assert "JP 0" in need.reason


def test_trigger_threshold_is_policy():
    strict = Policy(training_trigger=Predikat.BAIK)
    assert needs_training(Predikat.BAIK, ON_PACE, strict) is not None
    lenient = Policy(training_trigger=Predikat.KURANG)
    assert needs_training(Predikat.BUTUH_PERBAIKAN, ON_PACE, lenient) is None
