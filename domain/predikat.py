"""Ratings to predikat (PermenPANRB 6/2022 matrix), the Di Atas guard and credit-point shares."""

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from domain.enums import BerAKHLAK, Predikat, Rating
from domain.errors import ValidationFailed
from domain.policy import DEFAULT_POLICY, PerilakuRule

# Keyed (hasil_kerja, perilaku); the 9 cells of the table in DOMAIN.md, verbatim.
PREDIKAT_MATRIX: MappingProxyType[tuple[Rating, Rating], Predikat] = MappingProxyType(
    {
        (Rating.DI_ATAS, Rating.DI_BAWAH): Predikat.KURANG,
        (Rating.DI_ATAS, Rating.SESUAI): Predikat.BAIK,
        (Rating.DI_ATAS, Rating.DI_ATAS): Predikat.SANGAT_BAIK,
        (Rating.SESUAI, Rating.DI_BAWAH): Predikat.KURANG,
        (Rating.SESUAI, Rating.SESUAI): Predikat.BAIK,
        (Rating.SESUAI, Rating.DI_ATAS): Predikat.BAIK,
        (Rating.DI_BAWAH, Rating.DI_BAWAH): Predikat.SANGAT_KURANG,
        (Rating.DI_BAWAH, Rating.SESUAI): Predikat.BUTUH_PERBAIKAN,
        (Rating.DI_BAWAH, Rating.DI_ATAS): Predikat.BUTUH_PERBAIKAN,
    }
)

# Share of the annual credit-point coefficient earned by functional positions, by predikat.
CREDIT_POINT_PERCENTAGE: MappingProxyType[Predikat, int] = MappingProxyType(
    {
        Predikat.SANGAT_BAIK: 150,
        Predikat.BAIK: 100,
        Predikat.BUTUH_PERBAIKAN: 75,
        Predikat.KURANG: 50,
        Predikat.SANGAT_KURANG: 25,
    }
)


def predikat_from_ratings(hasil_kerja: Rating, perilaku: Rating) -> Predikat:
    """The employee predikat for a Hasil Kerja and a Perilaku Kerja rating."""
    return PREDIKAT_MATRIX[(Rating(hasil_kerja), Rating(perilaku))]


def hasil_kerja_allowed(proposed: Rating, utama_ratings: Iterable[Rating]) -> bool:
    """Di Atas is allowed only when no Utama result is below expectation."""
    if proposed is not Rating.DI_ATAS:
        return True
    return all(r is not Rating.DI_BAWAH for r in utama_ratings)


def check_hasil_kerja(proposed: Rating, utama_ratings: Iterable[Rating]) -> None:
    """Raise ValidationFailed(field='hasil_kerja') when `hasil_kerja_allowed` refuses."""
    if not hasil_kerja_allowed(proposed, utama_ratings):
        raise ValidationFailed(
            "Hasil Kerja tidak dapat dinilai Di Atas Ekspektasi karena ada hasil kerja utama "
            "yang Di Bawah Ekspektasi.",
            field="hasil_kerja",
        )


def perilaku_from_values(
    ratings: Mapping[BerAKHLAK, Rating], rule: PerilakuRule | None = None
) -> Rating:
    """Suggested overall Perilaku from the 7 BerAKHLAK ratings (policy; the penilai decides)."""
    # The regulation asks for one Perilaku rating and leaves aggregation to the penilai, so this is
    # a suggestion. Default rule: any value Di Bawah makes the whole Di Bawah (each value is a floor
    # every ASN must meet); Di Atas needs 4 of 7 Di Atas and nothing below; otherwise Sesuai.
    rule = rule or DEFAULT_POLICY.perilaku_rule
    missing = [v.value for v in BerAKHLAK if v not in ratings]
    if missing:
        raise ValidationFailed(
            f"Penilaian perilaku belum lengkap: {', '.join(missing)}", field="perilaku"
        )
    values = [Rating(ratings[v]) for v in BerAKHLAK]
    if values.count(Rating.DI_BAWAH) >= rule.below_when_at_least:
        return Rating.DI_BAWAH
    if values.count(Rating.DI_ATAS) >= rule.above_when_at_least and Rating.DI_BAWAH not in values:
        return Rating.DI_ATAS
    return Rating.SESUAI


def credit_point_percentage(predikat: Predikat) -> int:
    """Percent of the annual credit-point coefficient (150/100/75/50/25), functional posts."""
    return CREDIT_POINT_PERCENTAGE[Predikat(predikat)]
