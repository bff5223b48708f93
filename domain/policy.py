"""Instansi policy: every rule the regulations leave to Kota Semarang, with documented defaults."""

from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.enums import CalendarKind, FollowUp, Predikat, TrainingType

Days = Annotated[int, Field(ge=1, le=366)]

# JP credited per development type (Perlan LAN 10/2018 leaves the figure to the instansi). One JP is
# 45 minutes; the defaults follow the usual length of each activity: a coaching or mentoring session
# ~1.5 h, an e-learning module ~2 h, a bimtek half-day+, a kursus a full day+, a technical or
# functional training a 3-day course, leadership and managerial programmes are long-form.
DEFAULT_JP_PER_TYPE: MappingProxyType[TrainingType, int] = MappingProxyType(
    {
        TrainingType.PELATIHAN_KEPEMIMPINAN: 40,
        TrainingType.PELATIHAN_MANAJERIAL: 24,
        TrainingType.PELATIHAN_TEKNIS: 24,
        TrainingType.PELATIHAN_FUNGSIONAL: 24,
        TrainingType.SEMINAR: 2,
        TrainingType.WORKSHOP: 4,
        TrainingType.KURSUS: 8,
        TrainingType.BIMBINGAN_TEKNIS: 4,
        TrainingType.COACHING: 2,
        TrainingType.MENTORING: 2,
        TrainingType.E_LEARNING: 3,
        TrainingType.DETASERING: 20,
        TrainingType.PATOK_BANDING: 8,
        TrainingType.BELAJAR_MANDIRI: 2,
        TrainingType.KOMUNITAS_BELAJAR: 2,
        TrainingType.MAGANG: 20,
    }
)

# DOMAIN.md "Annual follow-up": award for the best, development for Butuh Perbaikan or worse,
# and a sanction review by BKPP only for the worst predicate.
DEFAULT_FOLLOW_UPS: MappingProxyType[Predikat, tuple[FollowUp, ...]] = MappingProxyType(
    {
        Predikat.SANGAT_BAIK: (FollowUp.AWARD_NOMINATION,),
        Predikat.BAIK: (),
        Predikat.BUTUH_PERBAIKAN: (FollowUp.DEVELOPMENT_PLAN,),
        Predikat.KURANG: (FollowUp.DEVELOPMENT_PLAN,),
        Predikat.SANGAT_KURANG: (FollowUp.DEVELOPMENT_PLAN, FollowUp.SANCTION_REVIEW),
    }
)

# Representative monthly score for an annual predikat, fed through the Perwal 76/2021 bands.
# Baik means "meets expectation", so it sits in the top band (no cut for doing the job); each
# lower predikat lands mid-band: Butuh Perbaikan 75 -> 70%, Kurang 55 -> 40%,
# Sangat Kurang 30 -> 0%.
DEFAULT_TPP_SCORE_BY_PREDIKAT: MappingProxyType[Predikat, float] = MappingProxyType(
    {
        Predikat.SANGAT_BAIK: 100.0,
        Predikat.BAIK: 90.0,
        Predikat.BUTUH_PERBAIKAN: 75.0,
        Predikat.KURANG: 55.0,
        Predikat.SANGAT_KURANG: 30.0,
    }
)


class PerilakuRule(BaseModel):
    """How the seven BerAKHLAK ratings suggest an overall Perilaku rating (a hint only)."""

    model_config = ConfigDict(frozen=True)

    # Any value below expectation pulls the whole behaviour below: BerAKHLAK values are a floor.
    below_when_at_least: int = Field(default=1, ge=1, le=7)
    # "Di Atas" needs a majority (4 of 7) above expectation and nothing below.
    above_when_at_least: int = Field(default=4, ge=1, le=7)


class Policy(BaseModel):
    """Versioned policy of one cycle; durations are real-calendar days, scaled by the calendar."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(default="semarang-default-1", min_length=1, max_length=50)
    calendar_kind: CalendarKind = CalendarKind.QUARTERLY
    # The SKP itself is due on the calendar's 31 January; this is the penilai's time to approve it.
    skp_review_days: Days = 7
    realisation_due_days: Days = 10
    rating_due_days: Days = 14
    training_due_days: Days = 60
    objection_window_days: Days = (
        14  # PP 30/2019 Ps. 59: regulation, kept here to show in one place
    )
    objection_decision_days: Days = 14
    incentive_approval_days: Days = 14
    reminder_days_before: tuple[Annotated[int, Field(ge=0, le=60)], ...] = (3, 1)
    # After the due date the task escalates to the atasan; after this further grace BKPP takes over.
    escalation_grace_days: Days = 7
    training_trigger: Predikat = Predikat.BUTUH_PERBAIKAN
    perilaku_rule: PerilakuRule = PerilakuRule()
    jp_per_type: dict[TrainingType, Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=lambda: dict(DEFAULT_JP_PER_TYPE)
    )
    follow_ups: dict[Predikat, tuple[FollowUp, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_FOLLOW_UPS)
    )
    tpp_score_by_predikat: dict[Predikat, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: dict(DEFAULT_TPP_SCORE_BY_PREDIKAT)
    )

    @model_validator(mode="after")
    def _complete_tables(self) -> "Policy":
        """Every training type and every predikat must have an entry: no silent gaps."""
        missing_types = set(TrainingType) - set(self.jp_per_type)
        if missing_types:
            raise ValueError(f"jp_per_type tidak lengkap: {sorted(missing_types)}")
        for name, table in (
            ("follow_ups", self.follow_ups),
            ("tpp_score_by_predikat", self.tpp_score_by_predikat),
        ):
            missing = set(Predikat) - set(table)
            if missing:
                raise ValueError(f"{name} tidak lengkap: {sorted(missing)}")
        return self


DEFAULT_POLICY = Policy()


def follow_ups_for(predikat: Predikat, policy: Policy = DEFAULT_POLICY) -> list[FollowUp]:
    """Annual follow-up actions the policy assigns to an annual predikat."""
    return list(policy.follow_ups[predikat])
