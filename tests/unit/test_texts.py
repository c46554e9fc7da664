"""Texts parents receive: content per language and SMS-part budgets."""

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.sms.segments import count_parts
from notifier.sms.texts import (
    LANGUAGES,
    TEXTS,
    Language,
    homework_alert,
    homework_updated_alert,
    low_balance,
    verification_code,
)

DUE = date(2024, 11, 12)
LONG_TEXT = "Прочитать параграф 12 и ответить на вопросы после текста, выучить правило. " * 20
HEADS: dict[Language, str] = {
    "ru": "Айгерим: ДЗ «Математика» до 12.11",
    "kk": "Айгерим: Математика бойынша үй тапсырмасы 12.11 дейін",
    "ky": "Айгерим: Математика боюнча үй тапшырмасы 12.11 чейин",
}
UPDATED_HEADS: dict[Language, str] = {
    "ru": "Айгерим: изменено ДЗ «Математика» до 12.11",
    "kk": "Айгерим: Математика бойынша үй тапсырмасы өзгерді, 12.11 дейін",
    "ky": "Айгерим: Математика боюнча үй тапшырмасы өзгөрдү, 12.11 чейин",
}


def alert(lang: Language, text: str, max_parts: int, **overrides: str) -> str:
    fields = {"child_name": "Айгерим", "subject": "Математика", **overrides}
    return homework_alert(lang, text=text, due=DUE, max_parts=max_parts, **fields)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_homework_alert_renders_name_subject_and_due_date(lang: Language) -> None:
    message = alert(lang, "стр. 45, № 3–7", max_parts=3)
    assert message == HEADS[lang] + ": стр. 45, № 3–7"
    assert count_parts(message).parts == 1  # a typical alert costs one part in every language


@pytest.mark.parametrize("lang", LANGUAGES)
def test_homework_updated_alert_says_it_changed(lang: Language) -> None:
    message = homework_updated_alert(
        lang, child_name="Айгерим", subject="Математика", text="стр. 46", due=DUE, max_parts=2
    )
    assert message == UPDATED_HEADS[lang] + ": стр. 46"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("max_parts", [1, 2, 3])
def test_long_homework_is_cut_to_exactly_max_parts(lang: Language, max_parts: int) -> None:
    message = alert(lang, LONG_TEXT, max_parts)
    assert count_parts(message).parts == max_parts
    assert message.endswith("…")
    assert message.startswith(HEADS[lang] + ": Прочитать")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_long_subject_is_shortened_when_the_head_does_not_fit(lang: Language) -> None:
    subject = "Основы безопасности жизнедеятельности и начальная военная подготовка"
    message = alert(lang, LONG_TEXT, 1, subject=subject)
    assert count_parts(message).parts == 1
    assert "Основы безопасности" in message
    assert subject not in message
    assert message.startswith("Айгерим: ")
    assert "12.11" in message
    assert message.endswith("…")


def test_long_name_is_shortened_after_the_subject() -> None:
    message = alert("kk", "x", 1, child_name="Айгерим" * 10, subject="Б" * 100)
    assert count_parts(message).parts == 1
    assert message.startswith("Айгерим")
    assert "12.11" in message


def test_whitespace_is_collapsed_and_empty_text_leaves_no_dangling_colon() -> None:
    assert alert("ru", "  стр. 45\n\n№ 3–7  ", 1) == HEADS["ru"] + ": стр. 45 № 3–7"
    assert alert("ru", " \n ", 1) == HEADS["ru"]


def test_max_parts_below_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_parts"):
        alert("ru", "стр. 45", 0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_verification_code_fits_one_part(lang: Language) -> None:
    message = verification_code(lang, "123456")
    assert "123456" in message
    assert count_parts(message).parts == 1
    with pytest.raises(ValueError, match="one SMS part"):
        verification_code(lang, "1" * 60)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("available", ["0 ₸", "1 234,50 ₸", "99 999 999,99 сом"])
def test_low_balance_fits_one_part(lang: Language, available: str) -> None:
    message = low_balance(lang, available)
    assert available in message
    assert count_parts(message).parts == 1


def test_every_message_has_all_languages_with_the_same_placeholders() -> None:
    for kind, by_lang in TEXTS.items():
        assert set(by_lang) == set(LANGUAGES), kind
        fields = {lang: {f[1] for f in string.Formatter().parse(t)} for lang, t in by_lang.items()}
        assert fields["ru"] == fields["kk"] == fields["ky"], kind


@pytest.mark.parametrize(
    ("lang", "must_use", "must_not_use"),
    [("ru", "", "әғқңөұүһі"), ("kk", "әғқңөұүһі", ""), ("ky", "ңөү", "әғқұһі")],
)
def test_templates_use_their_own_alphabet(lang: Language, must_use: str, must_not_use: str) -> None:
    for kind, by_lang in TEXTS.items():
        letters = set(by_lang[lang])
        assert not letters & set(must_not_use), kind
        assert not must_use or letters & set(must_use), kind


@given(
    st.sampled_from(LANGUAGES),
    st.text(min_size=1, max_size=80),
    st.text(min_size=1, max_size=120),
    st.text(max_size=600),
    st.integers(min_value=1, max_value=3),
)
def test_any_alert_fits_its_budget(
    lang: Language, name: str, subject: str, text: str, max_parts: int
) -> None:
    message = alert(lang, text, max_parts, child_name=name, subject=subject)
    assert count_parts(message).parts <= max_parts
    assert "12.11" in message
