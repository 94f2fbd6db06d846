"""Small bar charts as inline SVG: readable without JavaScript, printable, no chart library."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from markupsafe import Markup, escape

# The chart is drawn in user units that are CSS pixels at its natural width: its text is the
# page's 18 px. A phone 375 px wide has about 343 px for it, so it shrinks to 0.95 and the text
# stays above 17 px; the old 640-unit-wide vertical chart shrank to 0.54 and its labels to 6 px.
CHART_WIDTH = 360
FONT_SIZE = 18
ROW_HEIGHT = 36
BAR_HEIGHT = 24
GAP = 8
# "Larger text" (html.large-text in app.css) makes the page's text 1.3 times larger. A chart
# drawn for it keeps its 360 units and writes its text 1.3 times larger in them (app.css shows
# it 360 px wide then): only growing the whole chart would not help on a phone, which shrinks
# it back to the screen's width.
LARGE_TEXT_SCALE = 1.3


def _text_width(text: str) -> float:
    """A generous guess at how wide ``text`` is drawn, in units of the font size.

    The server knows no font metrics: Chinese, full-width and ambiguous-width characters (…, “)
    are one em, everything else is taken as 0.62 em, wider than most Latin letters and digits.
    """
    return sum(1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.62 for char in text)


def _shortened(label: str, room: float) -> str:
    """``label``, cut short with "…" where it would not fit in ``room`` font sizes."""
    if _text_width(label) <= room:
        return label
    while label and _text_width(label) + 1 > room:
        label = label[:-1]
    return label.rstrip() + "…"


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[int | float], *, title: str, large_text: bool = False
) -> Markup:
    """Horizontal bars, one row each: the label on the left, the value just after its bar.

    One row per bar keeps the labels readable on a narrow phone (they need not fit under a
    bar) and reads like a list. ``width`` and ``height`` are set, so the page shows the chart at
    its natural size and only shrinks it where there is less room.

    A screen reader hears ``title`` and then every bar's label and value ("11/23: 42"): the
    figures exist nowhere else on a page such as the dashboard.

    ``large_text`` draws it for a page in "Larger text" (the PDF never is): text, rows and bars
    1.3 times larger in the same width, so fewer characters of a long label fit.
    """
    scale = LARGE_TEXT_SCALE if large_text else 1
    font_size, row_height, bar_height = FONT_SIZE * scale, ROW_HEIGHT * scale, BAR_HEIGHT * scale
    width, side, top, bottom = CHART_WIDTH, 4, 4, 6
    # Up to a little over half the width for the labels; a longer one is cut short (the screen
    # reader still hears it whole).
    label_room = width * 0.55 / font_size
    drawn = [_shortened(str(label), label_room) for label in labels]
    label_width = max((_text_width(label) for label in drawn), default=0) * font_size
    value_width = max((_text_width(str(value)) for value in values), default=1) * font_size
    bars_from = side + label_width + GAP
    bar_room = max(width - side - bars_from - GAP - value_width, 1)
    peak = max(max(values, default=0), 1)
    height = round(top + row_height * max(len(values), 1) + bottom)
    spoken = "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" class="chart{" chart-large-text" if large_text else ""}" font-size="{font_size:g}" '
        f'aria-label="{escape(title)}. {escape(spoken)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(zip(drawn, values, strict=True)):
        row_top = top + index * row_height
        bar_top = row_top + (row_height - bar_height) / 2
        baseline = row_top + row_height / 2 + font_size * 0.35  # the text's middle on the bar's middle
        bar_width = bar_room * value / peak
        parts.append(
            f'<text x="{side}" y="{baseline:.1f}">{escape(label)}</text>'
            f'<rect x="{bars_from:.1f}" y="{bar_top:.1f}" width="{bar_width:.1f}" height="{bar_height:g}" '
            'fill="#0b5d1e"/>'
            f'<text x="{bars_from + bar_width + GAP / 2:.1f}" y="{baseline:.1f}" font-weight="bold">'
            f"{escape(value)}</text>"
        )
    parts.append(
        f'<line x1="{bars_from:.1f}" y1="{top}" x2="{bars_from:.1f}" y2="{height - bottom}" stroke="#4a4a4a"/></svg>'
    )
    return Markup("".join(parts))
