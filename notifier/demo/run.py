"""`make run`: embedded infrastructure, the service and the demo school, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import time
from pathlib import Path

from aiohttp import web

from devstack import EmbeddedStack
from notifier.app import create_app
from notifier.cli import devrun
from notifier.cli.listen import bound_port, listen
from notifier.demo.school import SCHOOL_ID
from notifier.demo.simulator import run_simulator
from notifier.http.auth import mint_token
from notifier.kafka import make_producer
from notifier.logs import RUNNER_OPTIONS, configure_logging
from notifier.settings import Settings, load_settings

DATA_DIR = Path(".devdata")
NOTIFIER = ".venv/bin/notifier"  # as typed in another shell, in this folder
STAFF = {  # who gets a token command printed, and its mint-token options
    "school admin": f"--sub demo-admin-1 --role school_admin --school-id {SCHOOL_ID}",
    "finance": "--sub demo-finance-1 --role finance",
    "ops": "--sub demo-ops-1 --role ops",
}


def published(settings: Settings) -> dict[str, str]:
    """What commands run beside this run need and cannot guess (`notifier dev-env`)."""
    secret, token = settings.jwt_hs256_secret, settings.internal_api_token
    assert secret is not None  # run_dev always sets both
    assert token is not None
    values = {
        "DATABASE_URL": settings.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "INTERNAL_API_TOKEN": token.get_secret_value(),
        "JWT_HS256_SECRET": secret.get_secret_value(),
        "PUBLIC_BASE_URL": settings.public_base_url,
    }
    return {name: value for name, value in values.items() if value}


def _print_access(settings: Settings, url: str, token: str) -> None:
    print(f"internal API token for this run: {token}")
    parent = mint_token(settings, "demo-parent-01", "parent", ttl_seconds=12 * 3600)
    print(f"Notification Manager as a demo parent: {url}/manager#token={parent}")
    ops = mint_token(settings, "demo-ops-1", "ops", ttl_seconds=12 * 3600)
    print(f"Ops console: {url}/ops#token={ops}")
    print("Staff tokens: in another shell, in this folder (commands find this run by themselves):")
    for who, options in STAFF.items():
        print(f"  {who + ':':<14}{NOTIFIER} mint-token {options}")
    print(f'  for curl: eval "$({NOTIFIER} dev-env)" exports its address and tokens')


async def _serve(settings: Settings, token: str, started: float, sock: socket.socket) -> None:
    # SIGTERM stops the run as Ctrl-C does: this task is cancelled and cleans up while the
    # service's own tasks still run (a KeyboardInterrupt would cancel them all at once).
    this = asyncio.current_task()
    assert this is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    runner = web.AppRunner(create_app(settings), **RUNNER_OPTIONS)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    url = f"http://{settings.http_host}:{settings.http_port}"
    print(f"service ready in {time.monotonic() - started:.1f}s: {url}  (health: {url}/readyz)")
    _print_access(settings, url, token)
    devrun.publish(published(settings))
    producer = make_producer(settings)
    await producer.start()
    try:
        await run_simulator(producer, settings.kafka_topic_prefix, url, token)
    finally:
        devrun.withdraw()
        await producer.stop()
        await runner.cleanup()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _settings(token: str) -> Settings:
    """Everything but the servers' addresses, known only once they run."""
    return load_settings(
        database_url="(embedded, not started yet)",
        kafka_bootstrap_servers="(embedded, not started yet)",
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


def run_dev() -> None:
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # clean shutdown under `kill`, too
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    # A fresh random token per run: there are no default credentials.
    token = os.environ.get("INTERNAL_API_TOKEN") or secrets.token_urlsafe(32)
    settings = _settings(token)
    sock = listen(settings.http_host, settings.http_port)  # a busy port, before servers start
    port = bound_port(sock)  # HTTP_PORT=0: the free port chosen
    url = f"http://{settings.http_host}:{port}"
    with sock, EmbeddedStack(DATA_DIR / "stack") as stack:
        settings = settings.model_copy(
            update={
                "database_url": stack.database_url,
                "kafka_bootstrap_servers": stack.kafka_bootstrap,
                "http_port": port,
                # Payment returns must reach this very run, unless told otherwise.
                "public_base_url": os.environ.get("PUBLIC_BASE_URL") or url,
            }
        )
        elapsed = time.monotonic() - started
        print(f"infrastructure up in {elapsed:.1f}s (on loopback):")
        print(f"  PostgreSQL: {stack.database_url}")
        print(f"  Kafka:      {stack.kafka_bootstrap}")
        print(f"SMS are written to {settings.sms_dev_outbox} and shown here")
        try:
            with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
                asyncio.run(_serve(settings, token, started, sock))
        finally:
            signal.signal(signal.SIGTERM, _stop_on_sigterm)  # the loop's handler is gone
            devrun.withdraw()
    print("stopped; embedded servers shut down")
