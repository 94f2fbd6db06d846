"""Finding a child on the roster by a few typed letters: the name, its pinyin or its initials.

A manager on a phone types "wxm" or "xiaoming" rather than switching to a Chinese keyboard.
A roster holds a few hundred children at most, so the keys are computed in Python (and
cached per name) instead of being stored.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import islice, product

from formsvc.text import name_key

# Names with several readings (曾 ceng/zeng, 乐 le/yue …) get one initials key per reading;
# this caps the combinations for an unusually long name.
MAX_INITIAL_KEYS = 16


def _readings(name: str) -> tuple[list[list[str]], list[str]]:
    from pypinyin import Style, lazy_pinyin, pinyin  # a large dictionary: loaded on first search

    def keep_as_letters(chunk: str) -> list[str]:
        return list(chunk)

    initials = pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors=keep_as_letters)
    full = lazy_pinyin(name, errors=keep_as_letters)
    return initials, full


@lru_cache(maxsize=4096)
def search_keys(name: str) -> str:
    """Every key a search may hit, space separated: name key, full pinyin, initials."""
    initials, full = _readings(name)
    letters = [sorted({reading.casefold() for reading in options if reading.strip()}) for options in initials]
    letters = [options for options in letters if options]
    initial_keys = ("".join(combination) for combination in product(*letters))
    keys = [name_key(name), name_key("".join(full)), *islice(initial_keys, MAX_INITIAL_KEYS)]
    return " ".join(dict.fromkeys(key for key in keys if key))


def name_matches(name: str, query: str) -> bool:
    """True when ``query`` is part of the name, its pinyin or its initials."""
    wanted = name_key(query)
    return not wanted or any(wanted in key for key in search_keys(name).split(" "))


@lru_cache(maxsize=4096)
def pinyin_sort_key(name: str) -> str:
    """Roster order: by pinyin, as Chinese name lists are."""
    _initials, full = _readings(name)
    return " ".join(part.casefold() for part in full if part.strip())
