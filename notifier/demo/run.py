"""`make run`: embedded infrastructure, the service and the demo school, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
from pathlib import Path

from aiohttp import web

from devstack import EmbeddedStack
from notifier.app import create_app
from notifier.demo.simulator import run_simulator
from notifier.http.auth import mint_token
from notifier.kafka import make_producer
from notifier.logs import RUNNER_OPTIONS, configure_logging
from notifier.settings import Settings, load_settings

DATA_DIR = Path(".devdata")


async def _serve(settings: Settings, token: str, started: float) -> None:
    runner = web.AppRunner(create_app(settings), **RUNNER_OPTIONS)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    url = f"http://{settings.http_host}:{settings.http_port}"
    print(f"service ready in {time.monotonic() - started:.1f}s: {url}  (health: {url}/readyz)")
    print(f"internal API token for this run: {token}")
    parent = mint_token(settings, "demo-parent-01", "parent", ttl_seconds=12 * 3600)
    print(f"Notification Manager as a demo parent: {url}/manager#token={parent}")
    ops = mint_token(settings, "demo-ops", "ops", ttl_seconds=12 * 3600)
    print(f"Ops console: {url}/ops#token={ops}")
    producer = make_producer(settings)
    await producer.start()
    try:
        await run_simulator(producer, settings.kafka_topic_prefix, url, token)
    finally:
        await producer.stop()
        await runner.cleanup()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_dev() -> None:
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # clean shutdown under `kill`, too
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    with EmbeddedStack(DATA_DIR / "stack") as stack:
        # A fresh random token per run: there are no default credentials.
        token = os.environ.get("INTERNAL_API_TOKEN") or secrets.token_urlsafe(32)
        settings = load_settings(
            database_url=stack.database_url,
            kafka_bootstrap_servers=stack.kafka_bootstrap,
            internal_api_token=token,
            jwt_hs256_secret=os.environ.get("JWT_HS256_SECRET") or secrets.token_urlsafe(48),
            link_signing_secret=os.environ.get("LINK_SIGNING_SECRET") or secrets.token_urlsafe(48),
            dev_payments_secret=os.environ.get("DEV_PAYMENTS_SECRET") or secrets.token_urlsafe(48),
            deployment_mode="development",  # `make run` is development: the dev gateway is on
            # One local consumer: a short session lets it join the group in about a second.
            kafka_session_timeout_ms=int(os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "3000")),
            sms_dev_outbox=Path(os.environ.get("SMS_DEV_OUTBOX", DATA_DIR / "sms-outbox.jsonl")),
            # The demo shows SMS whatever the hour; real schools get SEND_WINDOW's daytime.
            send_window=os.environ.get("SEND_WINDOW", "00:00-00:00"),
        )
        if "PUBLIC_BASE_URL" not in os.environ:  # payment returns must reach this very run
            url = f"http://{settings.http_host}:{settings.http_port}"
            settings = settings.model_copy(update={"public_base_url": url})
        elapsed = time.monotonic() - started
        print(f"infrastructure up in {elapsed:.1f}s (PostgreSQL + Kafka on loopback)")
        print(f"SMS are written to {settings.sms_dev_outbox} and shown here")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings, token, started))
    print("stopped; embedded servers shut down")
