"""Translation helpers and the locale selector: zh_Hans first, English second."""

from __future__ import annotations

from babel import support
from flask import has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _  # noqa: F401  (re-exported for the app)
from flask_babel import lazy_gettext as _l  # noqa: F401
from wtforms.i18n import messages_path

LOCALES = ("zh_Hans", "en")
LOCALE_COOKIE = "lang"
# Accept-Language tags mapped onto the locales we ship.
_TAG_TO_LOCALE = {
    "zh": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-hans": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh-hans-cn": "zh_Hans",
    "en": "en",
}


def locale_from_tag(tag: str | None) -> str | None:
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    if tag in _TAG_TO_LOCALE:
        return _TAG_TO_LOCALE[tag]
    if tag.startswith("en-"):
        return "en"
    if tag.startswith("zh-"):
        # Traditional-script readers still read simplified better than English.
        return "zh_Hans"
    return None


def select_locale() -> str:
    if not has_request_context():  # the command line and background work speak Chinese
        return LOCALES[0]
    chosen = locale_from_tag(request.cookies.get(LOCALE_COOKIE))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        locale = locale_from_tag(tag)
        if locale:
            return locale
    return LOCALES[0]


# WTForms' own messages in each locale, loaded once per process. Flask-WTF reads the catalog
# from disk on every request unless the request already carries one in this attribute.
_WTFORMS_CATALOGS: dict[str, object] = {}


def reuse_wtforms_catalog() -> None:
    """Hand Flask-WTF this process's WTForms catalog for the request's locale (a before_request hook)."""
    locale = str(get_locale())
    catalog = _WTFORMS_CATALOGS.get(locale)
    if catalog is None:
        catalog = _WTFORMS_CATALOGS[locale] = support.Translations.load(messages_path(), [locale], domain="wtforms")
    request.wtforms_translations = catalog
