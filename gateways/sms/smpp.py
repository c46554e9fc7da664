"""SMPP 3.4 provider: an ESME bound as transceiver to the operator's SMSC (smpp34 client).

Answers, and what they mean for the dispatcher:
* submit_sm_resp OK for every part: accepted; the first part's SMSC id is the message id.
* ESME_RTHROTTLED, ESME_RMSGQFUL, system errors, a failed bind: `SmsTemporaryFailure` (the
  SMSC refused, so it certainly has nothing).
* invalid destination, source, length, TON/NPI, expiry...: `SmsRejected` (never accepted).
* no submit_sm_resp within `submit_timeout`, or the link dropping under a submit:
  `SmsInDoubt` (the SMSC may have the message).
* a later part refused after an earlier part was accepted: that part is retried while the
  SMSC throttles, then `SmsInDoubt` - part of the text is already on its way, so it must
  neither be sent again nor handed to another provider.

`lookup` raises `LookupUnsupported`: SMPP's query_sm asks by the SMSC's message id, which we
never learn for a submit whose answer was lost, and nothing can be asked by our reference.
Delivery receipts (deliver_sm with esm_class 0x04) go to `on_report`, one final `Report` per
message (parts judged by a `PartStore`); smpp34 acknowledges each deliver_sm itself. Any other
deliver_sm is a parent's message to us (e.g. STOP) and goes to `on_incoming`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from typing import Final

import smpp34

from gateways.clock import Clock, SystemClock
from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.incoming import Incoming, IncomingSink, decode_short_message
from gateways.sms.reports import Report, ReportSink
from gateways.sms.smpp_encoding import SmppPart, smpp_parts
from gateways.sms.smpp_receipts import (
    MemoryParts,
    PartStore,
    canonical_id,
    parse_receipt,
    untracked_id,
)
from gateways.sms.smpp_session import SmppConfig, SmppSession

# Invalid message/command length, source, destination, number of destinations, TON/NPI,
# schedule/expiry times, parameters: the same message will never be taken.
log = logging.getLogger(__name__)

PERMANENT: Final = frozenset((0x01, 0x02, 0x0A, 0x0B, 0x33, 0x48, 0x49, 0x50, 0x51, 0x61, 0x62))
LATER_PART_RETRIES: Final = 3
_RECEIPT: Final = 0x04
TLV_RECEIPTED_MESSAGE_ID: Final = 0x001E
TLV_MESSAGE_STATE: Final = 0x0427
TLV_MESSAGE_PAYLOAD: Final = 0x0424


class SmppProvider:
    def __init__(
        self, config: SmppConfig, *, on_report: ReportSink | None = None,
        clock: Clock | None = None, parts: PartStore | None = None, name: str = "smpp",
        on_incoming: IncomingSink | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self._on_incoming = on_incoming
        self._config, self._on_report = config, on_report
        self._clock = clock or SystemClock()
        self._session = SmppSession(config, self._clock, self._inbound, name)
        self._parts = parts or MemoryParts()
        self._udh_refs = itertools.count(random.randrange(256))  # noqa: S311 - not a secret

    async def send(self, sms: OutgoingSms) -> SendResult:
        smsc = await self._session.bound()
        part_ids: list[str] = []
        for part in smpp_parts(sms.body, next(self._udh_refs)):
            try:
                part_ids.append(await self._submit(smsc, sms, part))
            except (SmsTemporaryFailure, SmsRejected) as exc:
                if not part_ids:
                    raise
                part_ids.append(await self._later_part(smsc, sms, part, exc, len(part_ids)))
        if len(part_ids) > 1:
            await self._register(part_ids)
        return SendResult(part_ids[0], provider=self.name)

    async def _register(self, part_ids: list[str]) -> None:
        try:
            await self._parts.register(self.name, part_ids)
        except Exception:
            # Accepted already: failing the send now would send it twice. Its receipts will
            # be judged part by part instead (the first part's id is the message's).
            log.exception("%s: parts of %s not recorded", self.name, part_ids[0])

    async def _later_part(
        self, smsc: smpp34.Smsc, sms: OutgoingSms, part: SmppPart, exc: GatewayError, sent: int
    ) -> str:
        for attempt in range(LATER_PART_RETRIES):
            if not isinstance(exc, SmsTemporaryFailure):
                break
            await asyncio.sleep(0.2 * 2**attempt)
            try:
                return await self._submit(smsc, sms, part)
            except (SmsTemporaryFailure, SmsRejected) as again:
                exc = again
        raise SmsInDoubt(
            f"{sent} part(s) accepted, then refused: {exc}", provider=self.name, status=exc.status
        ) from exc

    async def _submit(self, smsc: smpp34.Smsc, sms: OutgoingSms, part: SmppPart) -> str:
        source = self._config.source_addr or sms.sender
        alpha = not source.isdigit()
        try:
            resp = await asyncio.wait_for(
                smsc.submit_sm(
                    sms.phone.removeprefix("+"), part.short_message, source_addr=source,
                    source_addr_ton=5 if alpha else 1, source_addr_npi=0 if alpha else 1,
                    dest_addr_ton=1, dest_addr_npi=1, esm_class=part.esm_class,
                    data_coding=part.data_coding, registered_delivery=1,
                ),
                self._config.submit_timeout,
            )  # fmt: skip
        except TimeoutError as exc:
            raise SmsInDoubt("no submit_sm_resp in time", provider=self.name) from exc
        except (OSError, RuntimeError, smpp34.SmppError) as exc:
            self._session.forget(smsc)
            raise SmsInDoubt(f"SMPP link failed under a submit: {exc}", provider=self.name) from exc
        if resp.is_success and resp.message_id:
            return canonical_id(resp.message_id)
        raise _refusal(resp.command_status, self.name)

    async def lookup(self, reference: str) -> SendResult | None:
        raise LookupUnsupported(
            "SMPP can only query by the SMSC's message id, not by our reference",
            provider=self.name,
        )

    async def _inbound(self, event: smpp34.DeliverSmEvent) -> None:
        if event.esm_class & 0x3C != _RECEIPT:
            await self._incoming(event)
            return
        if self._on_report is None:
            return
        tlv = {t.tag: t for t in event.tlvs}
        rid = tlv.get(TLV_RECEIPTED_MESSAGE_ID)
        state = tlv.get(TLV_MESSAGE_STATE)
        receipt = parse_receipt(
            event.short_message,
            rid.as_string() if rid else None,
            state.as_int() if state else None,
        )
        if receipt is None:
            return
        tracked = await self._parts.receipt(self.name, receipt.message_id, receipt.status)
        if tracked is None:  # a one-part message
            message_id = untracked_id(receipt.message_id, self._config.receipt_ids)
            tracked = (message_id, receipt.status)
        message_id, status = tracked
        if status is None:
            return  # waits for its other parts, or was decided by an earlier part
        at = self._clock.now()
        await self._on_report(Report(self.name, message_id, status, at, receipt.detail))

    async def _incoming(self, event: smpp34.DeliverSmEvent) -> None:
        if self._on_incoming is None:
            return
        # Some SMSCs leave short_message empty and carry the text in message_payload.
        payload = {t.tag: t.value for t in event.tlvs}.get(TLV_MESSAGE_PAYLOAD, b"")
        text = decode_short_message(event.data_coding, event.short_message or payload)
        phone = "+" + event.source_addr.lstrip("+")
        await self._on_incoming(Incoming(self.name, phone, text, self._clock.now()))

    async def close(self) -> None:
        await self._session.close()


def _refusal(status: int, provider: str) -> GatewayError:
    code = f"0x{status:08X}"
    if status in PERMANENT:
        return SmsRejected(f"SMSC refused the message ({code})", provider=provider, status=code)
    return SmsTemporaryFailure(f"SMSC could not take it now ({code})", provider=provider,
                               status=code)  # fmt: skip
