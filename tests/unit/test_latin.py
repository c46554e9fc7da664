"""The cheaper Latin option: every Cyrillic letter of ru, kk and ky becomes plain GSM-7."""

from __future__ import annotations

from gateways.sms.segments import GSM7_EXTENSION, count_parts, is_gsm7
from notifier.sms.latin import LETTERS, to_latin

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
KAZAKH = RUSSIAN + "әғқңөұүһі"
KYRGYZ = RUSSIAN + "ңөү"


def test_every_letter_of_the_three_alphabets_maps_to_gsm7_in_both_cases() -> None:
    for letter in sorted(set(KAZAKH + KYRGYZ)):
        for ch in (letter, letter.upper()):
            latin = to_latin(ch)
            assert is_gsm7(latin), ch
            assert not set(latin) & GSM7_EXTENSION, ch  # extension letters cost double
    assert set(LETTERS) == set(KAZAKH + KYRGYZ)


def test_words_read_naturally() -> None:
    assert to_latin("Щёкин Жылдыз Өмірзақ Ұлан Ңңң Һ") == "Schyokin Zhyldyz Ömirzaq Ulan Ñññ H"
    text = "Аптаның бағалары: «Қазақ тілі» — 5…"
    assert to_latin(text) == 'Aptanyñ baghalary: "Qazaq tili" - 5...'


def test_anything_else_still_ends_up_gsm7() -> None:
    text = to_latin("Ελλάδα 漢字 😀 [x] ₸ №5")
    assert is_gsm7(text)
    assert count_parts(text).encoding == "GSM-7"
