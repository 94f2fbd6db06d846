"""Text rules shared by forms, services and printouts: name keys, masking, phone numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

# Left where an erased or purged person's name, details or words were (void reasons, audit
# entries, survey answers); stored in English like the app's own reasons, shown translated.
ERASED = "(erased)"
_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """Trim, collapse inner white space and drop invisible characters; keep the rest as typed.

    Invisible means control and format characters (zero-width spaces and joiners, direction
    marks and overrides, the BOM) and variation selectors: a name copied out of a chat can carry
    them, and 李\u200b思琪 would otherwise be a second child who looks exactly like 李思琪 (or a
    right-to-left override would show 王明 as 明王).
    """
    if not value:
        return ""
    value = "".join(char for char in value if char in " \t\n" or not _invisible(char))
    return _SPACES.sub(" ", value).strip()


# Blank letters and marks outside the control and format categories that still show nothing:
# the combining grapheme joiner, the Hangul fillers, the blank Braille pattern.
_BLANK = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")


def _invisible(char: str) -> bool:
    return (
        char in _BLANK
        or unicodedata.category(char) in ("Cc", "Cf")
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
    )


# A space between two Chinese characters of a name is a slip of the thumb ("王 小明"); between
# Latin words it is part of the name ("Wang Xiaoming").
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def fold_width(value: str | None) -> str:
    """``clean_text`` with full-width digits, letters and signs read as ASCII: ２０２６－Ｑ４ is 2026-Q4.

    For what is typed to a pattern (a period, a date): a Chinese keyboard in full-width mode
    types the digits that way, and the person sees no difference.
    """
    return unicodedata.normalize("NFKC", clean_text(value))


def has_han(value: str | None) -> bool:
    """Whether ``value`` holds a Chinese character: a name typed, not pinyin or its initials (wxm)."""
    return bool(value and _HAN.search(value))


def clean_name(value: str | None) -> str:
    """``clean_text`` for a person's name, without spaces inside a Chinese name."""
    return _CJK_GAP.sub("", clean_text(value))


# The dots between the parts of a name (热依拉·艾力), as phones' keyboards type them: the middle
# dot, the katakana middle dot (and its half-width form, which NFKC folds to it), the bullet,
# the hyphenation point, the dot operators and the full stop (full-width ． folds to it).
NAME_DOTS = "\u00b7\u30fb\u2022\u2027\u2219\u22c5."
_NAME_GAPS = re.compile(f"[\\s{re.escape(NAME_DOTS)}]+")


def name_key(name: str) -> str:
    """The key two spellings of one name share: full-width folded, spaces and dots dropped, case-folded.

    NFKC folds full-width letters and digits (``Ｌｉ``) to their ASCII forms; inner spaces
    are dropped because people type ``王 小明`` and ``王小明`` for the same child, and the dot
    of a minority name because 热依拉·艾力, 热依拉・艾力, 热依拉.艾力 and 热依拉 艾力 are one person.
    """
    visible = "".join(char for char in name or "" if not _invisible(char))  # as clean_text drops them
    folded = unicodedata.normalize("NFKC", visible).casefold()
    return _NAME_GAPS.sub("", folded)


# Digits as voice input and some keyboards write them: 一三八 …, 幺 and 两 as said aloud.
_CHINESE_DIGITS = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")


