"""Finance API views (role finance): ledger reports as JSON or CSV, gateway reconciliations.

GET  /api/v1/finance/reports/{name}?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]
     name: journal | trial-balance | liabilities | sms-revenue | top-ups
     JSON money in minor units; CSV money in major units, in columns named <name>_major
POST /api/v1/finance/reconciliations  {"from", "to"}  -> 201 the run with its findings
GET  /api/v1/finance/reconciliations/{id}
"""

from __future__ import annotations

from aiohttp import web

from billing.reports import REPORTS, csv_text, json_rows
from notifier import keys
from notifier.http.auth import authenticate
from notifier.http.errors import ApiError
from notifier.http.finance.models import PeriodIn, ReportOut, ReportQuery, RunOut
from notifier.http.openapi import ApiRoute
from notifier.topups.reconcile import reconcile_period, reconciliation_run

_REPORT_NAMES = "|".join(REPORTS)


async def get_report(request: web.Request) -> web.StreamResponse:
    authenticate(request, "finance")
    query = ReportQuery.model_validate(dict(request.query))
    name = request.match_info["name"]
    async with request.app[keys.POOL].acquire() as conn:
        report = await REPORTS[name](conn, query.period)
    if query.format == "csv":
        filename = f"{name}-{query.period.first}_{query.period.last}.csv"
        return web.Response(
            text=csv_text(report),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )
    out = ReportOut(
        report=name, from_=query.period.first, to=query.period.last,
        columns=list(report.columns), items=json_rows(report),
    )  # fmt: skip
    return web.json_response(text=out.model_dump_json(by_alias=True))


async def post_reconciliation(request: web.Request) -> web.Response:
    principal = authenticate(request, "finance")
    body = PeriodIn.model_validate_json(await request.read())
    run = await reconcile_period(request.app, body.period, principal.subject)
    return web.json_response(text=RunOut.of(run).model_dump_json(by_alias=True), status=201)


async def get_reconciliation(request: web.Request) -> web.Response:
    authenticate(request, "finance")
    run_id = request.match_info["run_id"]
    run = None
    # str.isdigit also accepts superscripts and Arabic-Indic digits ("١" would be run 1).
    if run_id.isascii() and run_id.isdigit() and len(run_id) < 19:
        run = await reconciliation_run(request.app, int(run_id))
    if run is None:
        raise ApiError(404, "not_found", "no such reconciliation run")
    return web.json_response(text=RunOut.of(run).model_dump_json(by_alias=True))


ROUTES = [
    ApiRoute("GET", "/api/v1/finance/reports/{name:" + _REPORT_NAMES + "}", get_report,
             "A finance report for a period: JSON with money in minor units, or ?format=csv"
             " for accountants with money in major units (40.00) in columns named <name>_major",
             response=ReportOut, query=ReportQuery, roles=("finance",), media=("text/csv",),
             tag="finance"),
    ApiRoute("POST", "/api/v1/finance/reconciliations", post_reconciliation,
             "Reconcile the payment gateways against the ledger for a period", body=PeriodIn,
             response=RunOut, status=201, roles=("finance",), errors=(409,), tag="finance"),
    ApiRoute("GET", "/api/v1/finance/reconciliations/{run_id}", get_reconciliation,
             "A reconciliation run with its findings", response=RunOut, roles=("finance",),
             tag="finance"),
]  # fmt: skip
