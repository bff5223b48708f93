"""TPP (Tambahan Penghasilan Pegawai) shares, Perwal Semarang 76/2021 Ps. 6; salary is untouched."""

import math

from pydantic import BaseModel, ConfigDict

from domain.enums import EmploymentStatus, Predikat
from domain.errors import ValidationFailed
from domain.policy import DEFAULT_POLICY, Policy

MAX_LEAVE_DAYS_WITH_TPP = 15


class TppBand(BaseModel):
    """Scores in [min_score, max_score) earn `share_percent` of the TPP; max None is unbounded."""

    model_config = ConfigDict(frozen=True)

    min_score: float
    max_score: float | None
    share_percent: int

    @property
    def label(self) -> str:
        """The band as printed in the Perwal, e.g. '80 - <90'."""
        if self.max_score is None:
            return f">= {self.min_score:g}"
        if self.min_score == 0:
            return f"< {self.max_score:g}"
        return f"{self.min_score:g} - <{self.max_score:g}"


# Best first, so the first band whose minimum the score reaches is the right one.
TPP_BANDS: tuple[TppBand, ...] = (
    TppBand(min_score=90, max_score=None, share_percent=100),
    TppBand(min_score=80, max_score=90, share_percent=85),
    TppBand(min_score=70, max_score=80, share_percent=70),
    TppBand(min_score=60, max_score=70, share_percent=55),
    TppBand(min_score=50, max_score=60, share_percent=40),
    TppBand(min_score=40, max_score=50, share_percent=25),
    TppBand(min_score=0, max_score=40, share_percent=0),
)


def tpp_band_for_score(score: float) -> TppBand:
    """The Perwal band of a monthly numeric SKP score (0..100)."""
    if not (isinstance(score, int | float) and math.isfinite(score) and 0 <= score <= 100):
        raise ValidationFailed("Nilai SKP harus di antara 0 dan 100", field="score")
    return next(b for b in TPP_BANDS if score >= b.min_score)


def tpp_share_for_score(score: float) -> int:
    """Percent of TPP paid for a monthly numeric SKP score."""
    return tpp_band_for_score(score).share_percent


def tpp_share_for_predikat(predikat: Predikat, policy: Policy = DEFAULT_POLICY) -> int:
    """Percent of TPP for a predikat, via the policy's representative score and the Perwal bands."""
    return tpp_share_for_score(policy.tpp_score_by_predikat[Predikat(predikat)])


class TppEligibility(BaseModel):
    """Whether TPP is paid for a month, with the reason in Bahasa Indonesia."""

    model_config = ConfigDict(frozen=True)

    entitled: bool
    reason: str


def tpp_eligibility(
    status: EmploymentStatus, *, detained: bool = False, leave_days_in_month: int = 0
) -> TppEligibility:
    """TPP entitlement for a month given status, detention and days of long leave."""
    if not 0 <= leave_days_in_month <= 31:
        raise ValidationFailed("Jumlah hari cuti harus 0-31", field="leave_days_in_month")
    status = EmploymentStatus(status)
    # Detention means temporary dismissal (PP 11/2017 Ps. 276), whatever status is on file yet.
    if detained:
        return TppEligibility(entitled=False, reason="Diberhentikan sementara karena ditahan")
    if status is EmploymentStatus.MPP:
        return TppEligibility(entitled=False, reason="Masa persiapan pensiun (MPP)")
    if status is EmploymentStatus.CLTN:
        return TppEligibility(entitled=False, reason="Cuti di luar tanggungan negara (CLTN)")
    if status.is_terminal:
        return TppEligibility(entitled=False, reason=f"Tidak lagi bekerja: {status.value}")
    if leave_days_in_month > MAX_LEAVE_DAYS_WITH_TPP:
        return TppEligibility(
            entitled=False,
            reason=f"Cuti {leave_days_in_month} hari, melebihi {MAX_LEAVE_DAYS_WITH_TPP} hari",
        )
    return TppEligibility(entitled=True, reason="Berhak menerima TPP")
