"""Server-side SVG charts: no chart library to vendor, readable without JavaScript, printable.

Every chart comes with the same numbers as a table (screen readers and copy-paste).
"""

from dataclasses import dataclass

from domain.distribution import DISTRIBUTION_RULES, Bound
from domain.enums import PREDIKAT_ORDER, OrgPredikat, Predikat

COLOURS = {
    Predikat.SANGAT_BAIK: "#1a7f37",
    Predikat.BAIK: "#4c9f5c",
    Predikat.BUTUH_PERBAIKAN: "#bf8700",
    Predikat.KURANG: "#d1602a",
    Predikat.SANGAT_KURANG: "#cf222e",
}
SHORT = {
    Predikat.SANGAT_BAIK: "Sangat Baik",
    Predikat.BAIK: "Baik",
    Predikat.BUTUH_PERBAIKAN: "Butuh Perb.",
    Predikat.KURANG: "Kurang",
    Predikat.SANGAT_KURANG: "Sangat Kurang",
}


@dataclass(frozen=True)
class Marker:
    """A bound of the curve on one predikat's bar: max (at most) or min (at least), percent."""

    predikat: Predikat
    kind: str
    percent: int


def curve_markers(org: OrgPredikat) -> list[Marker]:
    """The single-predikat share bounds of the org predikat's row (combined ones stay text)."""
    out = []
    for rule in DISTRIBUTION_RULES[org]:
        if len(rule.predikat) == 1 and rule.kind is not Bound.AT_LEAST_COUNT:
            kind = "max" if rule.kind is Bound.AT_MOST else "min"
            out.append(Marker(rule.predikat[0], kind, rule.bound))
    return out


def distribution_svg(counts: dict[Predikat, int], org: OrgPredikat | None, title: str) -> str:
    """Bars of each predikat's share with the curve's bounds drawn as dashed lines."""
    total = sum(counts.values()) or 1
    w, h, left, top, bottom = 330, 200, 40, 12, 52
    plot_h = h - top - bottom
    band = (w - left - 8) / len(PREDIKAT_ORDER)
    parts = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_esc(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" style="max-width:{w}px">',
        f"<title>{_esc(title)}</title>",
    ]
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{w - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>')
    markers = curve_markers(org) if org else []
    for i, p in enumerate(PREDIKAT_ORDER):
        share = counts.get(p, 0) / total
        x = left + i * band + band * 0.15
        bw = band * 0.7
        bh = plot_h * share
        y = top + plot_h - bh
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" '
            f'fill="{COLOURS[p]}"><title>{p.value}: {counts.get(p, 0)} '
            f"({share * 100:.0f}%)</title></rect>"
        )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{max(y - 3, 10):.1f}" text-anchor="middle">'
            f"{counts.get(p, 0)}</text>"
        )
        for n, word in enumerate(SHORT[p].split(" ")):
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{h - bottom + 14 + 12 * n}" '
                f'text-anchor="middle">{word}</text>'
            )
        for m in (m for m in markers if m.predikat is p):
            my = top + plot_h * (1 - m.percent / 100)
            colour = "#cf222e" if m.kind == "max" else "#0b5394"
            label = ("maks " if m.kind == "max" else "min ") + f"{m.percent}%"
            parts.append(
                f'<line x1="{x - 4:.1f}" x2="{x + bw + 4:.1f}" y1="{my:.1f}" y2="{my:.1f}" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
            )
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{h - bottom + 42}" text-anchor="middle" '
                f'fill="{colour}">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def rating_svg(distribution: dict[str, int], title: str) -> str:
    """Horizontal bars of citizen ratings 5..1."""
    total = sum(distribution.values()) or 1
    w, row, left = 360, 24, 54
    h = row * 5 + 8
    parts = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_esc(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" style="max-width:{w}px"><title>{_esc(title)}</title>'
    ]
    for i, star in enumerate(("5", "4", "3", "2", "1")):
        n = distribution.get(star, 0)
        y = 4 + i * row
        bw = (w - left - 40) * n / total
        parts.append(f'<text x="0" y="{y + 15}">{star} ★</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{bw:.1f}" height="{row - 8}" fill="#0b5394"/>'
        )
        parts.append(f'<text x="{left + bw + 4:.1f}" y="{y + 15}">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
