"""Handing one claimed SMS to the provider and classifying what happened. No database here:
the dispatcher settles the outcomes of a whole batch at once (notifier/outbox/settle.py).

A send that ends in doubt names the provider it may be at (`Outcome.in_doubt_at`), which
the row keeps (`in_doubt_provider`): its next attempt looks it up and re-sends it there
alone, also after a restart (through `RoutedProvider.lookup_at` / `send_at`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Literal

import asyncpg

from gateways.sms import (
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsProvider,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.routed import RoutedProvider

log = logging.getLogger(__name__)

InDoubtPolicy = Literal["resend", "fail"]
RESENT = "sent again without asking"  # the log line of every such send (crash tests count it)
Verdict = Literal["accepted", "failed", "retry", "in_doubt"]


@dataclass(frozen=True)
class Outcome:
    row: asyncpg.Record
    verdict: Verdict
    provider: str | None = None
    provider_message_id: str | None = None
    error: str | None = None
    in_doubt_at: str | None = None  # the provider that may have it (verdict in_doubt)
    # In doubt, and the provider cannot be asked: settled by IN_DOUBT_POLICY alone (re-sent,
    # so it may arrive twice; or failed, so it may have arrived free). Counted, never silent.
    unasked: bool = False


def outgoing(row: asyncpg.Record, sender: str) -> OutgoingSms:
    return OutgoingSms(
        reference=f"n{row['id']}",
        phone=row["phone"],
        body=row["body"],
        parts=row["parts"],
        encoding=row["encoding"],
        price=row["price"],
        currency=row["currency"],
        sender=sender,
        kind=row["kind"],
        paid_by="parent" if row["hold_id"] is not None else "house",
    )


async def deliver(
    provider: SmsProvider,
    row: asyncpg.Record,
    *,
    sender: str,
    timeout: float,
    in_doubt_policy: InDoubtPolicy,
) -> Outcome:
    """Send the row's SMS once, unless the provider already has it (a row in doubt is looked
    up by our reference first). Never raises for the provider's failures."""
    sms, at = outgoing(row, sender), row["in_doubt_provider"]
    if row["in_doubt"]:
        found = await _look_up(provider, row, sms.reference, timeout, in_doubt_policy)
        if isinstance(found, Outcome):
            return found
        if found == "unasked":  # IN_DOUBT_POLICY=resend; logged before it goes, never after
            log.warning("SMS %s: in doubt, and the provider cannot tell: %s; it may arrive twice",
                        row["id"], RESENT)  # fmt: skip
            return replace(await _send_once(provider, row, sms, at, timeout), unasked=True)
    return await _send_once(provider, row, sms, at, timeout)


async def _send_once(
    provider: SmsProvider, row: asyncpg.Record, sms: OutgoingSms, at: str | None, timeout: float
) -> Outcome:
    try:
        async with asyncio.timeout(timeout):  # not wait_for: no extra task per SMS
            result = await _send(provider, sms, at)
    except SmsRejected as exc:
        return Outcome(row, "failed", exc.provider, error=f"rejected by {exc.provider}: {exc}")
    except SmsTemporaryFailure as exc:
        return Outcome(row, "retry", exc.provider, error=f"{exc.provider}: {exc}")
    except Exception as exc:  # timeouts, lost connections, provider bugs: maybe it has it
        where = at or _in_doubt_at(provider, sms.reference)
        return Outcome(row, "in_doubt", error=f"{type(exc).__name__}: {exc}", in_doubt_at=where)
    return _accepted(row, provider, result)


async def _send(provider: SmsProvider, sms: OutgoingSms, at: str | None) -> SendResult:
    if at is not None and isinstance(provider, RoutedProvider):
        return await provider.send_at(at, sms)  # only where it may already be
    return await provider.send(sms)


async def _lookup(provider: SmsProvider, reference: str, at: str | None) -> SendResult | None:
    if at is not None and isinstance(provider, RoutedProvider):
        return await provider.lookup_at(at, reference)
    return await provider.lookup(reference)


def _in_doubt_at(provider: SmsProvider, reference: str) -> str | None:
    if isinstance(provider, RoutedProvider):
        return provider.in_doubt_at(reference)  # None: it never reached a provider
    return provider.name


async def _look_up(
    provider: SmsProvider, row: asyncpg.Record, reference: str, timeout: float,
    policy: InDoubtPolicy,
) -> Outcome | Literal["unasked"] | None:  # fmt: skip
    """An outcome when the lookup settles it; None when the SMS should be sent now, and
    "unasked" when it should be sent again although the provider may have it."""
    at = row["in_doubt_provider"]
    try:
        async with asyncio.timeout(timeout):
            found = await _lookup(provider, reference, at)
    except LookupUnsupported:
        if policy == "resend":
            return "unasked"
        error = "in doubt, and the provider cannot tell: not re-sent"
        return Outcome(row, "failed", error=error, unasked=True)
    except Exception as exc:
        error = f"lookup failed: {type(exc).__name__}: {exc}"
        return Outcome(row, "in_doubt", error=error, in_doubt_at=at)
    if found is None:
        return None
    log.info("SMS %s was accepted before its acknowledgement was lost", row["id"])
    return _accepted(row, provider, found)


def _accepted(row: asyncpg.Record, provider: SmsProvider, result: SendResult) -> Outcome:
    name = getattr(result, "provider", None) or provider.name
    return Outcome(row, "accepted", provider=name, provider_message_id=result.provider_message_id)
