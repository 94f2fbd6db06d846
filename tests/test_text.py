import pytest

from formsvc.text import (
    clean_name,
    clean_text,
    is_mainland_mobile,
    mask_name,
    mask_phone,
    name_key,
    normalise_phone,
    two_places,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [("王小明", " 王小明 "), ("王 小明", "王小明"), ("Li Lei", "ＬＩ　ＬＥＩ"), ("lilei", "LiLei")],
)
def test_name_keys_fold_width_case_and_spaces(first, second):
    assert name_key(first) == name_key(second)


def test_different_names_keep_different_keys():
    assert name_key("王小明") != name_key("王晓明")


@pytest.mark.parametrize(
    ("typed", "digits", "valid"),
    [
        ("13812345678", "13812345678", True),
        ("+86 138 1234 5678", "13812345678", True),
        ("0086-138-1234-5678", "13812345678", True),
        ("１３８１２３４５６７８", "13812345678", True),
        ("12812345678", "12812345678", False),
        ("1381234567", "1381234567", False),
    ],
)
def test_mainland_mobile_numbers(typed, digits, valid):
    assert normalise_phone(typed) == digits
    assert is_mainland_mobile(digits) is valid


def test_masks():
    assert mask_name("王小明") == "王*明"
    assert mask_name("王明") == "王*"
    assert mask_name("吉𠮷") == "吉*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812345678") == "138****5678"


def test_clean_text_drops_control_characters_but_keeps_rare_ones():
    assert clean_text(" 吉\x00𠮷\t ") == "吉𠮷"


@pytest.mark.parametrize(
    "typed",
    [
        "李\u200b思琪",  # zero-width space
        "李思琪\u200d",  # zero-width joiner
        "\u2060李思琪",  # word joiner
        "李思琪\ufe0f",  # variation selector
        "\u202d李思琪",  # left-to-right override
        "\u202e李思琪\u202c",  # right-to-left override … pop
        "\ufeff李思琪",  # byte order mark
        "李\u034f思琪",  # combining grapheme joiner
        "李思琪\u3164",  # Hangul filler
        "\u2800李思琪",  # blank Braille pattern
    ],
)
def test_invisible_characters_copied_with_a_name_are_dropped(typed):
    assert clean_text(typed) == "李思琪"


def test_a_name_key_ignores_invisible_characters_too():
    """A spreadsheet cell or an older record may still carry them: the key matches all the same."""
    assert name_key("城关镇东门社区\u200b儿童之家") == name_key("城关镇东门社区儿童之家")


def test_a_name_of_invisible_characters_is_no_name():
    assert clean_text("\u200b\u200d\ufeff") == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" 王 小明 ", "王小明"),
        ("王　小明", "王小明"),  # an ideographic space
        ("阿卜杜热合曼·买买提", "阿卜杜热合曼·买买提"),
        ("Wang  Xiaoming", "Wang Xiaoming"),
        ("王 Xiaoming", "王 Xiaoming"),
    ],
)
def test_a_chinese_name_loses_the_spaces_inside_it(typed, stored):
    assert clean_name(typed) == stored
    assert name_key(clean_name(typed)) == name_key(typed)  # matching was never affected


def test_figures_round_half_up_as_excel_shows_them():
    shown = [two_places(value) for value in (2.625, 2.675, 4.0, 3.3349)]
    assert shown == ["2.63", "2.68", "4.00", "3.33"]
