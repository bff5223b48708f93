"""NIP parsing: every validation reason, PPPK leniency and the make/parse round trip."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.errors import ValidationFailed
from domain.nip import NipStr, is_valid_nip, make_nip, parse_nip


def test_parses_the_reference_example():
    nip = parse_nip("198609262015051001")
    assert nip.birth_date == date(1986, 9, 26)
    assert (nip.appointment_year, nip.appointment_month) == (2015, 5)
    assert (nip.gender, nip.sequence) == (1, 1)
    assert nip.formatted == "19860926 201505 1 001"


def test_strips_surrounding_whitespace():
    assert parse_nip("  198609262015051001 ").value == "198609262015051001"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("19860926201505100", "18 digit"),
        ("1986092620150510011", "18 digit"),
        ("19860926201505100a", "18 digit"),
        ("１９８６０９２６２０１５０５１００１", "18 digit"),  # full-width digits are not ASCII
        ("198602302015051001", "tanggal lahir"),
        ("198613012015051001", "tanggal lahir"),
        ("198609262015001001", "bulan pengangkatan"),
        ("198609262015131001", "bulan pengangkatan"),
        ("198609262004081001", "usia 18"),
        ("198609262015053001", "jenis kelamin"),
        ("198609262015050001", "jenis kelamin"),
    ],
)
def test_rejects_with_specific_reason(value, reason):
    with pytest.raises(ValidationFailed) as exc:
        parse_nip(value)
    assert exc.value.field == "nip"
    assert reason in exc.value.message
    assert not is_valid_nip(value)


def test_appointment_exactly_at_eighteen_is_allowed():
    assert is_valid_nip("198609262004091001")  # Sept 2004 = 18th birthday month
    assert not is_valid_nip("198609262004081001")


def test_leap_day_birth_date():
    assert is_valid_nip("200002292020012001")
    assert not is_valid_nip("190002292020012001")  # 1900 is not a leap year


def test_pppk_type_code_accepted_only_when_marked():
    pppk = "199001012021212001"  # month digits '21' are the PPPK code
    assert not is_valid_nip(pppk)
    nip = parse_nip(pppk, pppk=True)
    assert nip.appointment_month is None
    assert nip.appointment_year == 2021
    assert nip.gender == 2


@pytest.mark.parametrize("value", ["199002302021212001", "199001012021213001", "1990010120212120"])
def test_pppk_still_checks_length_birth_date_and_gender(value):
    assert not is_valid_nip(value, pppk=True)


def test_pppk_keeps_a_plausible_month():
    assert parse_nip("199001012021052001", pppk=True).appointment_month == 5


@given(
    birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2007, 12, 31)),
    extra_months=st.integers(min_value=0, max_value=40 * 12),
    gender=st.sampled_from([1, 2]),
    seq=st.integers(min_value=0, max_value=999),
)
def test_make_then_parse_round_trips(birth, extra_months, gender, seq):
    months = (birth.year + 18) * 12 + birth.month - 1 + extra_months
    year, month = divmod(months, 12)
    value = make_nip(birth, year, month + 1, gender, seq)
    nip = parse_nip(value)
    assert len(value) == 18
    assert (nip.birth_date, nip.appointment_year, nip.appointment_month) == (birth, year, month + 1)
    assert (nip.gender, nip.sequence) == (gender, seq)
    assert nip.formatted.replace(" ", "") == value


@pytest.mark.parametrize(
    ("year", "month", "gender", "seq"),
    [(999, 1, 1, 1), (2015, 100, 1, 1), (2015, 1, 10, 1), (2015, 1, 1, 1000), (2015, 1, 1, -1)],
)
def test_make_nip_rejects_parts_that_do_not_fit(year, month, gender, seq):
    with pytest.raises(ValueError, match="must"):
        make_nip(date(1986, 9, 26), year, month, gender, seq)


class _Payload(BaseModel):
    nip: NipStr


def test_nip_str_checks_shape_only():
    assert _Payload(nip=" 198609262015051001 ").nip == "198609262015051001"
    for bad in ["12345", "19860926201505100x", "1986092620150510011"]:
        with pytest.raises(ValidationError):
            _Payload(nip=bad)
