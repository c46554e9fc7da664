"""Nikita (Kyrgyzstan, smspro.nikita.kg): XML over HTTP, our own message ids.

Send statuses (Nikita's table): 0 accepted; 10 "blocked: this id was already sent" - the
re-send of a message Nikita already has, so we ask its report and answer as accepted when
it is there; 1 bad request, 6 stop words, 7 bad number, 8 bad time, 9 spam filter, 11 test
mode -> SmsRejected; 2 login, 3 IP not allowed, 4 no money, 5 sender not approved, anything
else -> SmsTemporaryFailure (certainly not sent here; routing may try another provider).

`lookup` asks /api/dr for our id: status 4 "no report for this id" means Nikita never took it.
Delivery reports are pulled, not pushed: `poll_reports` (the app schedules it) asks /api/dr
for each id still waiting for a final state. Nikita's dr call is per message id; it has no
"everything since" query, so the caller passes the ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateways.clock import Clock, SystemClock
from gateways.sms.base import (
    GatewayError,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.http_errors import LazySession, http_status_error, transport_errors
from gateways.sms.nikita_xml import (
    PhoneReport,
    nikita_id,
    phone_reports,
    report_document,
    send_document,
    status_of,
)
from gateways.sms.reports import Report, ReportStatus

ACCEPTED, DUPLICATE_ID, NO_REPORT = 0, 10, 4
REJECTED: Final = frozenset({1, 6, 7, 8, 9, 11})
REPORT: Final[dict[int, ReportStatus]] = {
    0: "queued",
    1: "submitted",
    2: "failed",
    3: "delivered",
    4: "undeliverable",
    5: "failed",
    6: "submitted",
}  # fmt: skip  (2 rejected by the operator, 5 our account ran dry, 6 "new, unknown")


@dataclass(frozen=True)
class NikitaConfig:
    login: str
    password: str
    sender: str | None = None  # a sender Nikita approved for us; None: the message's sender
    base_url: str = "https://smspro.nikita.kg/api"
    id_prefix: str = ""  # keeps ids apart when environments share one Nikita account
    test: bool = False  # <test>1</test>: validated, not sent, not billed
    timeout: float = 5.0  # within the dispatcher's send timeout, with room to fail over


class NikitaProvider:
    name = "nikita"

    def __init__(self, config: NikitaConfig, *, clock: Clock | None = None) -> None:
        self._config, self._clock = config, clock or SystemClock()
        self._session = LazySession(self._config.timeout)  # opened on first use

    async def send(self, sms: OutgoingSms) -> SendResult:
        c = self._config
        message_id = nikita_id(sms.reference, c.id_prefix)
        sender = c.sender or sms.sender
        doc = send_document(c.login, c.password, message_id, sender, sms.body, sms.phone,
                            test=c.test)  # fmt: skip
        status = status_of(await self._post("message", doc, doing="send"))
        if status == ACCEPTED:
            return SendResult(message_id, provider=self.name)
        if status == DUPLICATE_ID:
            return await self._already_sent(message_id)
        error: type[GatewayError] = SmsRejected if status in REJECTED else SmsTemporaryFailure
        raise error(f"Nikita refused the message (status {status})", provider=self.name,
                    status=str(status))  # fmt: skip

    async def _already_sent(self, message_id: str) -> SendResult:
        try:
            found = await self._report(message_id)
        except SmsTemporaryFailure as exc:
            raise SmsInDoubt("id already used; its report cannot be read now",
                             provider=self.name) from exc  # fmt: skip
        if found is None:
            raise SmsRejected(f"id {message_id} was used by a send Nikita did not take",
                              provider=self.name, status=str(DUPLICATE_ID))  # fmt: skip
        return SendResult(message_id, provider=self.name)

    async def lookup(self, reference: str) -> SendResult | None:
        message_id = nikita_id(reference, self._config.id_prefix)
        found = await self._report(message_id)
        return SendResult(message_id, provider=self.name) if found is not None else None

    async def reports(self, message_id: str) -> list[Report]:
        """What Nikita knows of one message ([] when it has no report for the id)."""
        found = await self._report(message_id)
        now = self._clock.now()
        return [
            Report(self.name, message_id, REPORT.get(p.report, "submitted"),
                   p.received_at or now, f"report {p.report}")
            for p in found or []
        ]  # fmt: skip

    async def _report(self, message_id: str) -> list[PhoneReport] | None:
        c = self._config
        try:
            answer = await self._post("dr", report_document(c.login, c.password, message_id),
                                      doing="dr")  # fmt: skip
            status = status_of(answer)
        except (SmsInDoubt, ValueError) as exc:  # asking twice is harmless
            raise SmsTemporaryFailure(f"dr: {exc}", provider=self.name) from exc
        if status == NO_REPORT:
            return None
        if status != ACCEPTED:
            raise SmsTemporaryFailure(f"dr refused (status {status})", provider=self.name)
        return phone_reports(answer)

    async def _post(self, path: str, document: bytes, *, doing: str) -> bytes:
        url = f"{self._config.base_url.rstrip('/')}/{path}"
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        async with (
            transport_errors(self.name, doing),
            self._session.get().post(url, data=document, headers=headers) as resp,
        ):
            body = await resp.read()
            if resp.status != 200:
                raise http_status_error(resp.status, body.decode(errors="replace"), self.name,
                                        doing)  # fmt: skip
            return body

    async def close(self) -> None:
        await self._session.close()


async def poll_reports(provider: NikitaProvider, message_ids: Sequence[str]) -> list[Report]:
    """Reports for the given Nikita ids (those still waiting for a final state). An id Nikita
    cannot answer for now is skipped this round, the others are still returned."""
    found: list[Report] = []
    for message_id in message_ids:
        try:
            found.extend(await provider.reports(message_id))
        except SmsTemporaryFailure:
            continue
    return found
