"""SMPP 3.4 provider: an ESME bound as transceiver to the operator's SMSC (smpp34 client).

Answers, and what they mean for the dispatcher:
* submit_sm_resp OK for every part: accepted; the first part's SMSC id is the message id.
* ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR and other errors in a submit_sm_resp, a
  failed bind: `SmsTemporaryFailure` (the SMSC answered that it refused, so it has nothing).
* invalid destination, source, length, TON/NPI, expiry...: `SmsRejected` (never accepted).
* no submit_sm_resp within `submit_timeout`, or the link dropping under a submit:
  `SmsInDoubt` (the SMSC may have the message).
* a later part refused after an earlier part was accepted: that part is retried while the
  SMSC throttles, then `SmsInDoubt` - part of the text is already on its way, so it must
  neither be sent again nor handed to another provider.

`lookup` raises `LookupUnsupported`: SMPP's query_sm asks by the SMSC's message id, which we
never learn for a submit whose answer was lost, and nothing can be asked by our reference.
Delivery receipts (deliver_sm with esm_class 0x04) go to `on_report`, one final `Report` per
message (parts judged by a `PartStore`); smpp34 acknowledges each deliver_sm itself, and our
readers hand them to an `InboundQueue` at once (smpp_inbound.py). With SMPP_BINDS the
provider holds several binds (smpp_binds.py); a long SMS goes whole on one of them. Any other
deliver_sm is a parent's message to us (e.g. STOP) and goes to `on_incoming`, on a task of its
own so the reader never waits for it.
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
from gateways.sms.smpp_binds import Bind, Binds
from gateways.sms.smpp_encoding import SmppPart, smpp_parts
from gateways.sms.smpp_inbound import Inbound, InboundQueue
from gateways.sms.smpp_pending import PendingParts
from gateways.sms.smpp_receipts import (
    MemoryParts,
    PartStore,
    Receipt,
    canonical_id,
    id_candidates,
    parse_receipt,
    untracked_id,
)
from gateways.sms.smpp_session import SmppConfig

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
        self._receipts: InboundQueue[Inbound] = InboundQueue(
            self._inbound, _receipt_ids, name, workers=config.receipt_workers
        )
        self._binds = Binds(config, self._clock, self._deliver_sm, name)
        self._parts = parts or MemoryParts()
        self._pending = PendingParts()
        self._replies: set[asyncio.Task[None]] = set()
        self._udh_refs = itertools.count(random.randrange(256))  # noqa: S311 - not a secret

    async def send(self, sms: OutgoingSms) -> SendResult:
        parts = smpp_parts(sms.body, next(self._udh_refs))
        long = self._pending.start() if len(parts) > 1 else None
        part_ids: list[str] = []
        try:
            bind, smsc = await self._binds.pick()  # every part on the same bind
            try:
                await self._submit_parts(bind, smsc, sms, parts, part_ids, long)
            finally:
                self._binds.done(bind)
            if long is not None:
                await self._register(part_ids)
        finally:
            if long is not None:  # its parts' receipts that waited: judged by the workers
                for receipt in self._pending.finish(long, part_ids):
                    self._receipts.put((receipt, True))
        return SendResult(part_ids[0], provider=self.name)

    async def _submit_parts(
        self, bind: Bind, smsc: smpp34.Smsc, sms: OutgoingSms, parts: list[SmppPart],
        part_ids: list[str], long: int | None,
    ) -> None:  # fmt: skip
        """Each part in order, its id appended to `part_ids` (and noted, for a long SMS)."""
        for part in parts:
            try:
                part_id = await self._submit(bind, smsc, sms, part)
            except (SmsTemporaryFailure, SmsRejected) as exc:
                if not part_ids:
                    raise
                part_id = await self._later_part(bind, smsc, sms, part, exc, len(part_ids))
            part_ids.append(part_id)
            if long is not None:
                self._pending.note(part_id)

    async def _register(self, part_ids: list[str]) -> None:
        try:
            await self._parts.register(self.name, part_ids)
        except Exception:
            # Accepted already: failing the send now would send it twice. Its receipts will
            # be judged part by part instead (the first part's id is the message's).
            log.exception("%s: parts of %s not recorded", self.name, part_ids[0])

    async def _later_part(
        self, bind: Bind, smsc: smpp34.Smsc, sms: OutgoingSms, part: SmppPart,
        exc: GatewayError, sent: int,
    ) -> str:  # fmt: skip
        for attempt in range(LATER_PART_RETRIES):
            if not isinstance(exc, SmsTemporaryFailure):
                break
            await asyncio.sleep(0.2 * 2**attempt)
            try:
                return await self._submit(bind, smsc, sms, part)
            except (SmsTemporaryFailure, SmsRejected) as again:
                exc = again
        raise SmsInDoubt(
            f"{sent} part(s) accepted, then refused: {exc}", provider=self.name, status=exc.status
        ) from exc

    async def _submit(self, bind: Bind, smsc: smpp34.Smsc, sms: OutgoingSms, part: SmppPart) -> str:
        source = self._config.source_addr or sms.sender
        alpha = not source.isdigit()
        async with bind:  # its place in the bind's window
            try:
                async with asyncio.timeout(self._config.submit_timeout):  # no extra task
                    resp = await smsc.submit_sm(
                        sms.phone.removeprefix("+"), part.short_message, source_addr=source,
                        source_addr_ton=5 if alpha else 1, source_addr_npi=0 if alpha else 1,
                        dest_addr_ton=1, dest_addr_npi=1, esm_class=part.esm_class,
                        data_coding=part.data_coding, registered_delivery=1,
                    )  # fmt: skip
            except TimeoutError as exc:
                raise SmsInDoubt("no submit_sm_resp in time", provider=self.name) from exc
            except (OSError, RuntimeError, smpp34.SmppError) as exc:
                what = await bind.session.unanswered(smsc, exc)
                raise SmsInDoubt(what, provider=self.name) from exc
        if resp.is_success and resp.message_id:
            return canonical_id(resp.message_id)
        raise _refusal(resp.command_status, self.name)

    async def lookup(self, reference: str) -> SendResult | None:
        raise LookupUnsupported(
            "SMPP can only query by the SMSC's message id, not by our reference",
            provider=self.name,
        )

    def _deliver_sm(self, event: smpp34.DeliverSmEvent) -> None:
        """From a bind's reader: must not wait (smpp_inbound says why)."""
        if event.esm_class & 0x3C != _RECEIPT:  # a parent's message to us (e.g. STOP)
            self._take_incoming(event)
            return
        receipt = _receipt(event) if self._on_report is not None else None
        if receipt is not None:
            self._receipts.put((receipt, False))

    def _take_incoming(self, event: smpp34.DeliverSmEvent) -> None:
        if self._on_incoming is None:
            return
        task = asyncio.get_running_loop().create_task(self._incoming(event))
        self._replies.add(task)  # kept until done: close() waits for them
        task.add_done_callback(self._reply_done)

    def _reply_done(self, task: asyncio.Task[None]) -> None:
        self._replies.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s: a parent's reply could not be taken: %r", self.name, exc)

    async def _inbound(self, item: Inbound) -> None:
        receipt, waited = item
        if waited or not self._pending.hold(receipt):
            await self._judge(receipt)

    async def _judge(self, receipt: Receipt) -> None:
        assert self._on_report is not None
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
        await self._binds.close()
        await self._receipts.close()  # after the readers: nothing more comes in
        await asyncio.gather(*self._replies, return_exceptions=True)


def _receipt(event: smpp34.DeliverSmEvent) -> Receipt | None:
    """The delivery receipt in a deliver_sm; None for a mobile-originated message."""
    if event.esm_class & 0x3C != _RECEIPT:
        return None
    tlv = {t.tag: t for t in event.tlvs}
    rid, state = tlv.get(TLV_RECEIPTED_MESSAGE_ID), tlv.get(TLV_MESSAGE_STATE)
    return parse_receipt(
        event.short_message, rid.as_string() if rid else None, state.as_int() if state else None
    )


def _receipt_ids(item: Inbound) -> list[str]:
    """Every id a receipt may be about (InboundQueue keeps their order per message)."""
    return id_candidates(item[0].message_id)


def _refusal(status: int, provider: str) -> GatewayError:
    code = f"0x{status:08X}"
    if status in PERMANENT:
        return SmsRejected(f"SMSC refused the message ({code})", provider=provider, status=code)
    return SmsTemporaryFailure(f"SMSC could not take it now ({code})", provider=provider,
                               status=code)  # fmt: skip
