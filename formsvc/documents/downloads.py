"""File downloads from workspace views: PDF, XLSX and CSV answers with safe headers."""

from __future__ import annotations

from flask import Response

PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment; ``filename`` is kept ASCII so every browser (and WeChat) keeps it as given."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
