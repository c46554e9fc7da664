"""Why an SMS in the parent's history is waiting, and until when, or why it did not arrive,
in the parent's language (the three side by side). `reason` is pure; `reasons` reads the
facts for a page of messages in one query.

A waiting SMS is waiting for one of: the grade-alert grace period (so a corrected mark goes
out instead), the school's sending window (notifier/outbox/window.py; an urgent
announcement's night end reads the same), a retry after a provider's refusal, or an answer
from the operator after a lost one; else it is being sent now.

Times are told in the zone of the child's school, else (a free SMS about no child, a school
zone the shipped tzdata does not know) the zone of the SMS's country: the parent's month's
zone, one rule for both (notifier/outbox/caps.py: parent_zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from billing.types import Conn
from notifier.outbox.caps import parent_zone
from notifier.sms.texts import Language
from notifier.zones import zone

ReasonCode = Literal["grace", "window", "retry", "checking", "sending", "not_sent",
                     "low_balance", "stopped", "switched_off", "withdrawn", "undeliverable",
                     "expired", "rejected"]  # fmt: skip
TEXTS: Final[dict[ReasonCode, dict[Language, str]]] = {
    "grace": {
        "ru": "Отправится в {time}: если оценку исправят, придёт уже исправленная",
        "kk": "{time} жіберіледі: баға түзетілсе, түзетілгені келеді",
        "ky": "{time} жөнөтүлөт: баа оңдолсо, оңдолгону келет",
    },
    "window": {
        "ru": "Ждёт времени отправки школы: оно начнётся в {time}",
        "kk": "Мектептің жіберу уақытын күтуде: {time} басталады",
        "ky": "Мектептин жөнөтүү убактысын күтүүдө: {time} башталат",
    },
    "retry": {
        "ru": "Оператор пока не принял SMS, повторим в {time}",
        "kk": "Оператор SMS-ті әзірге қабылдамады, {time} қайталаймыз",
        "ky": "Оператор SMS азырынча кабыл алган жок, {time} кайталайбыз",
    },
    "checking": {
        "ru": "Уточняем у оператора, ушло ли SMS",
        "kk": "SMS кеткенін оператордан нақтылап жатырмыз",
        "ky": "SMS кеттиби, оператордон тактап жатабыз",
    },
    "sending": {"ru": "Отправляется сейчас", "kk": "Қазір жіберілуде", "ky": "Азыр жөнөтүлүүдө"},
    "not_sent": {
        "ru": "Не отправлено: операторы не приняли SMS. Деньги не списаны",
        "kk": "Жіберілмеді: операторлар SMS-ті қабылдамады. Ақша алынбады",
        "ky": "Жөнөтүлгөн жок: операторлор SMS кабыл алган жок. Акча алынган жок",
    },
    "low_balance": {
        "ru": "Не отправлено: на балансе не хватило денег. Деньги не списаны",
        "kk": "Жіберілмеді: балансқа ақша жетпеді. Ақша алынбады",
        "ky": "Жөнөтүлгөн жок: баланста акча жетишкен жок. Акча алынган жок",
    },
    "stopped": {
        "ru": "Не отправлено: вы ответили СТОП. Деньги не списаны",
        "kk": "Жіберілмеді: сіз ТОҚТАТ деп жауап бердіңіз. Ақша алынбады",
        "ky": "Жөнөтүлгөн жок: сиз ТОКТОТ деп жооп бердиңиз. Акча алынган жок",
    },
    "switched_off": {
        "ru": "Не отправлено: вы отключили уведомления. Деньги не списаны",
        "kk": "Жіберілмеді: сіз хабарландыруларды өшірдіңіз. Ақша алынбады",
        "ky": "Жөнөтүлгөн жок: сиз билдирүүлөрдү өчүрдүңүз. Акча алынган жок",
    },
    "withdrawn": {
        "ru": "Не отправлено: оценку изменили или удалили раньше. Деньги не списаны",
        "kk": "Жіберілмеді: баға ертерек өзгертілді не жойылды. Ақша алынбады",
        "ky": "Жөнөтүлгөн жок: баа эртерээк өзгөртүлдү же өчүрүлдү. Акча алынган жок",
    },
    "undeliverable": {
        "ru": "Не доставлено: телефон был выключен или вне сети",
        "kk": "Жеткізілмеді: телефон өшірулі немесе желіден тыс болды",
        "ky": "Жеткирилген жок: телефон өчүк же тармактан тышкары болчу",
    },
    "expired": {
        "ru": "Не доставлено: оператор не успел доставить SMS вовремя",
        "kk": "Жеткізілмеді: оператор SMS-ті уақытында жеткізе алмады",
        "ky": "Жеткирилген жок: оператор SMS өз убагында жеткире алган жок",
    },
    "rejected": {
        "ru": "Не доставлено: оператор отклонил SMS",
        "kk": "Жеткізілмеді: оператор SMS-ті қабылдамады",
        "ky": "Жеткирилген жок: оператор SMS четке какты",
    },
}
_FAILED: Final[dict[str, ReasonCode]] = {
    "failed": "not_sent", "skipped_insufficient_funds": "low_balance", "cancelled": "withdrawn"
}  # fmt: skip
_REPORTED: Final[dict[str, ReasonCode]] = {
    "undeliverable": "undeliverable", "expired": "expired", "failed": "rejected"
}  # fmt: skip


@dataclass(frozen=True)
class Facts:
    status: str
    delivery_status: str | None
    kind: str
    created_at: datetime
    next_attempt_at: datetime
    attempts: int
    in_doubt: bool
    time_zone: str  # a zone the shipped tzdata knows (parent_zone)
    last_error: str | None = None


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    text: str
    until: datetime | None = None  # waiting: when it is next tried


def reason(f: Facts, *, now: datetime, grace: timedelta, language: Language) -> Reason | None:
    """None for an SMS that is on its way or arrived: nothing to explain."""
    if f.status == "cancelled" and (f.last_error or "").startswith("stopped"):
        return _say("stopped", language)  # notifier/manager/waiting.py
    if f.status == "cancelled" and (f.last_error or "").startswith("switched off"):
        return _say("switched_off", language)
    if f.status in _FAILED:
        return _say(_FAILED[f.status], language)
    if f.status == "sent":
        code = _REPORTED.get(f.delivery_status or "")
        return _say(code, language) if code else None
    if f.status not in ("queued", "sending"):
        return None
    if f.in_doubt:
        return _say("checking", language)
    if f.status == "sending" or f.next_attempt_at <= now:
        return _say("sending", language)
    if f.attempts > 0:
        code = "retry"
    elif f.kind.startswith("grade") and f.next_attempt_at <= f.created_at + grace:
        code = "grace"
    else:
        code = "window"
    at = local_time(f.next_attempt_at, now, f.time_zone)
    return Reason(code, TEXTS[code][language].format(time=at), f.next_attempt_at)


def local_time(at: datetime, now: datetime, time_zone: str) -> str:
    """`09:00` today in the pupil's zone, else `07.12 09:00`."""
    tz = zone(time_zone)
    local = at.astimezone(tz)
    same_day = local.date() == now.astimezone(tz).date()
    return local.strftime("%H:%M") if same_day else local.strftime("%d.%m %H:%M")


