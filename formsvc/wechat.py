"""WeChat's in-app browser, where the QR codes open: downloads there fail without a word.

Android WeChat cannot save or show a PDF or a spreadsheet; the tap just does nothing. So when
a download (PDF, Excel, CSV, Word, ZIP — or anything sent as an attachment) is asked for from
mobile WeChat, the app answers with a page that says how to open the same address in the
phone's browser ("··· → 在浏览器打开") and shows the address to copy; every page with download
links says the same before they are tapped (``wechat_download_notice`` in
``templates/_macros/downloads.html``).

A view that serves a file is marked ``@download_view`` (under ``@login_required``): in WeChat
it does not run at all, so the audit entry of an export or printout is written once, when the
file is really sent, and no PDF is rendered for nothing. The response hook is the safety net
for a download nobody marked: it still swaps the file for the page, but after the view ran.

Desktop WeChat (``WindowsWechat``, ``MacWechat``) downloads files normally and is left alone.
The page offers "try here anyway" (``?in_wechat=open``) for phones whose WeChat can show the
file itself, as iPhones often can with a PDF.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from functools import wraps

from flask import Response, has_request_context, make_response, render_template, request
from werkzeug.http import parse_options_header

from formsvc.i18n import _

DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
        "application/zip",
        "application/octet-stream",
        "text/csv",
    }
)
DESKTOP_MARKERS = ("WindowsWechat", "MacWechat")
OPEN_ANYWAY_ARG = "in_wechat"


def in_wechat(user_agent: str | None = None) -> bool:
    """True inside mobile WeChat's (or WeCom's) in-app browser, by its User-Agent."""
    if user_agent is None:
        if not has_request_context():
            return False
        user_agent = request.headers.get("User-Agent", "")
    return "MicroMessenger" in user_agent and not any(marker in user_agent for marker in DESKTOP_MARKERS)


def is_download(response: Response) -> bool:
    disposition, _options = parse_options_header(response.headers.get("Content-Disposition"))
    return response.mimetype in DOWNLOAD_TYPES or disposition == "attachment"


def _file_name(response: Response) -> str:
    _disposition, options = parse_options_header(response.headers.get("Content-Disposition"))
    return options.get("filename", "")


def open_anyway_url() -> str:
    separator = "&" if request.query_string else "?"
    return f"{request.url}{separator}{OPEN_ANYWAY_ARG}=open"


def _cannot_download_here() -> bool:
    """A GET from mobile WeChat that did not ask to try anyway."""
    return request.method == "GET" and in_wechat() and request.args.get(OPEN_ANYWAY_ARG) != "open"


def _file_kind(file_name: str) -> str:
    """What the file is, in words a manager knows ("PDF file", "Excel file"), from its name's ending."""
    excel = _("Excel file")
    kinds = {"pdf": _("PDF file"), "xlsx": excel, "xls": excel, "csv": _("CSV file (opens in Excel)")}
    return kinds.get(file_name.rsplit(".", 1)[-1].lower(), _("File")) if file_name else ""


def _open_in_browser_page(file_name: str) -> Response:
    page = make_response(
        render_template(
            "wechat/open_in_browser.html",
            file_kind=_file_kind(file_name),
            file_url=request.url,
            open_anyway=open_anyway_url(),
        )
    )
    page.vary.add("User-Agent")
    return page


def download_view(view: Callable) -> Callable:
    """Mark a view that answers with a file: from mobile WeChat it is not run, the page answers.

    The file's own name is only known once the view ran, so the page says what kind of file
    the address's last part ("sheet.xlsx") is.
    """

    @wraps(view)
    def unless_in_wechat(*args, **kwargs):
        if _cannot_download_here():
            return _open_in_browser_page(posixpath.basename(request.path))
        return view(*args, **kwargs)

    unless_in_wechat.serves_download = True
    return unless_in_wechat


def explain_downloads_in_wechat(response: Response) -> Response:
    """After every request: a download asked for from WeChat becomes a page saying what to do.

    Only an unmarked download gets here as a file (see ``download_view``).
    """
    if response.status_code != 200 or not is_download(response) or not _cannot_download_here():
        return response
    name = _file_name(response)
    response.close()
    return _open_in_browser_page(name)
