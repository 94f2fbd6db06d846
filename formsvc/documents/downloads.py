"""File downloads from workspace views: PDF, XLSX and CSV answers with safe headers.

A view serving one is marked ``formsvc.wechat.download_view``, so WeChat's in-app browser,
which cannot download, gets a page saying what to do before the view does any work.
"""

from __future__ import annotations

from flask import Response

from formsvc.timeutil import local_today

PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment; ``filename`` is kept ASCII so every browser (and WeChat) keeps it as given."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def dated_name(stem: str, suffix: str) -> str:
    """``stem-YYYYMMDD.suffix`` with the district's date: the UTC date is yesterday's until 08:00."""
    return f"{stem}-{local_today():%Y%m%d}.{suffix}"
