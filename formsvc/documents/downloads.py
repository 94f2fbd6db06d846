"""File downloads from workspace views: PDF, XLSX and CSV answers with safe headers.

A view serving one is marked ``formsvc.wechat.download_view``, so WeChat's in-app browser,
which cannot download, gets a page saying what to do before the view does any work.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

from formsvc.timeutil import local_today

PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"  # Werkzeug adds "; charset=utf-8" to a text type itself

# Characters no file name may hold on Windows, where the clerk saves the file.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def download(body: bytes, mimetype: str, filename: str, *, title: str | None = None) -> Response:
    """An attachment named ``title`` (in the reader's language) where the browser reads RFC 6266's
    ``filename*`` (every current one does), and the ASCII ``filename`` elsewhere.

    A clerk who saves a dozen sign-in sheets needs to tell them apart by home and day in her
    Downloads folder: 签到表-新华村儿童之家-2026-11-29-家长课堂.pdf says it, signin-sheet-283.pdf does not.
    """
    response = Response(body, mimetype=mimetype)
    disposition = f'attachment; filename="{filename}"'
    if title:
        suffix = filename.rsplit(".", 1)[-1]
        shown = _NOT_IN_FILE_NAMES.sub("_", title).strip()
        disposition += f"; filename*=UTF-8''{quote(f'{shown}.{suffix}', safe='')}"
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "no-store"
    return response


def dated_name(stem: str, suffix: str) -> str:
    """``stem-YYYYMMDD.suffix`` with the district's date: the UTC date is yesterday's until 08:00."""
    return f"{stem}-{local_today():%Y%m%d}.{suffix}"
