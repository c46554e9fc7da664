"""Mobizon (Kazakhstan, api.mobizon.kz): HTTP API, JSON answers `{code, data, message}`.

As documented (github.com/mobizon/mobizon-api-docs, and its PHP SDK): calls are
`POST {base}/service/{module}/{method}?output=json&api=v1&apiKey=...` with form fields. Send:
message/sendSmsMessage with `recipient` (digits only), `text`, `from` (a registered sender
ID); `data.messageId` is the message id. Status: message/getSMSStatus with `ids[]`, rows of
`{id, status, segNum, startSendTs, statusUpdateTs}`.

API codes: 0 (and 100, queued in background) accepted; 1 (validation: bad number, unknown
sender, empty text - the fields are in `data`) and 12 (a parameter breaks a limit) ->
SmsRejected; 3 (unidentified application error) and 999 (general service error) -> SmsInDoubt,
since nothing says the message was not created; every other code - 30 (rate limit), 8 (login),
13 (wrong API server), 14 (account blocked), 10 (could not save)... - is a refusal:
SmsTemporaryFailure. HTTP 429/503 are temporary too.

Mobizon takes no client reference, so nothing can be looked up by ours: `lookup` raises
LookupUnsupported. Final statuses come by webhook (notifier/http/sms_reports.py) or by
`statuses()` with Mobizon's ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.http_errors import LazySession, http_status_error, transport_errors
from gateways.sms.reports import ReportStatus

# Mobizon's status table; PDLIVRD (some segments delivered) is not final: the message later
# takes its first segment's status.
STATUS: Final[dict[str, ReportStatus]] = {
    "NEW": "queued",
    "ENQUEUD": "queued",
    "ACCEPTD": "submitted",
    "PDLIVRD": "submitted",
    "DELIVRD": "delivered",
    "UNDELIV": "undeliverable",
    "EXPIRED": "expired",
    "REJECTD": "failed",
    "DELETED": "failed",
}
ACCEPTED: Final = frozenset({0, 100})
REJECTED: Final = frozenset({1, 12})
UNKNOWN_OUTCOME: Final = frozenset({3, 999})


@dataclass(frozen=True)
class MobizonConfig:
    api_key: str
    base_url: str = "https://api.mobizon.kz"
    sender: str | None = None  # an alpha name registered at Mobizon; None: the message's
    timeout: float = 5.0  # within the dispatcher's send timeout, with room to fail over


class MobizonProvider:
    name = "mobizon"

    def __init__(self, config: MobizonConfig) -> None:
        self._config = config
        self._session = LazySession(self._config.timeout)  # opened on first use

    async def send(self, sms: OutgoingSms) -> SendResult:
        form = {"recipient": sms.phone.removeprefix("+"), "text": sms.body,
                "from": self._config.sender or sms.sender}  # fmt: skip
        data = await self._call("message", "sendsmsmessage", form, doing="sendSmsMessage")
        message_id = data.get("messageId") if isinstance(data, Mapping) else None
        if message_id in (None, ""):
            raise SmsInDoubt("accepted without a messageId", provider=self.name, response=str(data))
        return SendResult(str(message_id), provider=self.name)

    async def statuses(self, ids: Sequence[str]) -> dict[str, ReportStatus]:
        """Mobizon's id -> our status, for the ids Mobizon knows (at most 100 per call)."""
        form = {f"ids[{i}]": message_id for i, message_id in enumerate(ids)}
        try:
            rows = await self._call("message", "getsmsstatus", form, doing="getSMSStatus")
        except SmsInDoubt as exc:
            raise SmsTemporaryFailure(str(exc), provider=self.name) from exc
        return {str(r["id"]): STATUS.get(str(r.get("status")), "submitted") for r in rows or []}

    async def lookup(self, reference: str) -> SendResult | None:
        raise LookupUnsupported("Mobizon keeps no client reference", provider=self.name)

    async def _call(self, module: str, method: str, form: Mapping[str, str], *, doing: str) -> Any:
        url = f"{self._config.base_url.rstrip('/')}/service/{module}/{method}"
        query = {"output": "json", "api": "v1", "apiKey": self._config.api_key}
        async with (
            transport_errors(self.name, doing),
            self._session.get().post(url, params=query, data=dict(form)) as resp,
        ):
            text = await resp.text()
            if resp.status != 200:
                raise http_status_error(resp.status, text, self.name, doing)
            answer = await resp.json(content_type=None)
        return self._data(answer, doing)

    def _data(self, answer: Any, doing: str) -> Any:
        code = answer.get("code") if isinstance(answer, dict) else None
        if code in ACCEPTED:
            return answer.get("data")
        detail = f"{doing}: code {code}: {answer.get('message') if code is not None else answer}"
        error: type[GatewayError] = (
            SmsRejected if code in REJECTED
            else SmsInDoubt if code in UNKNOWN_OUTCOME
            else SmsTemporaryFailure
        )  # fmt: skip
        raise error(detail, provider=self.name, status=str(code), response=str(answer))

    async def close(self) -> None:
        await self._session.close()
