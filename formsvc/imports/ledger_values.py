"""The columns and cell values of a ledger (台账), in English or Chinese.

Activity kinds, roles, relations and categories have stable English keys (``parent_training``,
``guardian`` …) and the Chinese words districts write (家教宣讲, 家长 …); both are accepted.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import format_date

from formsvc.activities.models import ActivityKind, Audience
from formsvc.attendance.models import ChildCategory, Relation
from formsvc.attendance.paper_syntax import RELATION_BY_WORD
from formsvc.i18n import _
from formsvc.text import name_key

# Each column by its English and Chinese titles; the titles that mean the same in every sheet
# (儿童之家名称, 活动日期, 名字, 手机号 …) are read through tabular.SAME_TITLES.
LEDGER_COLUMNS = {
    "site": "site",
    "site_id": "site",
    "站点": "site",
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "类型": "kind",
    "活动类型": "kind",
    "title": "title",
    "活动名称": "title",
    "name": "name",
    "姓名": "name",
    "role": "role",
    "身份": "role",
    "village": "village",
    "村/社区": "village",
    "relation": "relation",
    "关系": "relation",
    "phone": "phone",
    "电话": "phone",
    "categories": "categories",
    "category": "categories",
    "类别": "categories",
}
# The required columns: each key is also the column's English header, the value its Chinese one.
REQUIRED_LEDGER_COLUMNS = {"site": "站点", "date": "日期", "kind": "类型", "name": "姓名", "role": "身份"}
LEDGER_KEYS = ("site", "date", "kind", "title", "name", "role", "village", "relation", "phone", "categories")
TITLE_MAX = 100
VILLAGE_MAX = 60

KIND_WORDS = {
    ActivityKind.DAILY: ("日常开放", "日常", "daily opening"),
    ActivityKind.PARENT_TRAINING: ("家教宣讲", "家长学校", "家庭教育", "parent training"),
    ActivityKind.VOLUNTEER: ("志愿服务", "志愿活动", "volunteer service"),
    ActivityKind.VISIT: ("慰问", "慰问活动", "holiday visit"),
    ActivityKind.FESTIVAL: ("节日活动", "festival activity"),
    ActivityKind.OTHER: ("其他", "其他活动", "other activity"),
}
ROLE_WORDS = {
    Audience.CHILDREN: ("child", "儿童", "孩子", "学生"),
    Audience.GUARDIANS: ("guardian", "家长", "监护人", "parent"),
    Audience.VOLUNTEERS: ("volunteer", "志愿者", "义工"),
}
CATEGORY_WORDS = {
    ChildCategory.LEFT_BEHIND: ("留守", "留守儿童"),
    ChildCategory.DIFFICULT: ("困境", "困境儿童"),
    ChildCategory.DISABLED: ("残疾", "残疾儿童"),
    ChildCategory.REGISTERED_POOR: ("建档立卡贫困", "建档立卡", "贫困"),
    ChildCategory.MILITARY_FAMILY: ("军烈属",),
    ChildCategory.OTHER: ("其他",),
}
CATEGORY_SEPARATORS = re.compile(r"[,，、;；/\s]+")
# A time after the date (an Excel date cell with a time, "2025-09-01 15:30") is dropped: the
# activity keeps the hours of its kind.
DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
# A date cell Excel shows as a number (45901), or a CSV saved from one: days since 1899-12-30.
EXCEL_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST_YEAR = 2000


def _lookup(words: dict) -> dict[str, object]:
    table = {}
    for value, spellings in words.items():
        table[name_key(getattr(value, "value", ""))] = value
        for spelling in spellings:
            table[name_key(spelling)] = value
    return table


KINDS = _lookup(KIND_WORDS)
ROLES = _lookup(ROLE_WORDS)
CATEGORIES = _lookup(CATEGORY_WORDS)
RELATIONS = {**RELATION_BY_WORD, **{name_key(relation.value): relation for relation in Relation}}
RELATIONS.pop(name_key(Relation.SELF.value), None)


def parse_day(text: str, today: date) -> tuple[date | None, str]:
    """A date written 2026-11-27, 2026/11/27, 2026.11.27, 2026年11月27日, an Excel date cell or
    its serial number (45901); or a problem."""
    text = text.strip()
    match = DATE_RE.match(text)
    day = None
    if EXCEL_SERIAL_RE.match(text):
        day = EXCEL_EPOCH + timedelta(days=int(float(text)))
    elif match:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            day = None
    if day is None or day.year < EARLIEST_YEAR:
        return None, _("“{text}” is not a date like 2026-11-27.").format(text=text)
    if day > today:
        return None, _("{day} is in the future.").format(day=format_date(day, "long"))
    return day, ""


def parse_kind(text: str) -> ActivityKind | None:
    return KINDS.get(name_key(text))


def parse_role(text: str) -> Audience | None:
    return ROLES.get(name_key(text))


def parse_relation(text: str) -> Relation | None:
    return RELATIONS.get(name_key(text))


def parse_categories(text: str) -> tuple[tuple[ChildCategory, ...], list[str]]:
    """The categories in a cell (comma, 、 or ， between them), and the words not understood."""
    found: list[ChildCategory] = []
    unknown = []
    for word in CATEGORY_SEPARATORS.split(text.strip()):
        if not word:
            continue
        category = CATEGORIES.get(name_key(word))
        if category is None:
            unknown.append(word)
        elif category not in found:
            found.append(category)
    return tuple(found), unknown
