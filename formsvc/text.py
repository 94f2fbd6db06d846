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
# The same and full-width digits (１３５), each to one ASCII digit: positions stay as typed.
_DIGITS_ONE_FOR_ONE = {**_CHINESE_DIGITS, **{0xFF10 + digit: str(digit) for digit in range(10)}}


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


# A mainland mobile number inside free text, written with or without +86, spaces or dashes.
PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")


def replace_phones(text: str, replacement: Callable[[str], str]) -> str:
    """Each mobile number written in ``text`` replaced by ``replacement(its 11 digits)``; found in
    Chinese and full-width digits too (一三五…, as voice input writes them), read one for one."""
    as_digits = text.translate(_DIGITS_ONE_FOR_ONE)
    pieces, end = [], 0
    for match in PHONE_IN_TEXT.finditer(as_digits):
        pieces += [text[end : match.start()], replacement(re.sub(r"\D", "", match.group())[-11:])]
        end = match.end()
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
