"""The predikat matrix, the Di Atas guard, the Perilaku suggestion and credit points."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enums import BerAKHLAK, Predikat, Rating
from domain.errors import ValidationFailed
from domain.policy import PerilakuRule
from domain.predikat import (
    check_hasil_kerja,
    credit_point_percentage,
    hasil_kerja_allowed,
    perilaku_from_values,
    predikat_from_ratings,
)

A, S, B = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH


@pytest.mark.parametrize(
    ("hasil", "perilaku", "expected"),
    [
        (A, B, Predikat.KURANG),
        (A, S, Predikat.BAIK),
        (A, A, Predikat.SANGAT_BAIK),
        (S, B, Predikat.KURANG),
        (S, S, Predikat.BAIK),
        (S, A, Predikat.BAIK),
        (B, B, Predikat.SANGAT_KURANG),
        (B, S, Predikat.BUTUH_PERBAIKAN),
        (B, A, Predikat.BUTUH_PERBAIKAN),
    ],
)
def test_every_cell_of_the_matrix(hasil, perilaku, expected):
    assert predikat_from_ratings(hasil, perilaku) is expected


def test_accepts_raw_string_values():
    assert predikat_from_ratings("Di Atas Ekspektasi", "Di Atas Ekspektasi") is Predikat.SANGAT_BAIK


@pytest.mark.parametrize(
    ("proposed", "utama", "allowed"),
    [
        (A, [A, S], True),
        (A, [], True),
        (A, [A, B], False),
        (S, [B, B], True),
        (B, [A], True),
    ],
)
def test_di_atas_only_without_an_utama_below(proposed, utama, allowed):
    assert hasil_kerja_allowed(proposed, utama) is allowed
    if allowed:
        check_hasil_kerja(proposed, utama)
    else:
        with pytest.raises(ValidationFailed) as exc:
            check_hasil_kerja(proposed, utama)
        assert exc.value.field == "hasil_kerja"


def test_guard_accepts_any_iterable():
    assert not hasil_kerja_allowed(A, (r for r in [S, B]))


def _values(**overrides: Rating) -> dict[BerAKHLAK, Rating]:
    ratings = dict.fromkeys(BerAKHLAK, S)
    for name, rating in overrides.items():
        ratings[BerAKHLAK[name]] = rating
    return ratings


def test_perilaku_default_rule():
    assert perilaku_from_values(_values()) is S
    assert perilaku_from_values(_values(LOYAL=B)) is B
    three = _values(AKUNTABEL=A, KOMPETEN=A, LOYAL=A)
    assert perilaku_from_values(three) is S
    four = _values(AKUNTABEL=A, KOMPETEN=A, LOYAL=A, ADAPTIF=A)
    assert perilaku_from_values(four) is A
    assert perilaku_from_values({**dict.fromkeys(BerAKHLAK, A), BerAKHLAK.HARMONIS: B}) is B


def test_perilaku_rule_is_configurable():
    lenient = PerilakuRule(below_when_at_least=2, above_when_at_least=7)
    assert perilaku_from_values(_values(LOYAL=B), lenient) is S
    assert perilaku_from_values(_values(LOYAL=B, ADAPTIF=B), lenient) is B
    almost = {**dict.fromkeys(BerAKHLAK, A), BerAKHLAK.LOYAL: B}
    assert perilaku_from_values(almost, lenient) is S  # Di Atas never with a value below
    assert perilaku_from_values(dict.fromkeys(BerAKHLAK, A), lenient) is A


def test_perilaku_requires_all_seven():
    ratings = _values()
    del ratings[BerAKHLAK.KOLABORATIF]
    with pytest.raises(ValidationFailed, match="Kolaboratif") as exc:
        perilaku_from_values(ratings)
    assert exc.value.field == "perilaku"


@given(st.lists(st.sampled_from(list(Rating)), min_size=7, max_size=7))
def test_perilaku_suggestion_is_bounded_by_the_values(ratings):
    result = perilaku_from_values(dict(zip(BerAKHLAK, ratings, strict=True)))
    assert (result is B) == (B in ratings)
    if result is A:
        assert ratings.count(A) >= 4


@pytest.mark.parametrize(
    ("predikat", "percent"),
    [
        (Predikat.SANGAT_BAIK, 150),
        (Predikat.BAIK, 100),
        (Predikat.BUTUH_PERBAIKAN, 75),
        (Predikat.KURANG, 50),
        (Predikat.SANGAT_KURANG, 25),
    ],
)
def test_credit_points(predikat, percent):
    assert credit_point_percentage(predikat) == percent
