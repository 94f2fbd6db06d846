"""The server-drawn bar charts: one row per bar, drawn at a size that stays legible when a phone
shrinks it, and printed with their labels at a readable size (the browser side is
tests/browser/test_chart_labels.py)."""

from __future__ import annotations

import re

import pytest

from formsvc.charts import CHART_WIDTH, FONT_SIZE, LARGE_TEXT_SCALE, bar_chart_svg
from tests.conftest import login, skip_or_fail
from tests.pdftools import assert_only_named_fonts, pdf_words
from tests.survey_helpers import answer, make_template, spec, use_at_site

# A phone 375 px wide leaves 343 px for a chart (1 rem of page padding on either side).
PHONE_ROOM = 343


def numbers(svg: str, element: str, attribute: str) -> list[float]:
    return [float(value) for value in re.findall(rf"<{element} [^>]*?\b{attribute}=\"([\d.]+)\"", svg)]


def test_each_bar_is_a_row_with_its_label_and_value():
    svg = str(bar_chart_svg(["日常开放", "家教宣讲", "慰问"], [10, 5, 0], title="各类活动次数"))
    assert re.findall(r"<text [^>]*>([^<]*)</text>", svg) == ["日常开放", "10", "家教宣讲", "5", "慰问", "0"]
    widths = numbers(svg, "rect", "width")
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2) and widths[2] == 0  # bars in proportion
    rows = numbers(svg, "rect", "y")
    assert rows == sorted(rows) and len(set(rows)) == 3  # one below the other
    height = int(re.search(r'height="(\d+)"', svg).group(1))
    assert height > 3 * FONT_SIZE and f'viewBox="0 0 {CHART_WIDTH} {height}"' in svg


def test_the_text_stays_legible_when_a_phone_shrinks_the_chart():
    svg = str(bar_chart_svg(["11/23"], [42], title="Child visits per week"))
    width = int(re.search(r'<svg [^>]*\bwidth="(\d+)"', svg).group(1))
    assert FONT_SIZE * min(1, PHONE_ROOM / width) >= 12
    assert f'font-size="{FONT_SIZE}"' in svg and "style=" not in svg  # CSP: no inline styles


def test_a_long_label_gets_room_and_the_bars_still_fit():
    labels = ["孩子带回家的通知单", "微信群", "Volunteer service"]
    svg = str(bar_chart_svg(labels, [1, 2, 3], title="渠道"))
    bars_from = numbers(svg, "rect", "x")[0]
    assert bars_from >= 9 * FONT_SIZE  # nine Chinese characters
    right_edge = max(x + w for x, w in zip(numbers(svg, "rect", "x"), numbers(svg, "rect", "width"), strict=True))
    assert right_edge + len("3") * FONT_SIZE <= CHART_WIDTH  # the value after the longest bar too


def test_a_label_too_long_for_its_column_is_cut_short_and_still_read_out_whole():
    long = "孩子放学回家路上看到的村里宣传栏"  # 16 characters
    svg = str(bar_chart_svg([long, "Very dissatisfied"], [1, 2], title="渠道"))
    drawn = re.findall(r"<text [^>]*>([^<]*)</text>", svg)[::2]
    assert drawn[0].endswith("…") and long.startswith(drawn[0][:-1]) and len(drawn[0]) <= 11
    assert drawn[1] == "Very dissatisfied"  # the longest rating word in English fits whole
    assert f"{long}: 1" in re.search(r'aria-label="([^"]*)"', svg).group(1)