def normalise_phone(value: str | None) -> str:
    """Digits only, with a leading +86/0086 country code removed."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value).translate(_CHINESE_DIGITS))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_mainland_mobile(digits: str) -> bool:
    return bool(MOBILE_RE.match(digits))


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# Chinese digits in a number written out, the formal ones of receipts (壹叁玖…) included.
_ALL_CHINESE_DIGITS = dict(
    zip("零〇一幺二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖", "0011223456789122334566789", strict=True)
)
# What people put between the groups of a mobile number (after NFKC, which folds the full-width
# －．／＿，and the ideographic space): spaces, dashes of every length, dots, slashes,
# underscores, commas and the enumeration comma 、.
_PHONE_GAP = r"(?:\s{1,3}|\s?[-\u2010-\u2015\u2212\u30fc.\u00b7/_,\u3001]\s?)"
_PHONE_CANDIDATE = re.compile(
    rf"(?<![0-9])(?:(?:\+|00)?86{_PHONE_GAP}?)?(1{_PHONE_GAP}?[3-9](?:{_PHONE_GAP}?[0-9]){{9}})(?![0-9])"
)
# How the 11 digits are grouped when something stands between them: 139 1234 5678, 139-12345678,
# 1391234-5678, 1391 2345 678, or one digit at a time. Anything else (13,800,000,000 yuan) is a
# different number.
_PHONE_GROUPS = {(11,), (3, 4, 4), (3, 8), (7, 4), (4, 4, 3), (1,) * 11}


def _digits_one_for_one(text: str) -> str:
    """``text`` with every digit as an ASCII digit and NFKC folding, one character for one, so a
    match's positions are those of ``text``."""
    folded = []
    for char in text:
        char = _ALL_CHINESE_DIGITS.get(char, char)
        normal = unicodedata.normalize("NFKC", char)
        if len(normal) == 1:
            char = normal
        if not char.isascii() and unicodedata.category(char) == "Nd":
            char = str(unicodedata.decimal(char))
        folded.append(char)
    return "".join(folded)


def phone_spans(text: str) -> list[tuple[int, int, str]]:
    """Where ``text`` writes a mainland mobile number: (start, end, its 11 digits) each.

    Found however it is typed: full-width, in Chinese digits (一三九…, 幺, the formal 壹叁玖),
    with a +86 in front, and grouped by spaces, dashes, dots, slashes, underscores or commas
    (139－1234－5678, 139.4444.5555, 一三九，一二三四，五六七八, 1 3 9 1 2 3 4 5 6 7 8). A date,
    an amount or a year is not one: it does not start 13–19 with 11 digits grouped as a phone's.
    """
    folded = _digits_one_for_one(text)
    spans, position = [], 0
    while match := _PHONE_CANDIDATE.search(folded, position):
        groups = tuple(len(group) for group in re.findall(r"[0-9]+", match.group(1)))
        if groups in _PHONE_GROUPS:
            spans.append((match.start(), match.end(), re.sub(r"[^0-9]", "", match.group(1))))
            position = match.end()
        else:
            position = match.start() + 1
    return spans


def replace_phones(text: str, replacement: Callable[[str], str]) -> str:
    """Each mobile number written in ``text`` (``phone_spans``) replaced by ``replacement(its 11 digits)``."""
    pieces, end = [], 0
    for start, stop, digits in phone_spans(text):
        pieces += [text[end:start], replacement(digits)]
        end = stop
    return "".join([*pieces, text[end:]])


def mask_phones_in(text: str) -> str:
    """请联系我 135 1111 2222 → 请联系我 135****2222: numbers people write into comments."""
    return replace_phones(text, mask_phone)


def mask_name(name: str | None) -> str:
    """王小明 → 王*明, 王明 → 王*, Li Lei → L*i: enough for the person to recognise it."""
    if not name:
        return ""
    chars = list(name)
    if len(chars) == 1:
        return chars[0]
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def erasures_shown(text: str) -> str:
    """``text`` with the ``ERASED`` marks in the reader's language (（已删除）)."""
    if ERASED not in text:
        return text
    from formsvc.i18n import _

    return text.replace(ERASED, _("(erased)"))


def round_half_up(value: float, places: int = 0) -> Decimal:
    """``value`` rounded as Excel and WPS show it: 2.625 → 2.63, 12.5 → 13 (not to the even digit).

    The float's shortest decimal form is rounded, so 2.675 (stored as 2.67499…) is 2.68, as in Excel.
    """
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def two_places(value: float) -> str:
    """A mean rating on a page or a printout: 2.63, the figure Excel shows for the same cell."""
    return str(round_half_up(value, 2))
