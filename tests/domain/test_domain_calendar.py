"""Period calendars: every kind, WIB boundaries, containment and compression proportionality."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import WIB, build_calendar, build_compressed_calendar
from domain.enums import CalendarKind


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.mark.parametrize(
    ("kind", "count", "labels", "second_start"),
    [
        (CalendarKind.MONTHLY, 12, ("Januari", "Februari", "Desember"), wib(2025, 2, 1)),
        (CalendarKind.QUARTERLY, 4, ("Triwulan I", "Triwulan II", "Triwulan IV"), wib(2025, 4, 1)),
        (CalendarKind.SEMESTER, 2, ("Semester I", "Semester II", "Semester II"), wib(2025, 7, 1)),
    ],
)
def test_every_kind(kind, count, labels, second_start):
    cal = build_calendar(2025, kind)
    assert len(cal.periods) == count
    assert [p.index for p in cal.periods] == list(range(1, count + 1))
    assert (cal.periods[0].label, cal.periods[1].label, cal.periods[-1].label) == labels
    assert cal.periods[1].start == second_start
    assert all(p.kind is kind for p in cal.periods)
    assert cal.periods[0].start == cal.year_start == wib(2025, 1, 1)
    assert cal.periods[-1].end == cal.year_end == wib(2026, 1, 1)
    assert cal.compression == 1.0


def test_default_is_quarterly_and_dates_are_utc():
    cal = build_calendar(2025)
    assert cal.kind is CalendarKind.QUARTERLY
    assert cal.year_start == datetime(2024, 12, 31, 17, tzinfo=UTC)
    assert cal.year_start.utcoffset() == timedelta(0)


def test_skp_deadline_is_end_of_31_january_wib():
    cal = build_calendar(2025)
    assert cal.skp_deadline == wib(2025, 1, 31, 23, 59, 59)
    assert cal.annual_review_at == cal.year_end


def test_period_containing_boundaries():
    cal = build_calendar(2025, CalendarKind.QUARTERLY)
    q2_start = wib(2025, 4, 1)
    assert cal.period_containing(q2_start).label == "Triwulan II"
    assert cal.period_containing(q2_start - timedelta(microseconds=1)).label == "Triwulan I"
    assert cal.period_containing(cal.year_start).index == 1
    assert cal.period_containing(cal.year_end) is None
    assert cal.period_containing(cal.year_start - timedelta(seconds=1)) is None
    assert cal.period(4).label == "Triwulan IV"
    with pytest.raises(IndexError):
        cal.period(5)


def test_leap_year_february():
    feb = build_calendar(2028, CalendarKind.MONTHLY).period(2)
    assert feb.end - feb.start == timedelta(days=29)


def test_real_scale_is_identity():
    cal = build_calendar(2025)
    assert cal.days(14) == timedelta(days=14)
    assert cal.scale(timedelta(0)) == timedelta(0)
    with pytest.raises(ValueError, match="negative"):
        cal.scale(timedelta(seconds=-1))


START = datetime(2030, 5, 5, 12, tzinfo=UTC)


def test_compressed_year_spans_the_minutes():
    cal = build_compressed_calendar(2025, CalendarKind.MONTHLY, start=START, minutes=60)
    assert cal.year_start == START
    assert abs(cal.year_end - (START + timedelta(minutes=60))) <= timedelta(microseconds=1)
    assert cal.compression == pytest.approx(365 * 24 * 60 / 60)
    assert cal.days(365) == pytest.approx(timedelta(minutes=60), abs=timedelta(microseconds=1))
    assert cal.days(1 / 10_000) == timedelta(seconds=1)  # minimum
    assert cal.period_containing(START + timedelta(minutes=30)).label == "Juli"


def test_compressed_needs_aware_start_and_positive_shorter_span():
    with pytest.raises(ValueError, match="aware"):
        build_compressed_calendar(2025, start=datetime(2030, 1, 1), minutes=10)
    with pytest.raises(ValueError, match="positive"):
        build_compressed_calendar(2025, start=START, minutes=0)
    with pytest.raises(ValueError, match="shorter"):
        build_compressed_calendar(2025, start=START, minutes=366 * 24 * 60)


@given(
    year=st.integers(min_value=2020, max_value=2040),
    kind=st.sampled_from(list(CalendarKind)),
    minutes=st.floats(min_value=1, max_value=525_000),  # up to nearly a real year
)
def test_compression_is_proportional(year, kind, minutes):
    real = build_calendar(year, kind)
    fast = build_compressed_calendar(year, kind, start=START, minutes=minutes)
    real_span = real.year_end - real.year_start
    fast_span = fast.year_end - fast.year_start
    tolerance = 2e-6 / fast_span.total_seconds() + 1e-9

    def frac(at: datetime, cal) -> float:
        return (at - cal.year_start) / (cal.year_end - cal.year_start)

    assert frac(fast.skp_deadline, fast) == pytest.approx(
        frac(real.skp_deadline, real), abs=tolerance
    )
    for r, f in zip(real.periods, fast.periods, strict=True):
        assert (r.index, r.label) == (f.index, f.label)
        assert frac(f.start, fast) == pytest.approx(frac(r.start, real), abs=tolerance)
    assert fast_span.total_seconds() == pytest.approx(minutes * 60, abs=1e-5)
    assert fast.compression == pytest.approx(real_span / fast_span, rel=1e-6)
    raw = timedelta(days=14) / fast.compression
    assert fast.days(14) == max(raw, timedelta(seconds=1))
