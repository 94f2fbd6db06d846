"""One row of an uploaded sign-in sheet: who it is (儿童, 家长, 志愿者 or a relation), the child,
village and phone; or a row the sheet listed from a phone or roll-call, which is only shown."""

from __future__ import annotations

import re

from flask_babel import force_locale

from formsvc.activities.models import Audience
from formsvc.attendance.models import Relation
from formsvc.attendance.paper_syntax import (
    NAME_MAX,
    RELATION_BY_WORD,
    VILLAGE_MAX,
    ParsedLine,
    name_problem,
    phone_like,
    relation_word,
    signer_word,
    split_signer,
)
from formsvc.i18n import _
from formsvc.printables.sheets import DIGITAL_SOURCES
from formsvc.text import clean_text, is_mainland_mobile, name_key, normalise_phone

# The column is titled 关系/孩子, so 奶奶/王小明 is written as often as 奶奶 王小明.
MARK_SEPARATORS = re.compile(r"[\s,，、;；·()（）/／|｜]+")
MARKS = {
    **{name_key(word): Audience.CHILDREN for word in ("儿童", "孩子", "小孩", "学生", "child", "kid")},
    **{name_key(word): Audience.GUARDIANS for word in ("家长", "监护人", "guardian", "parent")},
    **{name_key(word): Audience.VOLUNTEERS for word in ("志愿者", "义工", "volunteer")},
}


def listed_mark() -> re.Pattern:
    """The "signature" cell of a row the sheet listed from a phone or roll-call: "扫码签到 14:05"."""
    titles = set()
    for locale in ("zh_Hans", "en"):
        with force_locale(locale):
            titles.update(source.title for source in DIGITAL_SOURCES)
    return re.compile(rf"(?:{'|'.join(re.escape(title) for title in sorted(titles))})\s+\d{{1,2}}:\d{{2}}")


def who_of(text: str, audiences: list[Audience]) -> tuple[Audience | None, Relation | None, list[str], str]:
    """Read the "relation / child" cell: who the row is, the relation, words left over, a problem."""
    mark: Audience | None = None
    relation: Relation | None = None
    leftovers: list[str] = []
    for token in (token for token in MARK_SEPARATORS.split(text) if token):
        key = name_key(token)
        if key in MARKS and mark is None:
            mark = MARKS[key]
        elif (signer := name_key(signer_word(token))) in RELATION_BY_WORD and relation is None:  # 外婆代签
            relation = RELATION_BY_WORD[signer]
        else:
            leftovers.append(token)
    if mark is None and relation is not None:
        # On a sheet only children sign, 奶奶 beside a name says who signed the child in.
        mark = Audience.CHILDREN if audiences == [Audience.CHILDREN] else Audience.GUARDIANS
    if mark is None:
        if len(audiences) != 1:
            problem = _("Write 儿童 (child), 志愿者 (volunteer) or the relation to the child (such as 奶奶) here.")
            return None, None, leftovers, problem
        mark = audiences[0]
    if mark not in audiences:
        return mark, None, leftovers, _("This activity does not take this kind of sign-in.")
    return mark, relation, leftovers, ""


def read_row(number: int, cells: dict[str, str], letters: dict[str, str], audiences: list[Audience]):
    """One row as (who, parsed line), or None for an empty row (the template's numbered blanks)."""
    name = clean_text(cells["name"])
    relation_text = clean_text(cells["relation"])
    village = clean_text(cells["village"])
    phone_text = cells["phone"].strip()
    if not (name or relation_text or village or phone_text):
        return None
    text = " ".join(part for part in (name, relation_text, village, phone_text) if part)

    def bad(key: str, message: str, who: Audience | None = None):
        return who, ParsedLine(number, text, name=name, problem=message, column=letters.get(key, ""))

    if not name:
        return bad("name", _("The name is missing."))
    if problem := name_problem(name):
        return bad("name", problem)
    who, relation, leftovers, problem = who_of(relation_text, audiences)
    if problem:
        return bad("relation", problem, who)
    if who == Audience.CHILDREN:  # "儿童 奶奶": the grandmother signed the child in
        if leftovers:  # another child's name, say: not dropped without a word
            return bad("relation", _("Cannot tell what “{text}” is.").format(text=" ".join(leftovers)), who)
        return who, ParsedLine(number, text, name=name, signed_by=relation)
    phone = "" if "*" in phone_text else normalise_phone(phone_text)
    if phone and not is_mainland_mobile(phone):
        return bad("phone", _("“{text}” is not an 11-digit mobile number.").format(text=phone_text), who)
    child_name = ""
    if numbers := [word for word in leftovers if phone_like(word)]:  # a number is never a name or a village
        return bad("relation", _("Cannot tell what “{text}” is.").format(text=" ".join(numbers)), who)
    if who == Audience.VOLUNTEERS:
        village = clean_text(" ".join([village, *leftovers]))
    elif len(leftovers) == 1:  # the child's name, perhaps with the relation glued on (王小明奶奶)
        child_name, signer = split_signer(leftovers[0])
        if signer and relation is None:
            relation = relation_word(signer)
    elif leftovers:
        return bad("relation", _("Cannot tell what “{text}” is.").format(text=" ".join(leftovers)), who)
    if len(village) > VILLAGE_MAX:
        return bad("village", _("At most {max} characters.").format(max=VILLAGE_MAX), who)
    if len(child_name) > NAME_MAX:
        return bad("relation", _("A name has at most {max} characters.").format(max=NAME_MAX), who)
    line = ParsedLine(number, text, name=name, relation=relation, phone=phone, village=village, child_name=child_name)
    return who, line


def listed_row(number: int, cells: dict[str, str], audiences: list[Audience], mark: re.Pattern):
    """A row the sheet listed from a phone or roll-call, as (who, line); None for any other row.

    Read only to be shown: the person is recorded already, so nothing in it can be wrong.
    """
    signed = cells["signed"].strip()
    if not mark.fullmatch(signed):
        return None
    relation_text = clean_text(cells["relation"])
    who, _relation, _leftovers, problem = who_of(relation_text, audiences)
    text = " ".join(part for part in (relation_text, signed) if part)
    return (None if problem else who), ParsedLine(number, text, name=clean_text(cells["name"]))
