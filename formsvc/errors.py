"""Domain errors with stable codes, and the translated, phone-sized HTTP error pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from formsvc.i18n import _l
from formsvc.urls import names_this_site, safe_next


class DomainError(Exception):
    """A rule of the domain was not met: a message for the person and a stable code for code."""

    code = "domain_error"

    def __init__(self, message: str, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


ERROR_TITLES = {
    400: _l("Something in the request was not right"),
    403: _l("You are not allowed to see this page"),
    404: _l("Page not found"),
    405: _l("This page cannot be used this way"),
    413: _l("What was sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
ERROR_HINTS = {
    400: _l("Please go back and try again."),
    403: _l("If you think you should have access, ask the district office."),
    404: _l("The link or QR code may be mistyped or out of date. Please scan the code again."),
    405: _l("Please go back and try again."),
    413: _l("Please send less at once."),
    429: _l("Please wait a moment and try again."),
    500: _l("Nothing you typed was your fault. Please try again in a minute."),
}


# In the workspace a missing page is a stale bookmark or another home's page, not a bad scan.
WORKSPACE_HINTS = {
    404: _l("This page does not exist, or it belongs to a Children's Home that is not yours to see."),
}


def render_error(status: int, detail: str | None = None, back: str | None = None):
    """The error page; ``back``: a page of this site to return to (the form a refused upload came from)."""
    in_workspace = request.path.startswith("/admin/")
    title = ERROR_TITLES.get(status) or ERROR_TITLES[500 if status >= 500 else 400]
    hint = (in_workspace and WORKSPACE_HINTS.get(status)) or ERROR_HINTS.get(status)
    hint = hint or ERROR_HINTS[500 if status >= 500 else 400]
    return render_template(
        "errors/error.html",
        status=status,
        title=title,
        hint=hint,
        detail=detail,
        in_workspace=in_workspace,
        back=back,
    ), status


def _upload_too_large():
    """A workspace upload over MAX_CONTENT_LENGTH is cut off before its view reads it: the page says
    the file limit, as the upload form says it for a smaller file over it, and leads back to the form."""
    from formsvc.tabular import file_too_large_message

    return render_error(413, detail=file_too_large_message(), back=_page_sent_from())


def _page_sent_from() -> str | None:
    """The page of this site the request was sent from (its Referer), as a path; None if another site's."""
    if not request.referrer or not names_this_site(request.referrer):
        return None
    parts = urlsplit(request.referrer)
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), None)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:  # a rate limit: say how long to wait
            from formsvc.ratelimits import render_too_many_requests

            return render_too_many_requests()
        if error.code == 413 and request.path.startswith("/admin/") and request.method == "POST":
            return _upload_too_large()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        try:
            from formsvc.extensions import db

            db.session.rollback()
        except Exception:  # the database may be the reason we are here
            app.logger.exception("rollback after an error failed")
        _no_user_from_the_database()
        try:
            return render_error(InternalServerError.code)
        except Exception:  # the page itself failed: still a page in the person's language
            app.logger.exception("the error page failed too")
            return _plain_error_page(), InternalServerError.code


def _no_user_from_the_database() -> None:
    """The page about an error must not ask the database for the logged-in user again: with
    the database down, that raised inside the error handler and gave gunicorn's bare page."""
    from flask import g

    from formsvc.extensions import login_manager

    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def _plain_error_page() -> str:
    from markupsafe import escape

    title, hint = escape(ERROR_TITLES[500]), escape(ERROR_HINTS[500])
    return (
        '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><h1>{title}</h1><p>{hint}</p>"
    )
