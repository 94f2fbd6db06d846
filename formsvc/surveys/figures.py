"""How survey results are written: percentages, means and charts, the same on the page, in the
PDF and in the XLSX (the numbers themselves come from results.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

from formsvc.charts import bar_chart_svg
from formsvc.i18n import _
from formsvc.surveys.results import QuestionResult, SurveyResults
from formsvc.text import round_half_up

CHART_FONT = "Noto Sans CJK SC"


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    # Scaled in decimal: 0.145 * 100 in floats is 14.499…, which would round down.
    return f"{(Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def mean_text(value: float | None) -> str:
    return "—" if value is None else str(round_half_up(value, 2))


def question_chart(question: QuestionResult, *, large_text: bool = False) -> Markup | None:
    """The distribution of one question as a bar chart; None for text questions."""
    if not question.options:
        return None
    chart = bar_chart_svg(
        [option.label for option in question.options],
        [option.count for option in question.options],
        title=_("Answers to question {number}").format(number=question.number),
        large_text=large_text,
    )
    # Name the font the printout embeds, so the PDF's labels do not fall back to another one.
    return Markup(str(chart).replace("<svg ", f'<svg font-family="{CHART_FONT}" ', 1))


def charts_for(results: SurveyResults, *, large_text: bool = False) -> dict[str, Markup]:
    """Charts keyed "<version number>-<question key>", for the page and the PDF alike (the page
    asks for ``large_text`` when its reader chose "Larger text"; the PDF never does)."""
    charts = {}
    for version in results.versions:
        for question in version.questions:
            chart = question_chart(question, large_text=large_text)
            if chart is not None:
                charts[f"{version.number}-{question.key}"] = chart
    return charts
