"""render_pdf: Chinese text with its font embedded, A4 pages numbered, nothing loaded from outside static/."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader

from formsvc.documents.pdf import URLRefused, css_string, emoji_in_spans, render_pdf, static_url_fetcher
from tests.pdftools import assert_a4, assert_only_named_fonts, page_sizes, pdf_fonts, pdf_text, rasterise

RARE_NAMES = "䶮 𠮷 彧"


@pytest.fixture
def extra_templates(app):
    """Test-only templates next to the real ones, removed afterwards."""
    templates = {}
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), original])
    app.jinja_env.cache.clear()
    yield templates
    app.jinja_env.loader = original
    app.jinja_env.cache.clear()


def render(app, template: str, context: dict, locale="zh_Hans") -> bytes:
    with app.test_request_context(), force_locale(locale):
        return render_pdf(template, context)


def test_rare_characters_render_with_an_embedded_noto_cjk_subset(app, extra_templates):
    extra_templates["pdf/_rare.html"] = (
        '{% extends "pdf/base.html" %}{% block content %}<p>韦{{ names }}、王小明</p>{% endblock %}'
    )
    pdf = render(app, "pdf/_rare.html", {"title": "儿童之家 生僻字", "names": RARE_NAMES})
    text = pdf_text(pdf)
    for char in RARE_NAMES.split():
        assert char in text
    assert "儿童之家 生僻字" in text
    assert_only_named_fonts(pdf)
    assert_a4(pdf)


def test_emoji_in_a_name_print_as_emoji_not_boxes(app, extra_templates):
    """QA: names and survey comments typed on phones carry emoji; they printed as empty boxes."""
    extra_templates["pdf/_emoji.html"] = (
        '{% extends "pdf/base.html" %}{% block header %}{% endblock %}{% block content %}'
        '<p style="font-size: 60pt; margin: 0">{{ name }}</p>{% endblock %}'
    )
    pdf = render(app, "pdf/_emoji.html", {"title": "表情", "name": "小宝😀"})
    assert "小宝😀" in pdf_text(pdf)
    assert any(font["name"].endswith("Noto-Color-Emoji") for font in pdf_fonts(pdf))
    assert_only_named_fonts(pdf)
    image = rasterise(pdf, dpi=72).convert("RGB")
    colours = {image.getpixel((x, y)) for x in range(40, image.width // 2) for y in range(45, 130)}
    assert any(abs(red - blue) > 60 for red, _green, blue in colours), "the emoji drew no colour"


def test_only_emoji_in_the_body_text_are_wrapped():
    html = (
        '<html><head><title>名单😀</title></head><body class="x">'
        '<p title="😀">小宝😀 ❤️ 家👨\u200d👩\u200d👧 ✓ 2026-11-29 11:09</p></body></html>'
    )
    assert emoji_in_spans(html) == (
        '<html><head><title>名单😀</title></head><body class="x">'
        '<p title="😀">小宝<span class="emoji">😀</span> <span class="emoji">❤️</span> '
        '家<span class="emoji">👨\u200d👩\u200d👧</span> ✓ 2026-11-29 11:09</p></body></html>'
    )
    assert emoji_in_spans("<body><p>王小明</p></body>") == "<body><p>王小明</p></body>"


def test_base_template_numbers_pages_and_shows_scope_period_and_time(app, extra_templates):
    extra_templates["pdf/_long.html"] = (
        '{% extends "pdf/base.html" %}{% block content %}'
        "{% for n in range(90) %}<p>第{{ n }}行</p>{% endfor %}{% endblock %}"
    )
    pdf = render(app, "pdf/_long.html", {"title": "测试", "scope_label": "城关镇", "period_label": "2026年11月"})
    pages = len(page_sizes(pdf))
    assert pages > 1
    text = pdf_text(pdf)
    for page in (1, pages):
        assert re.search(rf"Page {page} of {pages}|第\s*{page}\s*页\s*/\s*共\s*{pages}\s*页", text), text[-300:]
    assert "城关镇" in text and "2026年11月" in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", text)


def test_landscape_pages(app, extra_templates):
    extra_templates["pdf/_wide.html"] = '{% extends "pdf/base.html" %}{% block content %}宽{% endblock %}'
    pdf = render(app, "pdf/_wide.html", {"title": "横向", "landscape": True})
    assert_a4(pdf, landscape=True)


def test_a_title_cannot_break_out_of_the_css_string():
    assert str(css_string('a"b</style>\\')) == "a\\22 b\\3c \\2f style\\3e \\5c "
    assert str(css_string("第 1 页")) == "第 1 页"


def test_the_fetcher_serves_static_files_and_data_urls_only(app, tmp_path):
    static = Path(app.static_folder)
    fetcher = static_url_fetcher(static)
    response = fetcher.fetch((static / "pdf.css").as_uri())
    assert b"Noto Sans CJK SC" in response.read()
    assert response.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    refused = [
        outside.as_uri(),
        "file:///etc/passwd",
        (static / ".." / "formsvc" / "__init__.py").as_uri(),
        (static / "no-such-file.css").as_uri(),
        "file://elsewhere/static/pdf.css",
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/logo.png",
    ]
    for url in refused:
        with pytest.raises(URLRefused):
            fetcher.fetch(url)


def test_a_template_asking_for_an_outside_file_gets_nothing(app, extra_templates, tmp_path, caplog):
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    extra_templates["pdf/_outside.html"] = (
        '{% extends "pdf/base.html" %}{% block content %}'
        '<link rel="stylesheet" href="{{ outside }}"><img src="http://example.com/x.png"><p>内容</p>{% endblock %}'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(app, "pdf/_outside.html", {"title": "外部", "outside": secret.as_uri()})
    assert "内容" in pdf_text(pdf)
    refusals = [record.getMessage() for record in caplog.records if "URLRefused" in record.getMessage()]
    assert len(refusals) == 2, refusals


def test_the_rare_characters_are_drawn_not_boxes(app, extra_templates):
    """The glyphs have ink of their own: a missing glyph is drawn as the same empty box each time."""
    extra_templates["pdf/_glyphs.html"] = (
        '{% extends "pdf/base.html" %}{% block header %}{% endblock %}{% block content %}'
        '{% for char in chars %}<p style="font-size: 60pt; margin: 0; line-height: 1.2">{{ char }}</p>{% endfor %}'
        "{% endblock %}"
    )
    pdf = render(app, "pdf/_glyphs.html", {"title": "字", "chars": ["䶮", "𠮷", "彧"]})
    image = rasterise(pdf, dpi=72).convert("L")
    width = image.width
    # Each character sits in its own 60pt-high band below the top margin (16mm = 45pt).
    bands = [image.crop((40, 45 + 72 * index, width // 3, 45 + 72 * (index + 1))) for index in range(3)]
    shapes = [band.point(lambda value: 255 if value > 128 else 0).tobytes() for band in bands]
    assert all(shape.count(0) > 100 for shape in shapes), "a character drew no ink"
    assert len(set(shapes)) == 3, "two characters drew the same shape (a missing-glyph box?)"


def test_sign_in_workers_never_load_weasyprint_or_openpyxl(tmp_path):
    code = (
        "import sys\n"
        "from formsvc import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db', 'SECRET_KEY': 'x'}})\n"
        "app.test_client().get('/healthz')\n"
        "loaded = [name for name in ('weasyprint', 'openpyxl') if name in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)
