"""Reconciliation runs on real PostgreSQL: a seeded ledger against what the gateways list.

The ledger is seeded through the payments code path (top-ups, refunds, disputes applied as
their webhooks would); the gateways are a tiny implementation of our PaymentGateway
interface that lists a fixed set of transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from billing.ledger import credit_wallet
from billing.reconciliation import load_run, run_reconciliation
from billing.reports import FINANCE_TZ, Period
from billing.topups import TopUpLimits, apply_payment_event, attach_payment, create_top_up
from gateways.payments import EventKind, GatewayTransaction, PaymentEvent, PaymentSession
from tests.integration.money_support import pin_to

TODAY = datetime.now(ZoneInfo(FINANCE_TZ)).date()
NOON = datetime.combine(TODAY, datetime.min.time(), ZoneInfo(FINANCE_TZ)) + timedelta(hours=12)
PERIOD = Period(TODAY, TODAY)
LIMITS = TopUpLimits({"KZT": 1_00}, {"KZT": 10_000_00}, {"KZT": 100_000_00})


class ListedGateway:
    """Our PaymentGateway interface, answering list_transactions from a fixed list."""

    def __init__(self, *items: GatewayTransaction, fail: bool = False) -> None:
        self.items, self.fail = items, fail
        self.asked: list[tuple[datetime, datetime]] = []

    async def list_transactions(self, since: datetime, until: datetime) -> list[GatewayTransaction]:
        self.asked.append((since, until))
        if self.fail:
            raise ConnectionError("gateway unreachable")
        return [i for i in self.items if since <= i.occurred_at < until]


def payment(
    pid: str, amount: int, currency: str = "KZT", at: datetime = NOON
) -> GatewayTransaction:
    return GatewayTransaction("payment", pid, "", amount, currency, at)


def dispute(pid: str, dispute_id: str, amount: int) -> GatewayTransaction:
    return GatewayTransaction("dispute", pid, dispute_id, amount, "KZT", NOON)


async def _paid(conn: asyncpg.Connection, pid: str, amount: int, gw: str = "stripe") -> None:
    """A top-up paid through the payments code path, as the webhook view applies it."""
    top_up = await create_top_up(conn, parent_id="par", amount=amount, currency="KZT",
                                 gateway=gw, limits=LIMITS, now=NOON)  # fmt: skip
    await attach_payment(conn, top_up.id, PaymentSession(pid, "https://pay.example/" + pid))
    assert await _event(conn, "succeeded", pid, None, amount, gw) == "credited"


async def _event(
    conn: asyncpg.Connection, kind: EventKind, pid: str, ref: str | None, amount: int,
    gw: str = "stripe",
) -> str:  # fmt: skip
    event = PaymentEvent(f"evt-{pid}-{kind}-{ref}", gw, kind, pid, amount, "KZT", ref, "0" * 64)
    return await apply_payment_event(conn, event)


async def seed(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await _paid(conn, "pi_ok", 500_00)
        await _paid(conn, "pi_short", 500_00)
        await _paid(conn, "pi_kgs", 300_00)
        await _paid(conn, "pi_ghost", 100_00)  # never happened at the gateway
        await _paid(conn, "pi_kaspi", 700_00, gw="kaspi")
        await _paid(conn, "pi_disputed", 300_00)
        await _paid(conn, "pi_won", 400_00)
        assert await _event(conn, "refunded", "pi_ok", "re_ok", 200_00) == "refunded"
        assert (
            await _event(conn, "dispute_lost", "pi_disputed", "dp_lost", 300_00) == "dispute_lost"
        )
        assert await _event(conn, "dispute_lost", "pi_won", "dp_won", 400_00) == "dispute_lost"
        assert await _event(conn, "dispute_won", "pi_won", "dp_won", 400_00) == "dispute_won"
        await credit_wallet(conn, "par", 50_00, "KZT", source=("gateway_clearing", "manual"),
                            kind="manual_credit", reference="ops-1")  # fmt: skip
        await pin_to(conn, NOON)


STRIPE = ListedGateway(
    payment("pi_ok", 500_00),
    payment("pi_short", 450_00),
    payment("pi_kgs", 300_00, "KGS"),
    payment("pi_lost", 900_00),  # paid, but never credited to the parent
    GatewayTransaction("refund", "pi_ok", "re_ok", 200_00, "KZT", NOON),
    GatewayTransaction("refund", "pi_ok", "re_lost", 100_00, "KZT", NOON),
    payment("pi_disputed", 300_00),
    dispute("pi_disputed", "dp_lost", 300_00),
    payment("pi_won", 400_00),
    dispute("pi_won", "dp_won", 400_00),
    dispute("pi_won", "dp_won", -400_00),  # given back when the dispute was won
    dispute("pi_x", "dp_unknown", 100_00),
    payment("pi_yesterday", 10_00, at=NOON - timedelta(days=1)),  # another period's business
)


async def test_every_seeded_mismatch_is_found_and_stored_with_the_run(pool: asyncpg.Pool) -> None:
    kaspi = ListedGateway(payment("pi_kaspi", 700_00))
    async with pool.acquire() as conn:
        await seed(conn)
    run = await run_reconciliation(pool, {"stripe": STRIPE, "kaspi": kaspi}, PERIOD)
    found = {(f.gateway, f.kind, f.key): f.finding for f in run.findings}
    assert found == {
        ("kaspi", "payment", "pi_kaspi"): "matched",
        ("stripe", "payment", "pi_ok"): "matched",
        ("stripe", "payment", "pi_short"): "amount_mismatch",
        ("stripe", "payment", "pi_kgs"): "currency_mismatch",
        ("stripe", "payment", "pi_ghost"): "missing_at_gateway",
        ("stripe", "payment", "pi_lost"): "missing_in_ledger",
        ("stripe", "refund", "re_ok"): "matched",
        ("stripe", "refund", "re_lost"): "missing_in_ledger",
        ("stripe", "payment", "pi_disputed"): "matched",
        ("stripe", "dispute", "dp_lost"): "matched",
        ("stripe", "payment", "pi_won"): "matched",
        ("stripe", "dispute", "dp_won"): "matched",  # lost, then won: nets to zero both sides
        ("stripe", "dispute", "dp_unknown"): "missing_in_ledger",
    }
    assert (run.status, len(run.mismatches)) == ("completed", 6)
    async with pool.acquire() as conn:
        assert await load_run(conn, run.id) == run


async def test_the_gateways_are_asked_a_day_beyond_the_period_on_both_sides(
    pool: asyncpg.Pool,
) -> None:
    gateway = ListedGateway()
    await run_reconciliation(pool, {"stripe": gateway}, PERIOD)
    [(since, until)] = gateway.asked
    assert (since, until) == (PERIOD.start - timedelta(days=1), PERIOD.end + timedelta(days=1))


async def test_an_unreachable_gateway_fails_the_run_and_the_failure_is_kept(
    pool: asyncpg.Pool,
) -> None:
    run = await run_reconciliation(
        pool, {"stripe": STRIPE, "kaspi": ListedGateway(fail=True)}, PERIOD
    )
    assert run.status == "failed"
    assert run.error == "ConnectionError: gateway unreachable"
    assert run.findings == ()
    async with pool.acquire() as conn:
        stored = await load_run(conn, run.id)
    assert stored is not None
    assert stored.status == "failed"


async def test_a_day_is_reconciled_by_the_schedule_once_however_many_instances_run(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    first = await run_reconciliation(pool, {"stripe": STRIPE}, PERIOD, trigger="schedule")
    second = await run_reconciliation(pool, {"stripe": STRIPE}, PERIOD, trigger="schedule")
    manual = await run_reconciliation(pool, {"stripe": STRIPE}, PERIOD)
    assert second.id == first.id
    assert manual.id != first.id
    runs = await pool.fetchval("SELECT count(*) FROM reconciliation_runs")
    assert runs == 2
