"""Command line: `python -m notifier {serve,migrate,dev}`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import asyncpg
from aiohttp import web

from notifier.app import create_app
from notifier.db.migrate import migrate
from notifier.http.auth import ROLES
from notifier.logs import RUNNER_OPTIONS, configure_logging
from notifier.settings import ConfigError, load_settings
from schemas import TOPICS


def _serve() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    web.run_app(
        create_app(settings), host=settings.http_host, port=settings.http_port, **RUNNER_OPTIONS
    )


def _migrate() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)

    async def run() -> list[str]:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return await migrate(conn)
        finally:
            await conn.close()

    applied = asyncio.run(run())
    print("applied: " + (", ".join(applied) if applied else "nothing, already up to date"))


def _mint_token(args: argparse.Namespace) -> None:
    from notifier.http.auth import mint_token

    settings = load_settings()
    print(mint_token(settings, args.sub, args.role, school_id=args.school_id, ttl_seconds=args.ttl))


def _redrive(args: argparse.Namespace) -> None:
    from notifier.redrive import redrive

    settings = load_settings()
    configure_logging(settings.log_level)
    result = asyncio.run(redrive(settings, args.topic, limit=args.limit))
    print(f"re-drove {result.moved} message(s) from {result.topic}.dlq to {result.topic}")


def _digest(args: argparse.Namespace) -> None:
    from notifier.digest.cli import describe, rerun

    settings = load_settings()
    configure_logging(settings.log_level)
    print(describe(asyncio.run(rerun(settings, args.school, args.week))))


def _dev() -> None:
    from notifier.demo.run import run_dev

    run_dev()


COMMANDS = {
    "serve": (_serve, "run the service (configuration from the environment)"),
    "migrate": (_migrate, "apply database migrations and exit"),
    "dev": (_dev, "embedded PostgreSQL + Kafka, the service and a demo school (make run)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifier", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text)
    mint = sub.add_parser("mint-token", help="a dev/test JWT signed with JWT_HS256_SECRET")
    mint.add_argument("--sub", required=True, help="parent id or staff id")
    mint.add_argument("--role", required=True, choices=sorted(ROLES))
    mint.add_argument("--school-id", default=None)
    mint.add_argument("--ttl", type=int, default=3600, help="seconds")
    again = sub.add_parser("redrive", help="move dead-lettered messages back to their topic")
    again.add_argument("--topic", required=True, choices=sorted(TOPICS), help="original topic")
    again.add_argument("--limit", type=int, default=None, help="at most this many")
    digest = sub.add_parser("digest", help="send (or finish sending) a school's weekly digest")
    digest.add_argument("--school", required=True, help="school id")
    digest.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "mint-token":
            _mint_token(args)
        elif args.command == "redrive":
            _redrive(args)
        elif args.command == "digest":
            _digest(args)
        else:
            COMMANDS[args.command][0]()
    except ConfigError as exc:
        logging.getLogger("notifier").error("%s", exc)
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
