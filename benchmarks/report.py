"""The benchmark table: each figure, its ceiling from the same run, the ratio, the goal."""

from __future__ import annotations

import os
from collections.abc import Callable

from benchmarks.history import describe

Row = tuple[str, str, str | None, Callable[[dict[str, float]], bool] | None, str]

# (label, figure, ceiling, goal check, goal text)
ROWS: list[Row] = [
    ("raw PostgreSQL batched writes (ceiling)", "pg_raw_rows_per_s", None, None, ""),
    ("raw outbox + queue row + hold inserts (ceiling)", "pg_outbox_rows_per_s", None, None, ""),
    ("raw PostgreSQL one-row commits (ceiling)", "pg_commits_per_s", None, None, ""),
    ("SMS charges, one hot wallet", "charges_hot_wallet_per_s", "pg_commits_per_s", None, ""),
    ("SMS charges, 200 wallets", "charges_many_wallets_per_s", "pg_commits_per_s", None, ""),
    ("raw Kafka consume, grades (ceiling)", "kafka_grades_raw_per_s", None, None, ""),
    (
        "grade events consumed and applied",
        "service_records_per_s",
        "kafka_grades_raw_per_s",
        None,
        "",
    ),
    ("raw Kafka consume, roster (ceiling)", "kafka_roster_raw_per_s", None, None, ""),
    (
        "roster events applied (service, Kafka in)",
        "roster_events_per_s",
        "kafka_roster_raw_per_s",
        lambda r: r["roster_events_per_s"] >= 10_000,
        ">= 10,000/s (5.3M in 9 min)",
    ),
    ("raw Kafka consume, homework (ceiling)", "kafka_raw_records_per_s", None, None, ""),
    (
        "e2e: notifications charged+queued",
        "notifications_per_s",
        "pg_outbox_rows_per_s",
        lambda r: r["notifications_per_s"] >= max(10_000, r["pg_outbox_rows_per_s"] / 3),
        ">= 10,000/s and >= 1/3 of ceiling",
    ),
    (
        "e2e: SMS dispatched",
        "sms_per_s",
        "pg_outbox_rows_per_s",
        lambda r: r["sms_per_s"] >= 2_000,
        ">= 2,000/s",
    ),
    (
        "weekly digests built, charged and queued",
        "digests_per_s",
        "pg_outbox_rows_per_s",
        lambda r: r["digests_per_s"] >= 1_000_000 / 300,
        ">= 3,334/s (1,000,000 in 5 min)",
    ),
    (
        "weekly digests ... and submitted (service)",
        "digests_submitted_per_s",
        "pg_outbox_rows_per_s",
        lambda r: r["digests_submitted_per_s"] >= 1_000_000 / 300,
        ">= 3,334/s (1,000,000 in 5 min)",
    ),
    (
        "school-wide announcement, queued and charged",
        "announcement_sms_per_s",
        "pg_outbox_rows_per_s",
        None,
        "",
    ),
    (
        "instant grade alerts (one SMS per child), queued and charged",
        "grade_alerts_per_s",
        "pg_outbox_rows_per_s",
        None,
        "",
    ),
    ("raw COPY, subscription rows (ceiling)", "pg_copy_subscriptions_rows_per_s", None, None, ""),
    (
        "onboarding: subscriptions imported",
        "onboarding_subscriptions_per_s",
        "pg_copy_subscriptions_rows_per_s",
        lambda r: r["onboarding_subscriptions_per_s"] >= 5_400,
        ">= 5,400/s (1.6M in 5 min)",
    ),
    ("raw COPY, balance rows (ceiling)", "pg_copy_balances_rows_per_s", None, None, ""),
    (
        "onboarding: opening balances imported",
        "onboarding_balances_per_s",
        "pg_copy_balances_rows_per_s",
        lambda r: r["onboarding_balances_per_s"] >= 5_400,
        ">= 5,400/s (1.6M in 5 min)",
    ),
    (
        "SMS submitted to Mobizon (loopback HTTP)",
        "mobizon_sms_per_s",
        None,
        lambda r: r["mobizon_sms_per_s"] >= 2_000,
        ">= 2,000/s",
    ),
    (
        "SMS submitted over SMPP (smpp34 peer)",
        "smpp_sms_per_s",
        None,
        lambda r: r["smpp_sms_per_s"] >= 2_000,
        ">= 2,000/s",
    ),
]


