"""The finance API over real HTTP: reports as JSON and CSV, reconciliations, roles."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apscheduler.triggers.cron import CronTrigger
from pydantic import SecretStr

from billing.reports import FINANCE_TZ
from notifier.app import JOBS, create_app
from notifier.http.auth import Role, mint_token
from notifier.settings import Settings
from notifier.topups.reconcile import GATEWAYS, reconcile_yesterday
from tests.integration.test_reconciliation_runs import STRIPE, ListedGateway
from tests.integration.test_reconciliation_runs import seed as seed_gateway_ledger
from tests.integration.test_reports import TODAY, seed_ledger

Client = TestClient[Any, Any]
DAY = TODAY.isoformat()


@pytest.fixture
def finance_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32))})


@pytest.fixture
async def client(finance_settings: Settings) -> AsyncIterator[Client]:
    app = create_app(finance_settings, consume=False, dispatch=False, schedule=False)
    app.cleanup_ctx.append(_reconcile(STRIPE))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def _reconcile(gateway: ListedGateway) -> Callable[[web.Application], AsyncIterator[None]]:
    """Last at start-up: finance reconciles this test gateway, whatever else is configured."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[GATEWAYS] = {"stripe": gateway}
        yield

    return ctx


def auth(settings: Settings, role: Role = "finance") -> dict[str, str]:
    school = "sch-a" if role == "school_admin" else None
    return {"Authorization": "Bearer " + mint_token(settings, "staff-1", role, school_id=school)}


async def _seed(settings: Settings, how: Any) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await how(conn)
    finally:
        await conn.close()


async def test_the_journal_downloads_as_csv_that_parses_back(
    client: Client, finance_settings: Settings
) -> None:
    await _seed(finance_settings, seed_ledger)
    r = await client.get(
        "/api/v1/finance/reports/journal",
        params={"from": DAY, "to": DAY, "format": "csv"},
        headers=auth(finance_settings),
    )
    assert r.status == 200, await r.text()
    assert r.content_type == "text/csv"
    assert r.headers["Content-Disposition"] == f"attachment; filename=journal-{DAY}_{DAY}.csv"
    text = await r.text()
    assert text.startswith(
        "transaction_id,at,transaction_kind,reference,account_kind,account_owner,currency,"
        "debit_major,credit_major\r\n"  # the header says the cells are major units
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 16
    charges = [r for r in rows if r["transaction_kind"] == "sms_charge"]
    assert (charges[0]["account_owner"], charges[0]["debit_major"], charges[0]["credit_major"]) == (
        "p1", "40.00", "0.00",
    )  # fmt: skip
    r = await client.get(
        "/api/v1/finance/reports/journal", params={"from": DAY, "to": DAY},
        headers=auth(finance_settings),
    )  # fmt: skip
    items = (await r.json())["items"]  # JSON: the same rows, integers in minor units
    assert next(i["debit"] for i in items if i["transaction_kind"] == "sms_charge") == 40_00
    assert {r["currency"] for r in rows} == {"KZT", "KGS"}


async def test_the_trial_balance_as_json_totals_zero(
    client: Client, finance_settings: Settings
) -> None:
    await _seed(finance_settings, seed_ledger)
    r = await client.get(
        "/api/v1/finance/reports/trial-balance",
        params={"from": DAY, "to": DAY},
        headers=auth(finance_settings),
    )
    assert r.status == 200, await r.text()
    body = await r.json()
    assert (body["report"], body["from"], body["to"]) == ("trial-balance", DAY, DAY)
    totals = [i for i in body["items"] if i["account_kind"] == "TOTAL"]
    assert [(t["currency"], t["closing_balance"], t["debits"]) for t in totals] == [
        ("KGS", 0, 206_00),
        ("KZT", 0, 1020_00),
    ]


async def test_liabilities_csv_gives_amounts_as_decimal_strings(
    client: Client, finance_settings: Settings
) -> None:
    await _seed(finance_settings, seed_ledger)
    r = await client.get(
        "/api/v1/finance/reports/liabilities",
        params={"from": DAY, "to": DAY, "format": "csv"},
        headers=auth(finance_settings),
    )
    rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert [(r["currency"], r["school_name"], r["balance_major"]) for r in rows] == [
        ("KGS", "Мектеп 3", "194.00"),
        ("KGS", "", "194.00"),
        ("KZT", "Гимназия №1", "490.00"),
        ("KZT", "Лицей №2", "340.00"),
        ("KZT", "", "830.00"),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": DAY, "to": (TODAY - timedelta(days=1)).isoformat()}, "to"),
        ({"from": (TODAY - timedelta(days=366)).isoformat(), "to": DAY}, "to"),
        ({"to": DAY}, "from"),
        ({"from": "yesterday", "to": DAY}, "from"),
        ({"from": DAY, "to": DAY, "format": "xlsx"}, "format"),
    ],
)
async def test_a_bad_period_or_format_is_refused_with_the_field_named(
    client: Client, finance_settings: Settings, params: dict[str, str], field: str
) -> None:
    r = await client.get(
        "/api/v1/finance/reports/top-ups", params=params, headers=auth(finance_settings)
    )
    assert r.status == 422
    body = await r.json()
    assert [d["field"] for d in body["error"]["details"]] == [field]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0001-01-01", "to": "0001-01-01"}, "from"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ],
)
async def test_dates_at_the_edges_of_the_calendar_are_refused_not_a_server_error(
    client: Client, finance_settings: Settings, params: dict[str, str], field: str
) -> None:
    for name in ("journal", "trial-balance", "liabilities", "sms-revenue", "top-ups"):
        r = await client.get(
            f"/api/v1/finance/reports/{name}", params=params, headers=auth(finance_settings)
        )
        assert r.status == 422, (name, await r.text())
        assert field in [d["field"] for d in (await r.json())["error"]["details"]]
    r = await client.post(
        "/api/v1/finance/reconciliations", json=params, headers=auth(finance_settings)
    )
    assert r.status == 422, await r.text()


