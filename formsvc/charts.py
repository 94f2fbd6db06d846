"""Small bar charts as inline SVG: readable without JavaScript, printable, no chart library."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[int | float], *, title: str, width: int = 640, height: int = 220
) -> Markup:
    """Vertical bars with the value above each bar and the label below.

    A screen reader hears ``title`` and then every bar's label and value ("11/23: 42"): the
    figures exist nowhere else on a page such as the dashboard.
    """
    top, bottom, side = 24, 40, 8
    count = max(len(values), 1)
    peak = max(max(values, default=0), 1)
    slot = (width - 2 * side) / count
    bar = slot * 0.7
    plot = height - top - bottom
    spoken = "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="{escape(title)}. {escape(spoken)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = side + index * slot + (slot - bar) / 2
        bar_height = plot * value / peak
        y = top + plot - bar_height
        middle = x + bar / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bar_height:.1f}" fill="#0b5d1e"/>'
            f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13">{escape(value)}</text>'
            f'<text x="{middle:.1f}" y="{height - bottom + 18:.1f}" text-anchor="middle" font-size="12">'
            f"{escape(label)}</text>"
        )
    parts.append(f'<line x1="{side}" y1="{top + plot}" x2="{width - side}" y2="{top + plot}" stroke="#4a4a4a"/></svg>')
    return Markup("".join(parts))