def report(r: dict[str, float]) -> None:
    print(f"{'figure':44s} {'value':>12s}   {'ratio to ceiling':>16s}   goal")
    for label, key, ceiling, check, goal in ROWS:
        if key not in r:
            continue
        ratio = f"{r[key] / r[ceiling]:7.1%}" if ceiling and r.get(ceiling) else ""
        verdict = "" if check is None else ("MET " if check(r) else "MISSED ") + goal
        print(f"{label:44s} {r[key]:12,.0f}/s {ratio:>16s}   {verdict}")
    _cpu(r, "backlog", "e2e backlog CPU, cores: service / PostgreSQL")
    _latency(r)
    if "history_queued_ratio" in r:
        print(describe(r))
    _smpp_receipts(r)
    for name in ("mobizon", "smpp"):
        print(
            f"{'  ' + name + ' submit p50 / p99':44s} {r[name + '_submit_p50_ms']:8.1f} ms / "
            f"{r[name + '_submit_p99_ms']:.1f} ms"
        )
    print(
        f"{'  digests':44s} {r['digests_queued']:12,.0f} queued in {r['digest_run_seconds']:.1f} s"
    )
    if "digests_submitted_seconds" in r:
        rss, took = r["digests_service_peak_rss_mb"], r["digests_submitted_seconds"]
        verdict = "MET" if rss <= 200 else "MISSED"
        print(f"{'  ... all submitted to the provider in':44s} {took:10.1f} s; "
              f"service peak RSS {rss:.1f} MiB {verdict} <= 200 MiB")  # fmt: skip
    print(
        f"{'service peak RSS (VmHWM)':44s} {r['service_peak_rss_mb']:10.1f} MiB   "
        f"{'MET' if r['service_peak_rss_mb'] <= 300 else 'MISSED'} <= 300 MiB"
    )
    print(f"{'benchmark driver peak RSS':44s} {r['bench_peak_rss_mb']:10.1f} MiB")
    print(
        f"backlog: {r['backlog_events']:,.0f} homework events, {r['notifications']:,.0f} "
        f"notifications, {r['sms_sent']:,.0f} SMS sent ({r['backlog_unsent']:,.0f} unsent "
        f"at the cap); {r['subscriptions']:,.0f} subscriptions"
    )
    print(
        f"roster: {r['roster_events']:,.0f} events -> {r['roster_pupils']:,.0f} pupils, "
        f"{r['roster_links']:,.0f} parent links"
    )
    print(f"machine: {r['cores']:.0f} cores, {r['memory_gib']:.1f} GiB memory (shared)")


# Publish -> provider p99 goal of each steady phase (benchmarks/e2e.py, Scale.rates).
LATENCY_GOALS = {"steady": 0.5, "peak": 1.0}


def _latency(r: dict[str, float]) -> None:
    for phase, goal in LATENCY_GOALS.items():
        if f"{phase}_latency_p99_s" not in r:
            continue
        p50, p99 = r[f"{phase}_latency_p50_s"], r[f"{phase}_latency_p99_s"]
        unsent, rate = r[f"{phase}_latency_unsent"], r[f"{phase}_rate"]
        met = p99 <= goal and unsent == 0
        print(
            f"{'e2e: publish -> provider p50 / p99':44s} {p50:6.2f}s / {p99:.2f}s at "
            f"{rate:,.0f} events/s ({unsent:,.0f} not sent by the end)   "
            f"{'MET' if met else 'MISSED'} p99 <= {goal:g} s"
        )
        print(
            f"{'  publish -> queued (consumer side) p50 / p99':44s} "
            f"{r[f'{phase}_queued_p50_s']:6.2f}s / {r[f'{phase}_queued_p99_s']:.2f}s"
        )
        _cpu(r, phase, "  CPU, cores: service / PostgreSQL")


def _cpu(r: dict[str, float], phase: str, label: str) -> None:
    if f"{phase}_service_cores" in r:
        print(f"{label:44s} "
              f"{r[f'{phase}_service_cores']:6.2f} / {r[f'{phase}_postgres_cores']:.2f}"
              f" of {os.cpu_count()}")  # fmt: skip


def _smpp_receipts(r: dict[str, float]) -> None:
    if "smpp_receipts_submits_per_s" not in r:
        return
    rate, p99 = r["smpp_receipts_submits_per_s"], r["smpp_receipts_submit_p99_ms"]
    stall, unmatched = r["smpp_receipts_longest_stall_s"], r["smpp_receipts_unmatched"]
    met = rate >= 3_400 and p99 <= 100 and stall <= 1 and unmatched == 0
    print(
        f"{'SMPP, receipt per part, several binds':44s} {rate:12,.0f}/s   "
        f"{'MET' if met else 'MISSED'} >= 3,400/s, p99 <= 100 ms, no stall > 1 s, 0 unmatched"
    )
    print(
        f"{'  slowest / fastest second, p99, stall':44s} "
        f"{r['smpp_receipts_slowest_second']:,.0f} / {r['smpp_receipts_fastest_second']:,.0f}, "
        f"{p99:.1f} ms, {stall:.2f} s; {r['smpp_receipts_received']:,.0f} receipts, "
        f"{unmatched:,.0f} unmatched"
    )
