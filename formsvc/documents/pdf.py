"""One way to make a PDF: a Jinja template from ``templates/pdf/`` rendered by WeasyPrint.

WeasyPrint is imported inside the functions that need it: it takes ~0.4 s and a lot of memory
to load, and the sign-in workers never print anything.

What a PDF may load is decided by ``StaticOnlyFetcher``: files under the app's static folder
and ``data:`` URLs (they carry their bytes inline, so they reach nothing outside the
document). Every other URL — ``file://`` elsewhere on the disk, ``http(s)://``, ``ftp://`` — is
refused; WeasyPrint then leaves that resource out and logs a warning.
"""

from __future__ import annotations

import gc
import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from markupsafe import Markup

from formsvc.db import utcnow
from formsvc.i18n import _
from formsvc.timeutil import to_local


class URLRefused(ValueError):
    """A PDF template asked for something outside the static folder."""


def _static_path(url: str, static_root: Path) -> Path:
    """The file a ``file:`` URL names, if it lies inside ``static_root``; else URLRefused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise URLRefused(f"not a local file URL: {url[:80]}")
    path = Path(url2pathname(parts.path)).resolve()
    root = static_root.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise URLRefused(f"outside the static folder: {url[:80]}")
    return path


def static_url_fetcher(static_root: Path | str):
    """A WeasyPrint URL fetcher that serves files under ``static_root`` and ``data:`` URLs only."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_root)

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            path = _static_path(url, root)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


_CSS_SAFE = re.compile(r"[^A-Za-z0-9 \u00a0-\U0010ffff]")


def css_string(value: object) -> Markup:
    """``value`` as the inside of a double-quoted CSS string, safe inside a <style> element.

    Every ASCII character but letters, digits and spaces becomes a CSS hex escape, so
    neither a quote nor ``</style>`` can end the string or the element.
    """
    escaped = _CSS_SAFE.sub(lambda match: f"\\{ord(match.group()):x} ", str(value))
    return Markup(escaped)


def page_counter_css() -> Markup:
    """The CSS ``content`` value of the page footer: "第 N 页 / 共 M 页" in the current language."""
    pattern = _("Page {page} of {pages}")
    before, _sep, rest = pattern.partition("{page}")
    middle, _sep, after = rest.partition("{pages}")
    return Markup('"{}" counter(page) "{}" counter(pages) "{}"').format(
        css_string(before), css_string(middle), css_string(after)
    )


def generated_at_text() -> str:
    return to_local(utcnow()).strftime("%Y-%m-%d %H:%M")


# An emoji: a pictograph (with its skin tone, joined pictographs, flag letters or tag
# characters), or a symbol that asks for emoji presentation (❤️, ☀️).
_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff]|[\u2190-\u2bff]\ufe0f)"
    "(?:[\U0001f000-\U0001faff\U000e0020-\U000e007f\u200d\ufe0f\u20e3]|[\u2190-\u2bff]\ufe0f)*"
)
_TAG = re.compile(r"(<[^>]*>)")


def emoji_in_spans(html: str) -> str:
    """The document with each run of emoji in its body's text wrapped in ``<span class="emoji">``.

    Names and comments typed on phones carry emoji, which Noto Sans CJK lacks (they printed as
    empty boxes). static/pdf.css draws span.emoji from Noto Color Emoji; named as a fallback for
    the whole page instead, that font also took the spaces between words and numbers.
    Only text between tags is touched (Jinja escapes < and > in text), never the head.
    """
    head, body_tag, body = html.partition("<body")
    body_tag_rest, end_of_tag, body = body.partition(">")
    if not end_of_tag or not _EMOJI.search(body):
        return html
    pieces = _TAG.split(body)
    for index in range(0, len(pieces), 2):  # text and tags take turns, text first
        pieces[index] = _EMOJI.sub(lambda match: f'<span class="emoji">{match.group()}</span>', pieces[index])
    return head + body_tag + body_tag_rest + end_of_tag + "".join(pieces)


def _write_pdf(html: str, static_root: Path) -> bytes:
    import weasyprint

    document = weasyprint.HTML(
        string=emoji_in_spans(html),
        base_url=static_root.as_uri() + "/",
        url_fetcher=static_url_fetcher(static_root),
    )
    return document.write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``templates/<template_name>`` with ``context`` (plain values only) into PDF bytes.

    WeasyPrint leaves the boxes and styles of a document in reference cycles (some 200,000
    objects for a district tally), so the cyclic garbage collector runs full collections during a
    rendering, and each of them also walks everything the process already holds: a third of the
    time of a tally. While WeasyPrint works, the objects that exist beforehand are frozen (left
    out of collections); its garbage is collected as soon as it is done, then they are thawed.
    Garbage that other threads make meanwhile waits for the next collection after that.
    """
    static_root = Path(current_app.static_folder)
    html = render_template(
        template_name,
        **{
            "generated_at": generated_at_text(),
            "css_string": css_string,
            "page_counter": page_counter_css(),
            **context,
        },
    )
    gc.freeze()
    try:
        return _write_pdf(html, static_root)
    finally:
        gc.collect()
        gc.unfreeze()