def _say(code: ReasonCode, language: Language) -> Reason:
    return Reason(code, TEXTS[code][language])


async def reasons(
    conn: Conn, ids: Sequence[int], *, now: datetime, grace: timedelta, language: Language
) -> dict[int, Reason]:
    rows = await conn.fetch(
        "SELECT n.id, CASE WHEN q.lease_owner IS NOT NULL THEN 'sending' ELSE n.status END"
        " AS status, n.delivery_status, n.kind, n.created_at,"
        " CASE WHEN q.lease_owner IS NULL THEN coalesce(q.due_at, n.next_attempt_at)"
        " ELSE n.next_attempt_at END AS next_attempt_at,"
        " coalesce(q.attempts, n.attempts) AS attempts, coalesce(q.in_doubt, n.in_doubt)"
        " AS in_doubt, p.time_zone, n.currency, coalesce(q.last_error, n.last_error)"
        " AS last_error FROM notifications n"
        " LEFT JOIN outbox_queue q ON q.notification_id = n.id"
        " LEFT JOIN pupils p ON p.id = n.pupil_id WHERE n.id = ANY($1::bigint[])",
        list(ids),
    )
    found = {}
    for r in rows:
        facts = Facts(
            r["status"], r["delivery_status"], r["kind"], r["created_at"], r["next_attempt_at"],
            r["attempts"], r["in_doubt"], parent_zone(r["time_zone"], r["currency"] or ""),
            r["last_error"],
        )  # fmt: skip
        said = reason(facts, now=now, grace=grace, language=language)
        if said is not None:
            found[r["id"]] = said
    return found