@pytest.mark.parametrize("run_id", ["¹", "١", "1٠", "²⁵", "99999999999999999999"])
async def test_run_ids_in_other_digits_are_not_found_rather_than_aliased_or_a_500(
    client: Client, finance_settings: Settings, run_id: str
) -> None:
    await _seed(finance_settings, seed_gateway_ledger)
    made = await client.post(
        "/api/v1/finance/reconciliations",
        json={"from": DAY, "to": DAY},
        headers=auth(finance_settings),
    )
    assert made.status == 201
    r = await client.get(
        f"/api/v1/finance/reconciliations/{run_id}", headers=auth(finance_settings)
    )
    assert r.status == 404, await r.text()


async def test_a_whole_leap_year_is_allowed(client: Client, finance_settings: Settings) -> None:
    r = await client.get(
        "/api/v1/finance/reports/top-ups",
        params={"from": "2028-01-01", "to": "2028-12-31"},
        headers=auth(finance_settings),
    )
    assert r.status == 200
    assert (await r.json())["items"] == []


@pytest.mark.parametrize("role", ["parent", "school_admin", "ops"])
async def test_other_roles_are_forbidden(
    client: Client, finance_settings: Settings, role: Role
) -> None:
    for path in ("/api/v1/finance/reports/journal", "/api/v1/finance/reconciliations/1"):
        r = await client.get(
            path, params={"from": DAY, "to": DAY}, headers=auth(finance_settings, role)
        )
        assert r.status == 403
    r = await client.post(
        "/api/v1/finance/reconciliations",
        json={"from": DAY, "to": DAY},
        headers=auth(finance_settings, role),
    )
    assert r.status == 403


async def test_without_a_token_nothing_is_shown(client: Client) -> None:
    r = await client.get("/api/v1/finance/reports/journal", params={"from": DAY, "to": DAY})
    assert r.status == 401
    assert (await r.json())["error"]["code"] == "unauthorized"


