"""The order of townships and homes wherever they are listed: by pinyin, numbers by value.

A clerk's Excel sorts Chinese by pinyin, so her ledger lists 百色街道 before 城关镇 before 那坡乡;
the database would sort by character code (城关镇 before 百色街道) and put 第42社区 before 第4社区.
Lists are a few hundred homes at most, so they are sorted in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from wtforms.fields.choices import SelectChoice

from formsvc.attendance.namesearch import pinyin_sort_key

_NUMBER = re.compile(r"(\d+)")


@lru_cache(maxsize=4096)
def place_sort_key(name: str) -> tuple:
    """A township's or home's place in a list: pinyin, with 第4社区 before 第42社区."""
    parts = _NUMBER.split(name)
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, pinyin_sort_key(part)) for part in parts if part)


def in_place_order(sites: Iterable) -> list:
    """Sites by township, then home; each needs ``.township``."""
    return sorted(sites, key=lambda site: (place_sort_key(site.township.name), place_sort_key(site.name), site.id))


def townships_in_order(townships: Iterable) -> list:
    return sorted(townships, key=lambda township: (place_sort_key(township.name), township.id))


def home_choices(sites: Iterable, value: Callable = lambda site: site.id) -> list[SelectChoice]:
    """Homes to pick from, in place order, each under its township.

    Sorted by township without saying so, 125 homes read as shuffled (001, 003 … 059, then
    000, 002 …). A select shows each township as an <optgroup>; a checkbox list
    (``CheckboxListField``) writes it before the name: 城关镇 · 新华村儿童之家.
    """
    return [SelectChoice(value(site), site.name, optgroup=site.township.name) for site in in_place_order(sites)]
