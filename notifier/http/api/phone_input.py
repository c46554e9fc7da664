"""Phone numbers as parents type them: normalised, or a 422 the parent can read."""

from __future__ import annotations

from notifier.http.errors import ApiError
from notifier.sms.phones import InvalidPhoneNumber, RejectionCode, normalize_mobile
from notifier.sms.texts import Language

MESSAGES: dict[RejectionCode, dict[Language, str]] = {
    "not_a_phone_number": {
        "ru": "Это не похоже на номер телефона.",
        "kk": "Бұл телефон нөміріне ұқсамайды.",
        "ky": "Бул телефон номерине окшобойт.",
    },
    "not_mobile": {
        "ru": "Это не мобильный номер: SMS приходят только на мобильный.",
        "kk": "Бұл ұялы нөмір емес: SMS тек ұялы телефонға келеді.",
        "ky": "Бул мобилдик номер эмес: SMS мобилдик телефонго гана келет.",
    },
    "not_kz_kg": {
        "ru": "Нужен мобильный номер Казахстана или Кыргызстана.",
        "kk": "Қазақстан немесе Қырғызстан ұялы нөмірі керек.",
        "ky": "Казакстандын же Кыргызстандын мобилдик номери керек.",
    },
}


def phone_or_422(raw: str, language: Language, field: str = "phone") -> str:
    """E.164 form of a KZ/KG mobile, or ApiError 422 "invalid_phone" in the parent's language
    (details carry the field, the message and a stable `reason`)."""
    try:
        return normalize_mobile(raw)
    except InvalidPhoneNumber as exc:
        message = MESSAGES[exc.code][language]
        details = [{"field": field, "message": message, "reason": exc.code}]
        raise ApiError(422, "invalid_phone", message, details) from exc
