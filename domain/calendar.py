"""Period calendars of a performance year, in real time or compressed onto minutes."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.enums import CalendarKind

# Kota Semarang keeps Western Indonesia Time; period boundaries are local midnights.
WIB = timezone(timedelta(hours=7), "WIB")
MIN_SCALED = timedelta(seconds=1)

MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_ROMAN = ("I", "II", "III", "IV")
_MONTHS_PER_PERIOD = {CalendarKind.MONTHLY: 1, CalendarKind.QUARTERLY: 3, CalendarKind.SEMESTER: 6}


class Period(BaseModel):
    """One evaluation period, half-open [start, end) in UTC; index is 1-based."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=1, le=12)
    label: str
    start: AwareDatetime
    end: AwareDatetime
    kind: CalendarKind

    def contains(self, dt: datetime) -> bool:
        """True when `dt` falls in [start, end)."""
        return self.start <= dt < self.end


class CycleCalendar(BaseModel):
    """The dates of one performance year; `compression` is real duration / calendar duration."""

    model_config = ConfigDict(frozen=True)

    year: int
    kind: CalendarKind
    periods: tuple[Period, ...]
    skp_deadline: AwareDatetime  # 31 January 23:59:59 WIB: the last on-time instant
    year_start: AwareDatetime
    year_end: AwareDatetime  # exclusive: 1 January of the next year, 00:00 WIB
    annual_review_at: AwareDatetime  # the annual evaluation opens when the year closes
    compression: float = Field(default=1.0, ge=1.0)

    @model_validator(mode="after")
    def _contiguous(self) -> "CycleCalendar":
        """Periods must tile the year exactly, so every instant of the year has one period."""
        bounds = [self.year_start, *(p.end for p in self.periods)]
        starts = [p.start for p in self.periods] + [self.year_end]
        if not self.periods or bounds != starts:
            raise ValueError("periods must tile [year_start, year_end) without gaps")
        return self

    def scale(self, td: timedelta) -> timedelta:
        """Policy duration on this calendar: identity in real time, shrunk (min 1 s) compressed."""
        if td < timedelta(0):
            raise ValueError("duration must not be negative")
        if td == timedelta(0) or self.compression == 1.0:
            return td
        return max(td / self.compression, MIN_SCALED)

    def days(self, n: float) -> timedelta:
        """`n` policy days on this calendar."""
        return self.scale(timedelta(days=n))

    def period_containing(self, dt: datetime) -> Period | None:
        """The period holding instant `dt`, or None outside the year."""
        return next((p for p in self.periods if p.contains(dt)), None)

    def period(self, index: int) -> Period:
        """Period by 1-based index; IndexError when out of range."""
        if not 1 <= index <= len(self.periods):
            raise IndexError(f"period {index} not in 1..{len(self.periods)}")
        return self.periods[index - 1]


def _label(kind: CalendarKind, index: int) -> str:
    if kind is CalendarKind.MONTHLY:
        return MONTH_NAMES[index - 1]
    prefix = "Triwulan" if kind is CalendarKind.QUARTERLY else "Semester"
    return f"{prefix} {_ROMAN[index - 1]}"


def _local_midnight(year: int, month: int) -> datetime:
    """First day of a month at 00:00 WIB, as UTC; month 13 is January of the next year."""
    y, m = (year + 1, 1) if month == 13 else (year, month)
    return datetime(y, m, 1, tzinfo=WIB).astimezone(UTC)


def _build(
    year: int, kind: CalendarKind, at: Callable[[datetime], datetime], comp: float
) -> CycleCalendar:
    kind = CalendarKind(kind)
    step = _MONTHS_PER_PERIOD[kind]
    starts = [at(_local_midnight(year, m)) for m in range(1, 14, step)]
    periods = tuple(
        Period(index=i + 1, label=_label(kind, i + 1), start=s, end=e, kind=kind)
        for i, (s, e) in enumerate(zip(starts, starts[1:], strict=False))
    )
    deadline = _local_midnight(year, 2) - timedelta(seconds=1)
    return CycleCalendar(
        year=year,
        kind=kind,
        periods=periods,
        skp_deadline=at(deadline),
        year_start=starts[0],
        year_end=starts[-1],
        annual_review_at=starts[-1],
        compression=comp,
    )


def build_calendar(year: int, kind: CalendarKind = CalendarKind.QUARTERLY) -> CycleCalendar:
    """Real-time calendar of `year`: boundaries at local (WIB) midnights, expressed in UTC."""
    if not 2000 <= year <= 2200:
        raise ValueError("year out of range 2000-2200")
    return _build(year, kind, lambda dt: dt, 1.0)


def build_compressed_calendar(
    year: int, kind: CalendarKind = CalendarKind.QUARTERLY, *, start: datetime, minutes: float
) -> CycleCalendar:
    """The real calendar of `year` mapped linearly onto `minutes` minutes beginning at `start`."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if not minutes > 0:
        raise ValueError("minutes must be positive")
    real = build_calendar(year, kind)
    origin, span = real.year_start, real.year_end - real.year_start
    target = timedelta(minutes=minutes)
    if target >= span:
        raise ValueError("a compressed calendar must be shorter than the real year")
    begin = start.astimezone(UTC)

    def at(dt: datetime) -> datetime:
        # Linear map by the ratio (<= 1), rounded to the microsecond. Multiplying by the target's
        # seconds first overflowed timedelta for any target longer than about 31 days.
        return begin + (dt - origin) * (target / span)

    return _build(year, kind, at, span / target)
