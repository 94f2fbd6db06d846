"""Reading the lines typed from a paper sheet; the rules are in ``formsvc.attendance.paper``."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from formsvc.activities.models import Audience
from formsvc.attendance.models import Relation
from formsvc.i18n import _
from formsvc.text import clean_text, is_mainland_mobile, name_key, normalise_phone

NAME_MAX = 30
VILLAGE_MAX = 40
MAX_LINES = 500
CHILD_SEPARATORS = re.compile(r"[,，、;；]+")
# Captured: a number written in groups (138 1234 5678) is rejoined across spaces only.
ADULT_SEPARATORS = re.compile(r"([\s,，、;；]+)")
# A word of digits (after NFKC: full-width digits, ＋, －, （）) is a phone number, right or
# wrong, however short: never a name, a child's name or a village. "*" for a masked number;
# spaces only inside a number rejoined from groups.
PHONE_LIKE = re.compile(r"^\+?[\d\-()* ]*\d[\d\-()* ]*$")
# How a printed sheet masks a listed number (text.mask_phone).
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")
# A word ending like this is a place, not the child's name.
VILLAGE_ENDINGS = ("村", "社区", "屯", "组", "寨", "小区", "街道", "镇", "乡")
RELATION_WORDS = {
    Relation.FATHER: ("父亲", "爸爸", "爸", "father", "dad"),
    Relation.MOTHER: ("母亲", "妈妈", "妈", "mother", "mum", "mom"),
    Relation.GRANDFATHER: ("爷爷", "祖父", "grandfather", "grandpa"),
    Relation.GRANDMOTHER: ("奶奶", "祖母", "grandmother", "grandma"),
    Relation.MATERNAL_GRANDFATHER: ("外公", "姥爷", "外祖父"),
    Relation.MATERNAL_GRANDMOTHER: ("外婆", "姥姥", "外祖母"),
    Relation.OTHER_RELATIVE: (
        "亲属", "其他亲属", "亲戚", "叔叔", "婶婶", "伯伯", "伯父", "伯母", "姑姑", "姑父", "舅舅", "舅妈",
        "姨妈", "阿姨", "姨父", "哥哥", "姐姐", "relative",
    ),
    Relation.OTHER: ("其他", "other"),
}  # fmt: skip
RELATION_BY_WORD = {name_key(word): relation for relation, words in RELATION_WORDS.items() for word in words}
# Words that say someone is a guardian without naming the relation: no more a name than 奶奶 is.
GUARDIAN_WORDS = frozenset(name_key(word) for word in ("家长", "监护人", "父母", "guardian", "parent"))
# Who signed the child in, written after the name: "王小明（奶奶）", "王小明【奶奶】",
# "王小明-奶奶", "王小明：奶奶", "王小明/奶奶", "王小明 奶奶", "王小明 由奶奶代签".
BRACKETED_TAIL = re.compile(r"^(?P<name>.*?)\s*[(（【\[]\s*(?P<word>[^()（）【】\[\]]+?)\s*[)）】\]]$")
JOINED_TAIL = re.compile(r"^(?P<name>.*?\S)\s*[-—/／:：]\s*(?P<word>\S+)$")
# Written straight after a Chinese name with no space ("王小明奶奶"): the relation words of two
# characters or more, longest first (no child is named 王小明奶奶).
GLUED_WORDS = sorted(
    (word for words in RELATION_WORDS.values() for word in words if len(word) >= 2 and not word.isascii()),
    key=len,
    reverse=True,
)
_CJK_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffff·]{2,}$")


@dataclass(frozen=True)
class ParsedLine:
    number: int
    text: str
    name: str = ""
    relation: Relation | None = None
    phone: str = ""
    village: str = ""
    child_name: str = ""
    # On a children's sheet: who signed the child in ("王小明 奶奶"); None for the child.
    signed_by: Relation | None = None
    # Why the line cannot be saved, in words; empty when it can.
    problem: str = ""
    # Where the problem is, for a line read from a spreadsheet ("E", the phone column).
    column: str = ""


def phone_like(token: str) -> bool:
    return bool(PHONE_LIKE.match(unicodedata.normalize("NFKC", token)))


def relation_word(word: str) -> Relation | None:
    """The relation a word names (奶奶, 妈妈 …); None for any other word."""
    return RELATION_BY_WORD.get(name_key(word))


def says_who(word: str) -> bool:
    """Whether a word says who someone is to a child (奶奶, 家长) instead of naming them."""
    key = name_key(word)
    return key in RELATION_BY_WORD or key in GUARDIAN_WORDS


def name_problem(name: str) -> str:
    """Why ``name`` cannot be a person's name, in words; empty when it can.

    "王小明 1234": a number written after the name (a parent's phone, an age) is not part of
    it. Digits stuck to a name (王小明2) may tell two children apart, so they may stay.
    "奶奶" or "王小明 奶奶" says who someone is to a child: saved as a name, it would become
    a person called 奶奶 (or a second 王小明) on the roster.
    """
    if len(name) > NAME_MAX:
        return _("A name has at most {max} characters.").format(max=NAME_MAX)
    words = name.split()
    if not any(char.isalpha() for char in name) or any(phone_like(word) for word in words):
        return _("“{text}” does not look like a name.").format(text=name)
    if relation := next((word for word in words if says_who(word)), None):
        return _("“{word}” is a relation, not a name.").format(word=relation)
    return ""


def signer_word(word: str) -> str:
    """奶奶 out of 由奶奶代签, 奶奶代签, 奶奶签."""
    return word.removeprefix("由").removesuffix("代签").removesuffix("签")


def split_signer(name: str) -> tuple[str, str | None]:
    """A name and the word after it that says who signed (奶奶), if it is written so; else (name, None)."""
    for pattern in (BRACKETED_TAIL, JOINED_TAIL):
        found = pattern.match(name)
        if found and found["name"] and says_who(signer_word(found["word"])):
            return found["name"].strip(), signer_word(found["word"])
    words = name.split()
    if len(words) > 1 and says_who(signer_word(words[-1])):
        return " ".join(words[:-1]), signer_word(words[-1])
    bare = signer_word(name)
    for word in GLUED_WORDS:
        if bare.endswith(word) and _CJK_NAME.match(bare[: -len(word)]):
            return bare[: -len(word)], word
    return name, None


def shorter_names(name: str) -> list[tuple[str, str]]:
    """``name`` read as a shorter name and the words after it, longest name first.

    "吉𠮷 9岁" is 吉𠮷 and "9岁"; "王小明（大）" is 王小明 and "大". Only where a space, a bracket
    or a dash sets the words apart: a name with a digit or a character stuck to it (韦丽丽2) may be
    a second child's.
    """
    words = name.split()
    readings = [(" ".join(words[:end]), " ".join(words[end:])) for end in range(len(words) - 1, 0, -1)]
    for pattern in (BRACKETED_TAIL, JOINED_TAIL):
        found = pattern.match(name)
        if found and found["name"]:
            readings.append((found["name"].strip(), found["word"]))
    return readings


def _child_line(number: int, text: str, name: str) -> ParsedLine:
    """One child's name, perhaps followed by who signed them in: "王小明 奶奶", "王小明（奶奶）", "王小明奶奶"."""
    words = name.split()
    if says_who(signer_word(words[0])):  # "奶奶", "奶奶 王小明": the child's name must come first
        return ParsedLine(number, text, name=name, problem=_("Please start the line with the person's name."))
    name, signer = split_signer(name)
    signed_by = relation_word(signer) if signer else None
    return ParsedLine(number, text, name=name, signed_by=signed_by, problem=name_problem(name))


def _child_lines(number: int, text: str) -> list[ParsedLine]:
    """The children of one line; who signed may follow a name after a comma too ("王小明，妈妈")."""
    lines: list[ParsedLine] = []
    # The names since the line began, or since the last one that said who signed it in: a word
    # like 妈妈 standing alone belongs to the name before it only when that is the one name.
    unsigned: list[int] = []
    for name in (clean_text(part) for part in CHILD_SEPARATORS.split(text)):
        if not name:
            continue
        if lines and len(name.split()) == 1 and says_who(signer_word(name)):
            if len(unsigned) == 1:
                index = unsigned.pop()
                lines[index] = replace(lines[index], signed_by=relation_word(signer_word(name)))
            else:
                lines.append(ParsedLine(number, text, name=name, problem=_signer_problem(name, lines, unsigned)))
            continue
        if lines and says_who(signer_word(name.split()[0])):  # "王小明，妈妈 李华": whose mother?
            problem = _("Cannot tell what “{text}” is.").format(text=name)
            lines.append(ParsedLine(number, text, name=name, problem=problem))
            continue
        lines.append(_child_line(number, text, name))
        unsigned = [] if split_signer(name)[1] else [*unsigned, len(lines) - 1]
    return lines


def _signer_problem(word: str, lines: list[ParsedLine], unsigned: list[int]) -> str:
    """Why a word saying who signed, standing alone after a comma, cannot be given to a name."""
    if not unsigned:  # "王小明 奶奶，妈妈": the name before already says who signed
        return _("Cannot tell what “{text}” is.").format(text=word)
    names = [lines[index].name for index in unsigned]
    return _(
        "“{word}” comes after several names ({names}): write who signed right after each child's name,"
        " as in “{example}”."
    ).format(word=word, names="、".join(names), example=f"{names[0]} {signer_word(word)}")


def _adult_tokens(text: str) -> list[str]:
    """The words of a line, with a number written in groups (+86 138 1234 5678) as one word."""
    parts = ADULT_SEPARATORS.split(text)  # words at even positions, separators between them
    tokens: list[str] = []
    for position in range(0, len(parts), 2):
        word = parts[position]
        if not word:
            continue
        if tokens and parts[position - 1].isspace() and phone_like(word) and phone_like(tokens[-1]):
            tokens[-1] = f"{tokens[-1]} {word}"
        else:
            tokens.append(word)
    return tokens


def _adult_line(number: int, text: str, audience: Audience) -> ParsedLine:
    tokens = _adult_tokens(text)
    if not tokens:
        return ParsedLine(number, text, problem=_("“{text}” does not look like a name.").format(text=text))
    name, *rest = tokens
    values: dict = {"relation": None, "phone": "", "village": "", "child_name": ""}
    if audience == Audience.GUARDIANS and not says_who(name):  # "李秀英奶奶 王小明": 李秀英, the grandmother
        name, signer = split_signer(name)
        values["relation"] = relation_word(signer) if signer else None
    problem = name_problem(name)
    if phone_like(name) or says_who(name):  # "奶奶 13800001111": the name is missing
        problem = _("Please start the line with the person's name.")
    leftovers = []
    phone_text = ""
    for token in rest:
        if audience == Audience.GUARDIANS and says_who(token):  # never the child's name
            relation = relation_word(token)
            if relation and values["relation"] not in (None, relation):  # 奶奶 and 妈妈: which one?
                problem = problem or _("Cannot tell what “{text}” is.").format(text=token)
            values["relation"] = values["relation"] or relation
        elif phone_like(token):
            if phone_text:  # a second number: not the child's name, and which one is theirs?
                problem = problem or _("Cannot tell what “{text}” is.").format(text=token)
                continue
            phone_text = token
            # A masked number is a copy of a listed sign-in: ignored, as in an uploaded sheet.
            if MASKED_PHONE.match(unicodedata.normalize("NFKC", token)):
                continue
            values["phone"] = normalise_phone(token)
            if not is_mainland_mobile(values["phone"]):
                problem = problem or _("“{text}” is not an 11-digit mobile number.").format(text=token)
        elif audience == Audience.GUARDIANS and token.endswith(VILLAGE_ENDINGS) and not values["village"]:
            values["village"] = token
        else:
            leftovers.append(token)
    if audience == Audience.VOLUNTEERS:
        values["village"] = " ".join(leftovers)
    elif len(leftovers) == 1:
        values["child_name"] = leftovers[0]
    elif leftovers:
        problem = problem or _("Cannot tell what “{text}” is.").format(text=" ".join(leftovers))
    if len(values["village"]) > VILLAGE_MAX or len(values["child_name"]) > NAME_MAX:
        problem = problem or _("Part of this line is too long.")
    return ParsedLine(number, text, name=name, problem=problem, **values)


def parse_sheet(text: str, audience: Audience) -> list[ParsedLine]:
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = clean_text(raw)
        if not line:
            continue
        if audience == Audience.CHILDREN:
            lines.extend(_child_lines(number, line))
        else:
            lines.append(_adult_line(number, line, audience))
        if len(lines) > MAX_LINES:
            lines.append(ParsedLine(number, line, problem=_("At most {max} names at once.").format(max=MAX_LINES)))
            break
    return lines


def read_child_name(text: str) -> tuple[str, Relation | None, str]:
    """A child's name cell as a paper line reads it: (the name, who signed them in, a problem).

    "王小明（奶奶）", "蒙佳怡(奶奶代签)" and "王小明 奶奶" are the child 王小明 (蒙佳怡) signed
    in by the grandmother; "奶奶" alone names no child. ``text`` is cleaned and not empty.
    """
    line = _child_line(0, text, text)
    return line.name, line.signed_by, line.problem
