"""Translation helpers and the locale selector: zh_Hans first, English second."""

from __future__ import annotations

import functools

import click
from babel import support
from flask import has_request_context, request
from flask.cli import with_appcontext
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _  # noqa: F401  (re-exported for the app)
from flask_babel import lazy_gettext as _l
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


def reads_english() -> bool:
    """The reader chose English (the command line always does, see ``in_english``); else Chinese."""
    return str(get_locale() or "").startswith("en")


def select_locale() -> str:
    if not has_request_context():  # background work speaks the district's language (see in_english)
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

# WTForms' defaults said the way the rest of the app says it, for every validator and field left
# with its default message: those that speak of a "field" (字段长度不能超过 100 个字符。) or of
# coercion, and those WTForms' own Chinese catalog leaves untranslated (fuzzy, empty or missing,
# so they came out in English: "'4' is not a valid choice for this field."). Keyed by the
# singular of a plural message. tests/test_wtforms_messages.py reads the installed WTForms for
# every message it can give, so a new one in an upgrade is noticed.
_CHOOSE_ONE = _l("Please choose one of the options.")
_ONLY_LISTED = _l("Please choose only from the options shown.")
_PLAINER_WTFORMS = {
    "Field must be equal to %(other_name)s.": _l("The two entries differ."),
    "Field must be at least %(min)d character long.": _l("Please write at least %(min)d characters."),
    "Field cannot be longer than %(max)d character.": _l("Please keep this to at most %(max)d characters."),
    "Field must be exactly %(max)d character long.": _l("Please write exactly %(max)d characters."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Please write %(min)d to %(max)d characters."),
    "Number must be at least %(min)s.": _l("Please give a number of at least %(min)s."),
    "Number must be at most %(max)s.": _l("Please give a number of at most %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Please give a number from %(min)s to %(max)s."),
    "Date must be at least %(min)s.": _l("Please give a date on or after %(min)s."),
    "Date must be at most %(max)s.": _l("Please give a date on or before %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Please give a date from %(min)s to %(max)s."),
    "This field is required.": _l("Please fill this in."),
    "This field cannot be edited.": _l("This cannot be changed here."),
    "This field is disabled and cannot have a value.": _l("This cannot be filled in here."),
    "Invalid value, must be one of: %(values)s.": _CHOOSE_ONE,
    "Invalid Choice: could not coerce.": _CHOOSE_ONE,
    "Not a valid choice.": _CHOOSE_ONE,
    "Invalid choice(s): one or more data inputs could not be coerced.": _ONLY_LISTED,
    "'%(value)s' is not a valid choice for this field.": _ONLY_LISTED,
    "Not a valid week value.": _l("Please give a week as 2026-W48."),
}


class _PlainerWtformsCatalog:
    """WTForms' catalog for a locale, with ``_PLAINER_WTFORMS`` in place of its own words."""

    def __init__(self, catalog):
        self._catalog = catalog

    def ugettext(self, message: str) -> str:
        plainer = _PLAINER_WTFORMS.get(message)
        return str(plainer) if plainer is not None else self._catalog.ugettext(message)

    def ungettext(self, singular: str, plural: str, count: int) -> str:
        plainer = _PLAINER_WTFORMS.get(singular)
        return str(plainer) if plainer is not None else self._catalog.ungettext(singular, plural, count)


def reuse_wtforms_catalog() -> None:
    """Hand Flask-WTF this process's WTForms catalog for the request's locale (a before_request hook)."""
    locale = str(get_locale())
    catalog = _WTFORMS_CATALOGS.get(locale)
    if catalog is None:
        wtforms_own = support.Translations.load(messages_path(), [locale], domain="wtforms")
        catalog = _WTFORMS_CATALOGS[locale] = _PlainerWtformsCatalog(wtforms_own)
    request.wtforms_translations = catalog


def in_english(command: click.Command) -> click.Command:
    """``command`` (and a group's subcommands) run with English as the locale.

    Whoever runs a command on the server reads one language. The commands' own lines are
    English, so the messages they pass on from the services (a ledger row's problem, a refused
    user) are said in English too; before, these came in the district's language, Chinese,
    halfway through an English line. Documents a command writes (a tally, posters) force the
    district's language themselves, and nothing a service stores is translated text.
    """
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            in_english(subcommand)
        return command
    callback = command.callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        with force_locale("en"):
            return callback(*args, **kwargs)

    # with_appcontext outside: force_locale keeps the locale in flask.g, which needs the app context.
    command.callback = with_appcontext(run)
    return command