async def test_a_reconciliation_on_demand_reports_every_mismatch_and_can_be_read_back(
    client: Client, finance_settings: Settings
) -> None:
    await _seed(finance_settings, seed_gateway_ledger)
    r = await client.post(
        "/api/v1/finance/reconciliations",
        json={"from": DAY, "to": DAY},
        headers=auth(finance_settings),
    )
    assert r.status == 201, await r.text()
    run = await r.json()
    assert (run["status"], run["trigger"], run["gateways"]) == ("completed", "manual", ["stripe"])
    found = {f["key"]: f["finding"] for f in run["findings"]}
    assert found == {
        "pi_ok": "matched",
        "pi_short": "amount_mismatch",
        "pi_kgs": "currency_mismatch",
        "pi_ghost": "missing_at_gateway",
        "pi_lost": "missing_in_ledger",
        "re_ok": "matched",
        "re_lost": "missing_in_ledger",
        "pi_disputed": "matched",
        "dp_lost": "matched",
        "pi_won": "matched",
        "dp_won": "matched",
        "dp_unknown": "missing_in_ledger",
    }
    assert (run["matched"], run["mismatched"]) == (6, 6)

    again = await client.get(
        f"/api/v1/finance/reconciliations/{run['id']}", headers=auth(finance_settings)
    )
    assert await again.json() == run
    metrics = await (await client.get("/metrics")).text()
    assert (
        'notifier_reconciliation_mismatches_total{finding="amount_mismatch",gateway="stripe"} 1.0'
        in metrics
    )
    assert 'notifier_reconciliation_last_run_mismatches{gateway="stripe"} 6.0' in metrics


@pytest.mark.parametrize("run_id", ["999", "abc", "99999999999999999999999"])
async def test_an_unknown_reconciliation_is_not_found(
    client: Client, finance_settings: Settings, run_id: str
) -> None:
    r = await client.get(
        f"/api/v1/finance/reconciliations/{run_id}", headers=auth(finance_settings)
    )
    assert r.status == 404


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


async def test_the_daily_job_reconciles_the_previous_day_in_almaty_time(
    finance_settings: Settings,
) -> None:
    await _seed(finance_settings, seed_gateway_ledger)
    # 02:30 in Almaty is still the previous evening in UTC: the job must count in Almaty days.
    tomorrow = datetime.combine(TODAY + timedelta(days=1), time(2, 30), ZoneInfo(FINANCE_TZ))
    clock = FixedClock(tomorrow.astimezone(UTC))
    app = create_app(finance_settings, clock=clock, consume=False, dispatch=False, schedule=False)
    app.cleanup_ctx.append(_reconcile(STRIPE))
    async with TestClient(TestServer(app, host="127.0.0.1")):
        run = await reconcile_yesterday(app)
    assert run is not None
    assert (run.period.first, run.period.last, run.trigger) == (TODAY, TODAY, "schedule")
    assert len(run.mismatches) == 6


def test_the_daily_job_is_scheduled_at_half_past_two_in_almaty() -> None:
    [job] = [j for j in JOBS if j.name == "reconcile-payments"]
    trigger = CronTrigger(**job.options)
    after = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 05:00 in Almaty
    assert trigger.get_next_fire_time(None, after) == datetime(2026, 11, 23, 21, 30, tzinfo=UTC)


async def test_with_no_gateway_configured_there_is_nothing_to_reconcile(
    finance_settings: Settings,
) -> None:
    app = create_app(finance_settings, consume=False, dispatch=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as bare:
        r = await bare.post(
            "/api/v1/finance/reconciliations",
            json={"from": DAY, "to": DAY},
            headers=auth(finance_settings),
        )
        assert r.status == 409
        assert (await r.json())["error"]["code"] == "no_gateways"
        assert await reconcile_yesterday(app) is None
