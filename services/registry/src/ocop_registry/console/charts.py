"""Charts drawn on the server as SVG (no JavaScript: they print, and work in any browser): horizontal bars of
target and actual per unit, and columns per quarter. Every text is escaped; sizes are plain numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW = 30
LABEL_W = 170
BAR_W = 300
FIGURE_W = 110
# scaled down to fit a phone's width; print keeps the drawn size
SVG = '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" style="max-width:100%;height:auto"'


@dataclass(frozen=True)
class Bar:
    key: str  # the unit's key (a data attribute: tests and print styles find a bar by it)
    label: str
    target: int | None
    actual: int
    total: bool = False


def _pct(actual: int, target: int | None) -> str:
    return f"{round(100 * actual / target)} %" if target else "—"


def bars(title: str, indicator: str, items: Sequence[Bar], label_w: int = LABEL_W) -> Markup:
    """One row per unit: the target as an outlined bar, the actual filled over it (green once reached)."""
    scale = max([1, *(b.target or 0 for b in items), *(b.actual for b in items)])
    height = ROW * len(items) + 34
    width = label_w + BAR_W + FIGURE_W
    out = [
        f'{SVG} viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}" data-indicator="{escape(indicator)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, b in enumerate(items):
        y = 28 + i * ROW
        target_w = BAR_W * (b.target or 0) / scale
        actual_w = BAR_W * b.actual / scale
        reached = b.target is not None and b.actual >= b.target
        fill = "#2e7d32" if reached else ("#1565c0" if not b.total else "#6a1b9a")
        weight = ' font-weight="bold"' if b.total else ""
        out += [
            f'<text x="0" y="{y + 17}" font-size="12"{weight}>{escape(b.label)}</text>',
            f'<rect x="{label_w}" y="{y + 4}" width="{target_w:.1f}" height="18" fill="#eceff1" stroke="#78909c"/>',
            f'<rect class="actual" data-unit="{escape(b.key)}" data-actual="{b.actual}" x="{label_w}" y="{y + 7}" '
            f'width="{actual_w:.1f}" height="12" fill="{fill}"/>',
            f'<text x="{label_w + BAR_W + 6}" y="{y + 17}" font-size="12">'
            f"{b.actual}/{'—' if b.target is None else b.target} ({_pct(b.actual, b.target)})</text>",
        ]
    out.append("</svg>")
    return Markup("".join(out))


def columns(title: str, labels: Sequence[str], values: Sequence[int]) -> Markup:
    """Columns (certifications per quarter)."""
    height, base, col = 170, 140, 60
    width = 40 + col * len(values) * 2
    scale = max([1, *values])
    out = [
        f'{SVG} viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="20" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#78909c"/>',
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = 100 * v / scale
        x = 30 + i * col * 2
        out += [
            f'<rect class="quarter" data-value="{v}" x="{x}" y="{base - h:.1f}" width="{col}" height="{h:.1f}" '
            'fill="#1565c0"/>',
            f'<text x="{x + col / 2}" y="{base - h - 4:.1f}" font-size="12" text-anchor="middle">{v}</text>',
            f'<text x="{x + col / 2}" y="{base + 16}" font-size="12" text-anchor="middle">{escape(label)}</text>',
        ]
    out.append("</svg>")
    return Markup("".join(out))
