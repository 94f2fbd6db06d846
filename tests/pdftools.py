"""Looking inside PDFs the way a reader would: text, embedded fonts, page size, pixels."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from html import unescape as html_unescape
from pathlib import Path

from tests.conftest import skip_or_fail


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"{name} is not installed (Debian package poppler-utils)")
    return path


def pdf_text(pdf: bytes) -> str:
    """The text pdftotext reads, in reading order (no layout)."""
    result = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pdf_pages(pdf: bytes, *, layout: bool = False) -> list[str]:
    """The text of each page, as pdftotext reads it; ``layout`` keeps each printed line on one line."""
    options = ["-layout"] if layout else []
    result = subprocess.run(
        [_tool("pdftotext"), *options, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8").split("\f")[:-1]  # a form feed ends every page


def pdf_words(pdf: bytes) -> list[dict]:
    """Every word pdftotext finds, with its box in points (x_min, y_min, x_max, y_max), off the page or not."""
    html = subprocess.run(
        [_tool("pdftotext"), "-bbox", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    pattern = r'<word xMin="([^"]*)" yMin="([^"]*)" xMax="([^"]*)" yMax="([^"]*)"[^>]*>([^<]*)</word>'
    return [
        {"text": html_unescape(text), "x_min": float(x0), "y_min": float(y0), "x_max": float(x1), "y_max": float(y1)}
        for x0, y0, x1, y1, text in re.findall(pattern, html)
    ]


def pdf_fonts(pdf: bytes) -> list[dict]:
    """pdffonts' table: name, type, embedded and subset flags of every font in the file."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        result = subprocess.run([_tool("pdffonts"), handle.name], capture_output=True, check=True, text=True)
    fonts = []
    for line in result.stdout.splitlines()[2:]:
        # name, then type (may contain spaces), encoding, emb, sub, uni, object, generation
        parts = line.split()
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def assert_only_named_fonts(pdf: bytes) -> None:
    """Every embedded font is a subset of the two static/pdf.css names, Noto Sans CJK SC and
    (for emoji) Noto Color Emoji: no glyph fell back to another font."""
    fonts = pdf_fonts(pdf)
    assert fonts, "no fonts in the PDF"
    for font in fonts:
        base_name = font["name"].split("+", 1)[-1]
        assert base_name.startswith(("Noto-Sans-CJK-SC", "Noto-Color-Emoji")), fonts
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), fonts


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_a4(pdf: bytes, *, landscape: bool = False) -> None:
    expected = (842, 595) if landscape else (595, 842)
    for width, height in page_sizes(pdf):
        assert abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1, (width, height)


def rasterise(pdf: bytes, *, dpi: int = 150, page: int = 1):
    """One page as a PIL image, drawn by pdftoppm."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                _tool("pdftoppm"),
                "-r",
                str(dpi),
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                str(source),
                f"{directory}/page",
            ],
            check=True,
        )
        (png,) = Path(directory).glob("page*.png")
        with Image.open(png) as image:
            return image.convert("RGB")


def decode_qr_codes(image) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image)]
