"""SMS part counting, splitting and truncation, cross-checked against the gsm0338 codec."""

import gsm0338  # noqa: F401  (importing it registers the "gsm03.38" codec)
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsParts,
    count_parts,
    split_parts,
    truncate_to_parts,
)

MIXED = sorted(GSM7_BASIC | GSM7_EXTENSION) + list("яәғқңөұүһі😀👍🏽\u0301\u200d ç")
texts = st.one_of(st.text(max_size=400), st.text(alphabet=MIXED, max_size=400))


def oracle_units(text: str, encoding: str) -> int:  # independent of the code under test
    if encoding == "GSM-7":
        return len(text.encode("gsm03.38"))
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsParts("GSM-7", 1, 0)),
        ("a" * 160, SmsParts("GSM-7", 1, 160)),
        ("a" * 161, SmsParts("GSM-7", 2, 161)),
        ("a" * 306, SmsParts("GSM-7", 2, 306)),
        ("a" * 307, SmsParts("GSM-7", 3, 307)),
        ("я" * 70, SmsParts("UCS-2", 1, 70)),
        ("я" * 71, SmsParts("UCS-2", 2, 71)),
        ("я" * 134, SmsParts("UCS-2", 2, 134)),
        ("я" * 135, SmsParts("UCS-2", 3, 135)),
        ("€" * 80, SmsParts("GSM-7", 1, 160)),
        ("€" * 81, SmsParts("GSM-7", 2, 162)),
        ("\f" * 80 + "^", SmsParts("GSM-7", 2, 162)),
        ("😀" * 35, SmsParts("UCS-2", 1, 70)),
        ("a" * 159 + "я", SmsParts("UCS-2", 3, 160)),
    ],
)
def test_count_parts_at_boundaries(text: str, expected: SmsParts) -> None:
    assert count_parts(text) == expected


def test_escape_pair_is_never_split_across_parts() -> None:
    assert split_parts("a" * 152 + "€" + "b" * 10) == ["a" * 152, "€" + "b" * 10]
    # 306 septets would be 2 parts, but the ESC pair shifts to part 2 and pushes one "a" out.
    text = "a" * 152 + "€" + "a" * 152
    assert count_parts(text) == SmsParts("GSM-7", 3, 306)
    assert split_parts(text) == ["a" * 152, "€" + "a" * 151, "a"]
    assert split_parts("€" * 81) == ["€" * 76, "€" * 5]


def test_surrogate_pair_is_never_split_at_67_units() -> None:
    assert split_parts("я" * 66 + "😀" + "я" * 10) == ["я" * 66, "😀" + "я" * 10]
    assert split_parts("я" * 65 + "😀" + "я" * 4) == ["я" * 65 + "😀", "я" * 4]
    assert [len(p) for p in split_parts("😀" * 36)] == [33, 3]


@pytest.mark.parametrize(
    "sentence",
    [
        "Завтра контрольная работа по математике, повторите таблицу умножения.",
        "Ертең математикадан бақылау жұмысы болады, көбейту кестесін қайталаңыз.",
        "Эртең математикадан текшерүү иши болот, көбөйтүү таблицасын кайталагыла.",
        "әғқңөұүһі",
    ],
)
def test_cyrillic_russian_kazakh_kyrgyz_are_ucs2(sentence: str) -> None:
    parts = count_parts(sentence)
    assert parts.encoding == "UCS-2"
    assert parts.units == len(sentence)


def test_gsm7_alphabet_matches_gsm0338_codec_for_every_bmp_character() -> None:
    assert count_parts("\x1b").encoding == "UCS-2"  # the codec takes raw ESC; text cannot
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF or ch == "\x1b":
            continue
        try:
            encoded = ch.encode("gsm03.38")
        except UnicodeEncodeError:
            assert count_parts(ch).encoding == "UCS-2", repr(ch)
        else:
            assert count_parts(ch) == SmsParts("GSM-7", 1, len(encoded)), repr(ch)


@pytest.mark.parametrize(
    ("text", "max_parts", "expected"),
    [
        ("a" * 200, 1, "a" * 157 + "..."),  # GSM-7 keeps GSM-7: "..." instead of "…"
        ("x" * 150 + " " + "y" * 50, 1, "x" * 150 + "..."),  # word boundary 7 back
        ("x" * 140 + " " + "y" * 60, 1, "x" * 140 + " " + "y" * 16 + "..."),  # 17 back: hard cut
        ("word, " * 40, 1, "word, " * 25 + "word..."),  # no dangling ", " before the ellipsis
        ("a" * 400, 2, "a" * 303 + "..."),
        ("я" * 100, 1, "я" * 69 + "…"),
        ("я" * 68 + "😀" + "я" * 10, 1, "я" * 68 + "…"),  # the emoji's 2 units do not fit
        ("е\u0301" * 100, 1, "е\u0301" * 34 + "…"),  # accent stays with its letter
    ],
)
def test_truncate_to_parts(text: str, max_parts: int, expected: str) -> None:
    assert truncate_to_parts(text, max_parts) == expected


@pytest.mark.parametrize(("max_parts", "ellipsis"), [(0, "…"), (1, "…" * 71)])
def test_truncate_rejects_impossible_budgets(max_parts: int, ellipsis: str) -> None:
    with pytest.raises(ValueError, match="max_parts"):
        truncate_to_parts("я" * 200, max_parts, ellipsis=ellipsis)


@given(st.text(alphabet=MIXED, max_size=400))
def test_gsm7_detection_and_septets_agree_with_codec(text: str) -> None:
    parts = count_parts(text)
    try:
        encoded = text.encode("gsm03.38")
    except UnicodeEncodeError:
        assert parts.encoding == "UCS-2"
    else:
        assert parts.encoding == "GSM-7"
        assert parts.units == len(encoded)


@given(texts)
def test_split_parts_matches_count_and_each_part_fits(text: str) -> None:
    counted, parts = count_parts(text), split_parts(text)
    assert counted.parts == len(parts)
    assert "".join(parts) == text
    single = {"GSM-7": 160, "UCS-2": 70}[counted.encoding]
    limit = single if len(parts) == 1 else {"GSM-7": 153, "UCS-2": 67}[counted.encoding]
    assert all(oracle_units(part, counted.encoding) <= limit for part in parts)
    assert counted.units == oracle_units(text, counted.encoding)


@given(texts, st.integers(min_value=1, max_value=4))
def test_truncate_fits_and_is_a_prefix(text: str, max_parts: int) -> None:
    result = truncate_to_parts(text, max_parts)
    assert count_parts(result).parts <= max_parts
    if result != text:
        ellipsis = "..." if count_parts(text).encoding == "GSM-7" else "…"
        assert result.endswith(ellipsis)
        assert text.startswith(result.removesuffix(ellipsis))
    if count_parts(text).encoding == "GSM-7":
        assert count_parts(result).encoding == "GSM-7"
