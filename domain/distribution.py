"""Distribution curve of SE MenPANRB 3/2023: a warning with justified override, never a block."""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from domain.enums import OrgPredikat, Predikat


class Bound(StrEnum):
    AT_MOST = "at_most"  # share in percent
    AT_LEAST = "at_least"  # share in percent
    AT_LEAST_COUNT = "at_least_count"  # head count


class DistributionRule(BaseModel):
    """One bound: the combined share (or count) of `predikat` against `bound`."""

    model_config = ConfigDict(frozen=True)

    code: str
    predikat: tuple[Predikat, ...]
    kind: Bound
    bound: int  # percent for shares, head count for AT_LEAST_COUNT


def _r(code: str, kind: Bound, bound: int, *predikat: Predikat) -> DistributionRule:
    return DistributionRule(code=code, predikat=predikat, kind=kind, bound=bound)


P, Org = Predikat, OrgPredikat
# The table of DOMAIN.md, row by row.
DISTRIBUTION_RULES: MappingProxyType[OrgPredikat, tuple[DistributionRule, ...]] = MappingProxyType(
    {
        Org.ISTIMEWA: (_r("istimewa.sangat_baik_max", Bound.AT_MOST, 70, P.SANGAT_BAIK),),
        Org.BAIK: (
            _r("baik.baik_max", Bound.AT_MOST, 70, P.BAIK),
            _r("baik.bp_or_kurang_min_one", Bound.AT_LEAST_COUNT, 1, P.BUTUH_PERBAIKAN, P.KURANG),
        ),
        Org.BUTUH_PERBAIKAN: (
            _r("butuh_perbaikan.bp_min", Bound.AT_LEAST, 60, P.BUTUH_PERBAIKAN),
            _r("butuh_perbaikan.sangat_baik_max", Bound.AT_MOST, 10, P.SANGAT_BAIK),
        ),
        Org.KURANG: (
            _r("kurang.kurang_min", Bound.AT_LEAST, 60, P.KURANG),
            _r("kurang.bp_min", Bound.AT_LEAST, 10, P.BUTUH_PERBAIKAN),
            _r("kurang.sangat_baik_max", Bound.AT_MOST, 10, P.SANGAT_BAIK),
        ),
        Org.SANGAT_KURANG: (
            _r("sangat_kurang.sangat_kurang_min", Bound.AT_LEAST, 60, P.SANGAT_KURANG),
            _r("sangat_kurang.kurang_or_bp_min", Bound.AT_LEAST, 10, P.KURANG, P.BUTUH_PERBAIKAN),
            _r("sangat_kurang.sangat_baik_none", Bound.AT_MOST, 0, P.SANGAT_BAIK),
        ),
    }
)


class DistributionViolation(BaseModel):
    """A bound the unit's employee predikat breaks; shares are 0..1 fractions."""

    model_config = ConfigDict(frozen=True)

    rule: str
    message: str
    predikat: tuple[Predikat, ...]
    kind: Bound
    actual_count: int
    actual_share: float
    bound: float  # fraction for share rules, head count for AT_LEAST_COUNT


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",") + "%"


def _violation(
    rule: DistributionRule, org: OrgPredikat, count: int, total: int
) -> DistributionViolation:
    names = " atau ".join(p.value for p in rule.predikat)
    share = count / total
    if rule.kind is Bound.AT_LEAST_COUNT:
        bound: float = rule.bound
        text = f"minimal {rule.bound} pegawai berpredikat {names}, saat ini {count}"
    elif rule.kind is Bound.AT_MOST:
        bound = rule.bound / 100
        text = f"predikat {names} {_pct(share)} melebihi batas maksimal {rule.bound}%"
        if rule.bound == 0:
            text = f"tidak boleh ada predikat {names}, saat ini {count} pegawai"
    else:
        bound = rule.bound / 100
        text = f"predikat {names} {_pct(share)} kurang dari batas minimal {rule.bound}%"
    return DistributionViolation(
        rule=rule.code,
        message=f"Unit berpredikat {org.value}: {text}.",
        predikat=rule.predikat,
        kind=rule.kind,
        actual_count=count,
        actual_share=share,
        bound=bound,
    )


def _broken(rule: DistributionRule, count: int, total: int) -> bool:
    # Integer cross-multiplication: exactly 70% of 10 is 7, with no float rounding at the edge.
    if rule.kind is Bound.AT_LEAST_COUNT:
        return count < rule.bound
    if rule.kind is Bound.AT_MOST:
        return count * 100 > rule.bound * total
    return count * 100 < rule.bound * total


def check_distribution(
    org_predikat: OrgPredikat, counts: Mapping[Predikat, int]
) -> list[DistributionViolation]:
    """Every bound of the org predikat's row that the unit's counts break; empty unit: none."""
    # Negative counts cannot come from a real unit; treat them as zero rather than raise.
    clean = {p: max(0, int(counts.get(p, 0))) for p in Predikat}
    total = sum(clean.values())
    if total == 0:
        return []
    org = OrgPredikat(org_predikat)
    out = []
    for rule in DISTRIBUTION_RULES[org]:
        count = sum(clean[p] for p in rule.predikat)
        if _broken(rule, count, total):
            out.append(_violation(rule, org, count, total))
    return out
