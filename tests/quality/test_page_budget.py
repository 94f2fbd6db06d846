"""Each public page weighs at most 14 KB on the wire: its HTML and everything it links, as served.

14 KB is what a server can send in TCP's first round trip (ten segments of ~1.4 KB): on a
2G line with 300 ms round trips, a page that fits shows after one. The app gzips text
responses itself (formsvc/compression.py), so the test measures the bodies exactly as the
app sends them to a browser that accepts gzip. No web fonts, no script required (the survey
page's small script only shows and hides follow-up questions; a form's keeps what was typed
across the language and text-size switches, and a sign-in sent on a connection that dropped).
"""

from __future__ import annotations

import gzip
import re
import statistics
import time

from formsvc.compression import MIN_SIZE, gzip_bytes
from tests.quality.conftest import ZH, quality_table

BUDGET = 14 * 1024
GZIP = {**ZH, "Accept-Encoding": "gzip, deflate"}
LINKED = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|icon)"[^>]*href|script[^>]+src|img[^>]+src)="([^"]+)"')


def linked_resources(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in LINKED.findall(html)]


def served(client, path: str):
    response = client.get(path, headers=GZIP)
    body = response.data
    response.close()  # a static file stays open until its response is closed
    plain = gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
    return response, body, plain


def test_every_public_page_fits_in_14_kb(app, public_site, record_property):
    client = app.test_client()
    rows, over, fonts = [], [], []
    for page in public_site.pages:
        response, body, html = served(client, page.path)
        assert response.status_code == page.status, page
        wire, plain, kinds = len(body), len(html), []
        for url in linked_resources(html.decode()):
            if url.startswith("data:"):
                continue
            assert url.startswith("/static/"), f"{page.name} links {url}: everything comes from this server"
            resource, resource_body, resource_plain = served(client, url)
            assert resource.status_code == 200, url
            wire += len(resource_body)
            plain += len(resource_plain)
            kinds.append(url.split("?")[0].rsplit(".", 1)[-1])
            if b"@font-face" in resource_plain:
                fonts.append(url)
        rows.append([page.name, f"{wire / 1024:.1f} KB", f"{plain / 1024:.1f} KB", " + ".join(["html", *kinds])])
        if wire > BUDGET:
            over.append(f"{page.name}: {wire} bytes > {BUDGET}")
    record_property(
        "quality",
        quality_table(
            "Page weight on the wire, HTML and what it links, gzip as served (bar: 14 KB)",
            ["page", "served", "uncompressed", "files"],
            rows,
        ),
    )
    assert fonts == []
    assert over == []


def test_pages_and_style_sheets_are_sent_compressed(app, public_site):
    client = app.test_client()
    response, body, html = served(client, public_site.page("site").path)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Content-Length"] == str(len(body)) and len(body) < len(html)
    assert client.get(public_site.page("site").path, headers=ZH).data.startswith(b"<!doctype html>")

    css_url = linked_resources(html.decode())[0]
    css, css_body, css_plain = served(client, css_url)
    assert css.headers["Content-Encoding"] == "gzip"
    with client.get(css_url) as uncompressed:  # for clients without gzip: the same file
        assert "Content-Encoding" not in uncompressed.headers and uncompressed.data == css_plain
    etag = css.headers["ETag"]
    assert etag.startswith('W/"')  # not the uncompressed file's strong ETag
    with client.get(css_url, headers={**GZIP, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""


def test_small_responses_and_other_encodings_are_left_alone(app):
    client = app.test_client()
    health = client.get("/healthz", headers=GZIP)
    assert len(health.data) < MIN_SIZE and "Content-Encoding" not in health.headers
    refused = client.get("/s/no-such-site0", headers={**ZH, "Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_compressing_a_page_costs_little_beside_serving_it(app, public_site, record_property):
    """The measured cost of gzip on the hot path: the site page, level 6, against its request."""
    client = app.test_client()
    path = public_site.page("site").path
    html = client.get(path, headers=ZH).data
    request_times, gzip_times = [], []
    for _round in range(30):
        started = time.perf_counter()
        client.get(path, headers=GZIP)
        request_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        gzip_bytes(html)
        gzip_times.append(time.perf_counter() - started)
    request_ms, gzip_ms = statistics.median(request_times) * 1000, statistics.median(gzip_times) * 1000
    record_property(
        "quality",
        quality_table(
            "gzip cost on the hot path (median of 30, test client, site page)",
            ["page", "HTML", "gzip level 6", "whole request"],
            [["site", f"{len(html) / 1024:.1f} KB", f"{gzip_ms:.3f} ms", f"{request_ms:.1f} ms"]],
        ),
    )
    assert gzip_ms < max(1.0, request_ms / 5)
