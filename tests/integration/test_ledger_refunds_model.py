"""Model test of the money flows that come back: random payments, SMS holds and charges,
refunds, lost and won disputes, and replays of earlier events — on real PostgreSQL.

After every step: every invariant of the ledger holds; what a parent has net of what they owe
(wallet − receivable) moved by exactly the applied operation; an operation applied before and
delivered again changed no balance at all. What the gateway reports is booked whenever it
can be: money taken back is applied when the payment has that much left (refused otherwise),
and a won dispute gives back what its loss took, even beside another dispute's loss. A refused
delivery is not recorded, so once the world has changed (another dispute won) its retry
applies, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import HoldAlreadyResolved, InsufficientFunds
from billing.holds import capture_hold, place_hold
from billing.payment_events import receive_payment_event
from billing.topup_events import REFUSED, apply_payment_event
from billing.topup_limits import TopUpLimits
from billing.topups import attach_payment, create_top_up
from billing.types import Conn
from gateways.payments import PaymentEvent, PaymentSession
from tests.integration.ledger_checks import assert_ledger_invariants

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMITS = TopUpLimits({"KZT": 1}, {"KZT": 10**9}, {"KZT": 10**12})
APPLIED = {"credited": +1, "refunded": -1, "dispute_lost": -1, "dispute_won": +1}

step = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 60_00)),
    st.tuples(st.just("charge"), st.integers(0, 1), st.integers(1, 40_00)),
    st.tuples(st.just("hold"), st.integers(0, 1), st.integers(1, 40_00)),
    # Refunds and disputes take a percentage of the payment (over 100: more than was paid).
    st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 110)),
    st.tuples(st.just("dispute"), st.integers(0, 9), st.integers(1, 110)),
    st.tuples(st.just("won"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("replay"), st.integers(0, 30), st.just(0)),
)


@dataclass
class World:
    parents: list[str]
    net: list[int] = field(default_factory=lambda: [0, 0])
    payments: list[tuple[int, str, int]] = field(default_factory=list)  # parent, id, amount
    disputes: list[str] = field(default_factory=list)  # references, in order
    taken: dict[str, int] = field(default_factory=dict)  # what each dispute's loss took
    left: dict[str, int] = field(default_factory=dict)  # what each payment has left to return
    events: list[Sent] = field(default_factory=list)


@dataclass
class Sent:
    parent: int
    event: PaymentEvent
    outcome: str  # of its last delivery


def _event(kind: str, payment: str, amount: int, reference: str | None) -> PaymentEvent:
    return PaymentEvent(str(uuid.uuid4()), "dev", kind, payment, amount, "KZT", reference, "x")  # type: ignore[arg-type]


async def _balances(conn: Conn, parent: str) -> tuple[int, int, int]:
    rows = await conn.fetch(
        "SELECT kind, posted, held FROM ledger_accounts WHERE owner = $1", parent
    )
    by = {r["kind"]: (r["posted"], r["held"]) for r in rows}
    wallet, receivable = by.get("wallet", (0, 0)), by.get("receivable", (0, 0))
    return wallet[0], wallet[1], receivable[0]


async def _send(conn: Conn, w: World, parent: int, event: PaymentEvent) -> str:
    """Through the real entry point: the delivery is recorded by event id, then applied."""
    outcome = await receive_payment_event(conn, event, event.event_id.encode()) or "repeat"
    w.events.append(Sent(parent, event, outcome))
    _expect(w, event, outcome)
    _account(w, parent, event, outcome)
    return outcome


def _expect(w: World, event: PaymentEvent, outcome: str | None) -> None:
    """What the gateway says happened is booked whenever it can be: money taken back is
    applied if the payment has that much left to return (and refused, not lost, otherwise);
    a won dispute whose loss took money gives it back."""
    if event.kind in ("refunded", "dispute_lost"):
        fits = event.amount <= w.left[event.gateway_payment_id]
        assert (outcome in APPLIED) == fits, f"{event.kind} {event.amount}: {outcome}"
        assert fits or outcome == "mismatch", outcome
    if event.kind == "dispute_won" and w.taken.get(event.reference or ""):
        assert outcome == "dispute_won", f"a won dispute that had taken money: {outcome}"


def _account(w: World, parent: int, event: PaymentEvent, outcome: str) -> None:
    """What the model expects an applied operation to move. Winning a dispute gives back what
    its loss took: nothing if the loss was refused."""
    amount = w.taken.get(event.reference or "", 0) if event.kind == "dispute_won" else event.amount
    w.net[parent] += APPLIED.get(outcome, 0) * amount
    if outcome in ("refunded", "dispute_lost"):
        w.left[event.gateway_payment_id] -= event.amount
    if outcome == "dispute_lost":
        w.taken[event.reference or ""] = event.amount
    if outcome == "dispute_won":
        w.taken[event.reference or ""] = 0
        w.left[event.gateway_payment_id] += amount


async def _pay(conn: Conn, w: World, parent: int, amount: int) -> None:
    top_up = await create_top_up(conn, parent_id=w.parents[parent], amount=amount,
                                 currency="KZT", gateway="dev", limits=LIMITS, now=NOW)  # fmt: skip
    payment = f"pay-{uuid.uuid4().hex[:8]}"
    await attach_payment(conn, top_up.id, PaymentSession(payment, "http://pay"))
    w.payments.append((parent, payment, amount))
    w.left[payment] = amount
    await _send(conn, w, parent, _event("succeeded", payment, amount, None))


async def _charge(conn: Conn, w: World, parent: int, amount: int, capture: bool) -> None:
    try:
        hold = await place_hold(conn, w.parents[parent], amount,
                                reference=uuid.uuid4().hex, expires_at=NOW)  # fmt: skip
    except InsufficientFunds:
        return
    if capture:
        await capture_hold(conn, hold.id)
        w.net[parent] -= amount
        try:
            await capture_hold(conn, hold.id)
            raise AssertionError("a hold was resolved twice")
        except HoldAlreadyResolved:
            pass


async def _apply(conn: Conn, w: World, op: tuple[str, int, int]) -> None:
    kind, a, b = op
    if kind == "pay":
        await _pay(conn, w, a, b)
    elif kind in ("charge", "hold"):
        await _charge(conn, w, a, b, capture=kind == "charge")
    elif kind in ("refund", "dispute") and w.payments:
        parent, payment, paid = w.payments[a % len(w.payments)]
        b = max(1, paid * b // 100)
        reference = f"{kind}-{uuid.uuid4().hex[:8]}"
        if kind == "refund":
            await _send(conn, w, parent, _event("refunded", payment, b, reference))
            return
        await _send(conn, w, parent, _event("dispute_opened", payment, b, reference))
        await _send(conn, w, parent, _event("dispute_lost", payment, b, reference))
        w.disputes.append(reference)
    elif kind == "won" and w.disputes:
        reference = w.disputes[a % len(w.disputes)]
        lost = next(s for s in w.events if s.event.reference == reference)
        taken = w.taken.get(reference, 0)
        event = _event("dispute_won", lost.event.gateway_payment_id, taken, reference)
        await _send(conn, w, lost.parent, event)
    elif kind == "replay" and w.events:
        await _replay(conn, w, w.events[a % len(w.events)])


async def _replay(conn: Conn, w: World, sent: Sent) -> None:
    """The same delivery again, then the same fact in a new delivery (a new event id).

    An operation applied before is recognised as a repeat and changes nothing. One that was
    not (refused, ignored) may apply now that the world changed, once: a refused delivery was
    not recorded, so the gateway's retry still counts; a new delivery of an ignored one too.
    """
    parent, event = sent.parent, sent.event
    before = await _balances(conn, w.parents[parent])
    applied_before = sent.outcome in APPLIED
    repeat = await receive_payment_event(conn, event, event.event_id.encode())
    if sent.outcome in REFUSED and repeat is not None:
        _expect(w, event, repeat)
        sent.outcome = repeat
        _account(w, parent, event, repeat)
    else:
        assert repeat is None, f"a recorded delivery of {event.kind} applied again: {repeat}"
    again = replace(event, event_id=str(uuid.uuid4()))
    outcome = await apply_payment_event(conn, again)
    if applied_before or sent.outcome in APPLIED:
        assert outcome not in APPLIED, f"{event.kind} twice"
        if applied_before:
            assert await _balances(conn, w.parents[parent]) == before, f"replay of {event.kind}"
    else:
        _expect(w, event, outcome)
        sent.outcome = outcome
        _account(w, parent, event, outcome)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(step, min_size=1, max_size=20))
async def test_money_that_comes_back_keeps_every_invariant(
    pool: asyncpg.Pool, ops: list[tuple[str, int, int]]
) -> None:
    w = World([f"p-{uuid.uuid4().hex[:10]}" for _ in range(2)])
    async with pool.acquire() as conn:
        for op in ops:
            async with conn.transaction():
                await _apply(conn, w, op)
            await assert_ledger_invariants(conn)
            for i, parent in enumerate(w.parents):
                posted, held, receivable = await _balances(conn, parent)
                assert posted - receivable == w.net[i], f"after {op}"
                assert posted - held >= 0