def test_a_chart_for_larger_text_writes_its_text_larger_in_the_same_width():
    labels, values = ["日常开放", "家教宣讲", "Volunteer service"], [10, 5, 0]
    standard = str(bar_chart_svg(labels, values, title="各类活动次数"))
    larger = str(bar_chart_svg(labels, values, title="各类活动次数", large_text=True))
    assert 'class="chart" font-size="18"' in standard
    assert f'class="chart chart-large-text" font-size="{FONT_SIZE * LARGE_TEXT_SCALE:g}"' in larger
    width = int(re.search(r'<svg [^>]*\bwidth="(\d+)"', larger).group(1))
    assert width == CHART_WIDTH  # app.css shows it 360 px wide: the text itself is larger
    # Taller rows and bars; the labels take more room, and the bars and values still fit.
    assert numbers(larger, "rect", "height")[0] == pytest.approx(
        LARGE_TEXT_SCALE * numbers(standard, "rect", "height")[0]
    )
    assert numbers(larger, "rect", "x")[0] > numbers(standard, "rect", "x")[0]
    right_edge = max(x + w for x, w in zip(numbers(larger, "rect", "x"), numbers(larger, "rect", "width"), strict=True))
    assert right_edge + len("10") * 0.62 * FONT_SIZE * LARGE_TEXT_SCALE <= CHART_WIDTH
    height = int(re.search(r'<svg [^>]*\bheight="(\d+)"', larger).group(1))
    assert max(numbers(larger, "text", "y")) < height
    assert "style=" not in larger  # CSP: no inline styles


def test_an_empty_chart_is_still_an_image():
    svg = str(bar_chart_svg([], [], title="Nothing yet"))
    assert svg.startswith("<svg") and svg.endswith("</svg>") and 'aria-label="Nothing yet. "' in svg


def test_the_survey_pdf_prints_the_chart_labels_at_a_readable_size(app, client, make):
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    site = make.site()
    template_id = make_template(
        app, [spec("single", "从哪里知道", options=["村里的广播", "微信群", "孩子带回家的通知单"])]
    )
    token = use_at_site(app, template_id, site["id"])
    for option in ("1", "2", "2", "3"):
        assert answer(app.test_client(), token, {"q1": option}).status_code == 302
    login(client, make.user(username="boss", role="admin"))
    pdf = client.get(f"/admin/surveys/{template_id}/results.pdf").data
    words = pdf_words(pdf)
    for label in ("村里的广播", "微信群", "孩子带回家的通知单"):
        printed = [word for word in words if word["text"] == label]
        assert len(printed) == 2, (label, printed)  # in the table of counts and in the chart
        for word in printed:
            # 8 pt is the least the printout uses anywhere (the tally's column heads); pdftotext's
            # box is Noto Sans CJK's ascent plus descent, 1.448 times the font size.
            assert (word["y_max"] - word["y_min"]) / 1.448 >= 8, word
            assert word["x_max"] <= 595 - 20, word  # inside the page's margin
    assert_only_named_fonts(pdf)  # the chart's labels too


def test_the_survey_pdf_is_the_same_for_a_reader_of_larger_text(app, client, make):
    """ "Larger text" is the reader's screen: the printout keeps the chart it always had."""
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    site = make.site()
    template_id = make_template(app, [spec("single", "从哪里知道", options=["村里的广播", "孩子带回家的通知单"])])
    token = use_at_site(app, template_id, site["id"])
    for option in ("1", "2", "2"):
        assert answer(app.test_client(), token, {"q1": option}).status_code == 302
    login(client, make.user(username="boss", role="admin"))

    def drawn():
        page = client.get(f"/admin/surveys/{template_id}/results").get_data(as_text=True)
        pdf = client.get(f"/admin/surveys/{template_id}/results.pdf").data
        words = [(word["text"], round(word["y_max"] - word["y_min"], 1)) for word in pdf_words(pdf)]
        return re.search(r'<svg [^>]*class="([^"]*)" font-size="([^"]*)"', page).groups(), words

    standard_page, standard_pdf = drawn()
    client.get("/text/large")
    larger_page, larger_pdf = drawn()
    assert standard_page == ("chart", "18") and larger_page == ("chart chart-large-text", "23.4")
    assert larger_pdf == standard_pdf
