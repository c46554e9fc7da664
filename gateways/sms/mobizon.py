"""Mobizon (Kazakhstan, api.mobizon.kz): HTTP API, JSON answers `{code, data, message}`.

Calls are `POST {base}/service/{module}/{method}?output=json&api=v1&apiKey=...` with form
fields (as Mobizon documents and its PHP SDK sends). Send: message/sendSmsMessage with
`recipient` (digits, no "+"), `text`, `from` (a registered alpha name); `data.messageId` is
the message id. Status: message/getSMSStatus with `ids[]`; rows of `{id, status, segNum,
startSendTs, statusUpdateTs}`.

Answers: code 0 (or 100, queued in background) accepted; code 1 is a validation error with
the offending fields in `data` (a bad number, an unknown sender, empty text) -> SmsRejected;
any other code is a refusal -> SmsTemporaryFailure. HTTP 429/503 -> temporary (Mobizon's own
docs do not describe its throttling answer; these are what its gateway front returns).

Mobizon takes no client reference, so nothing can be looked up by ours: `lookup` raises
LookupUnsupported. Delivery statuses come by webhook (notifier/http/sms_reports.py) or by
`statuses()` with Mobizon's ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.http_errors import http_status_error, transport_errors
from gateways.sms.reports import ReportStatus

STATUS: Final[dict[str, ReportStatus]] = {
    "NEW": "queued",
    "ENQUEUD": "queued",
    "ACCEPTD": "submitted",
    "DELIVRD": "delivered",
    "PDLIVRD": "undeliverable",
    "UNDELIV": "undeliverable",
    "EXPIRED": "expired",
    "REJECTD": "failed",
    "DELETED": "failed",
}  # fmt: skip  (PDLIVRD: some parts never arrived - the parent did not get the text)
ACCEPTED: Final = frozenset({0, 100})
VALIDATION: Final = 1


@dataclass(frozen=True)
class MobizonConfig:
    api_key: str
    base_url: str = "https://api.mobizon.kz"
    sender: str | None = None  # an alpha name registered at Mobizon; None: the message's
    timeout: float = 10.0


class MobizonProvider:
    name = "mobizon"

    def __init__(self, config: MobizonConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None  # opened on first use, not import

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
            self._http().post(url, params=query, data=dict(form)) as resp,
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
        error: type[GatewayError] = SmsRejected if code == VALIDATION else SmsTemporaryFailure
        raise error(detail, provider=self.name, status=str(code), response=str(answer))

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._config.timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
