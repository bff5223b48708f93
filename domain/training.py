"""Competency development: JP accounting (PP 11/2017 Ps. 203) and training triggers."""

from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.enums import Predikat, TrainingType, is_at_most
from domain.errors import ValidationFailed
from domain.policy import DEFAULT_POLICY, Policy

JP_MINIMUM_PER_YEAR = 20  # every PNS, PP 11/2017 as amended by PP 17/2020, Ps. 203(4)


def jp_for(training_type: TrainingType, policy: Policy = DEFAULT_POLICY) -> int:
    """JP credited for one completed activity of `training_type` under the policy."""
    return policy.jp_per_type[TrainingType(training_type)]


class JpSummary(BaseModel):
    """JP earned in a year against the minimum, with the pro-rata pace as of a date."""

    model_config = ConfigDict(frozen=True)

    year: int
    as_of: date
    earned: int
    required: int
    shortfall: int
    expected_by_as_of: int
    behind_pace: bool


def _expected(required: int, year: int, as_of: date) -> int:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if as_of < start:
        return 0
    if as_of >= end:
        return required
    elapsed = (as_of - start).days + 1
    # Floor: nobody is "behind" on 1 January for lacking a twentieth of a JP.
    return required * elapsed // (end - start).days


def jp_summary(
    records: Iterable[tuple[date, int]],
    year: int,
    *,
    as_of: date,
    required: int = JP_MINIMUM_PER_YEAR,
) -> JpSummary:
    """Sum the JP of `year` (records dated up to `as_of`) and compare with the pro-rata minimum."""
    earned = 0
    for when, jp in records:
        if jp < 0:
            raise ValidationFailed("JP tidak boleh negatif", field="jp")
        if when.year == year and when <= as_of:
            earned += jp
    expected = _expected(required, year, as_of)
    return JpSummary(
        year=year,
        as_of=as_of,
        earned=earned,
        required=required,
        shortfall=max(0, required - earned),
        expected_by_as_of=expected,
        behind_pace=earned < expected,
    )


class TrainingNeed(BaseModel):
    """Why a training assignment is due and how many JP it should at least cover."""

    model_config = ConfigDict(frozen=True)

    performance_gap: bool
    behind_pace: bool
    recommended_jp: int
    reason: str


def needs_training(
    predikat: Predikat | None, jp: JpSummary, policy: Policy = DEFAULT_POLICY
) -> TrainingNeed | None:
    """A training need when the predikat is at or below the policy trigger or JP lag the pace."""
    performance = predikat is not None and is_at_most(Predikat(predikat), policy.training_trigger)
    if not performance and not jp.behind_pace:
        return None
    reasons = []
    if performance and predikat is not None:
        reasons.append(f"predikat {Predikat(predikat).value} (kesenjangan kinerja)")
    if jp.behind_pace:
        reasons.append(f"JP {jp.earned} di bawah target berjalan {jp.expected_by_as_of}")
    # A performance gap asks for at least one bimtek's worth of JP even when the yearly JP are met.
    recommended = max(jp.expected_by_as_of - jp.earned, 0)
    if performance:
        recommended = max(recommended, jp.shortfall, jp_for(TrainingType.BIMBINGAN_TEKNIS, policy))
    return TrainingNeed(
        performance_gap=performance,
        behind_pace=jp.behind_pace,
        recommended_jp=recommended,
        reason="Perlu pengembangan kompetensi: " + "; ".join(reasons),
    )
