"""Gzip for text responses: a public page and its style sheet fit in 14 KB on a 2G line.

The app compresses, not only a proxy in front of it: the district may run it behind none
(``make run`` serves gunicorn directly), and the budget tests measure what is really sent. A
proxy that compresses too sees ``Content-Encoding`` already set and passes the body through.

Pages are ``no-store``, so HTML is compressed on every request: about 0.1 ms for a public
page (3 KB of HTML) at level 6, under 1% of what serving the page takes (measured and printed
by tests/quality/test_page_budget.py). Static files are compressed once per version of the
file and kept in memory; their URLs carry a content hash, so browsers ask for them once a year.
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache

from flask import Response, current_app, request
from werkzeug.security import safe_join

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    }
)
MIN_SIZE = 1024  # below about one packet gzip saves nothing worth the header
LEVEL = 6


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), so the same page always weighs the same."""
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


@lru_cache(maxsize=64)
def _compressed_file(path: str, mtime_ns: int, size: int) -> bytes:
    with open(path, "rb") as handle:
        return gzip_bytes(handle.read())


def _static_body(response: Response) -> bytes | None:
    """The gzip of a static file Flask is about to stream, from the cache."""
    path = safe_join(current_app.static_folder, (request.view_args or {}).get("filename", ""))
    if path is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    if stat.st_size < MIN_SIZE:
        return None
    return _compressed_file(path, stat.st_mtime_ns, stat.st_size)


def compress_response(response: Response) -> Response:
    """After every request: gzip text bodies of 1 KB or more when the client accepts gzip."""
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if (
        response.status_code in (204, 206, 304)
        or response.status_code < 200
        or "Content-Encoding" in response.headers
        or request.accept_encodings.quality("gzip") <= 0
    ):
        return response
    if response.direct_passthrough or response.is_streamed:
        if request.endpoint != "static" or response.status_code != 200:
            return response  # a stream of unknown length: sent as it is
        body = _static_body(response)
        if body is None:
            return response
        if hasattr(response.response, "close"):
            response.response.close()
        response.direct_passthrough = False
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = gzip_bytes(data)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)  # byte ranges would be of the uncompressed file
    etag, weak = response.get_etag()
    if etag and not weak:  # the bytes differ from the uncompressed file's (nginx does the same)
        response.set_etag(etag, weak=True)
    return response
