"""Short forms of common subject names, per language, so a week of marks fits the budget.

The diary names a subject in the school's language of instruction, which need not be the
language of the parent's SMS, so a name is looked up in every table. Unknown names are kept.
"""

from __future__ import annotations

from typing import Final

from notifier.sms.texts import Language

ABBREVIATIONS: Final[dict[Language, dict[str, str]]] = {
    "ru": {
        "Математика": "Матем.", "Алгебра": "Алг.", "Геометрия": "Геом.",
        "Русский язык": "Рус. яз.", "Русская литература": "Рус. лит.", "Литература": "Лит.",
        "Казахский язык": "Каз. яз.", "Казахская литература": "Каз. лит.",
        "Кыргызский язык": "Кырг. яз.", "Английский язык": "Англ. яз.", "Физика": "Физ.",
        "Химия": "Хим.", "Биология": "Биол.", "География": "Геогр.",
        "История Казахстана": "Ист. Каз.", "История Кыргызстана": "Ист. Кырг.",
        "Всемирная история": "Всем. ист.", "История": "Ист.", "Информатика": "Информ.",
        "Физическая культура": "Физ-ра", "Музыка": "Муз.", "Познание мира": "Позн. мира",
        "Естествознание": "Естеств.", "Художественный труд": "Худ. труд",
    },
    "kk": {
        "Қазақ тілі": "Қаз. т.", "Қазақ әдебиеті": "Қаз. әдеб.", "Әдебиет": "Әдеб.",
        "Орыс тілі": "Орыс т.", "Ағылшын тілі": "Ағылш. т.", "Қазақстан тарихы": "Қаз. тар.",
        "Дүниежүзі тарихы": "Дүн. тар.", "Тарих": "Тар.", "Дене шынықтыру": "Дене шын.",
        "Жаратылыстану": "Жарат.", "Дүниетану": "Дүниет.", "Көркем еңбек": "Көрк. еңб.",
    },
    "ky": {
        "Кыргыз тили": "Кырг. т.", "Кыргыз адабияты": "Кырг. адаб.", "Адабият": "Адаб.",
        "Орус тили": "Орус т.", "Англис тили": "Англ. т.", "Кыргызстан тарыхы": "Кырг. тар.",
        "Дүйнөлүк тарых": "Дүйн. тар.", "Тарых": "Тар.", "Дене тарбия": "Дене тарб.",
        "Табият таануу": "Табият т.",
    },
}  # fmt: skip

_ALL: Final = {
    name.casefold(): short for table in ABBREVIATIONS.values() for name, short in table.items()
}


def abbreviate(subject: str) -> str:
    """The short form of a subject's name when one is known, else the name itself."""
    return _ALL.get(" ".join(subject.split()).casefold(), subject)
