"""Command line: `python -m notifier {serve,migrate,dev}`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path

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


def _import(args: argparse.Namespace) -> None:
    from notifier.onboarding.cli import describe, import_file
    from notifier.onboarding.files import FileProblem

    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        outcome, rejects = asyncio.run(
            import_file(
                settings.database_url,
                args.kind,
                args.file,
                rejects=args.rejects,
                batch_size=args.batch_size,
            )
        )
    except (FileProblem, OSError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    print(describe(args.kind, outcome, rejects))


def _dev() -> None:
    from notifier.demo.run import run_dev

    run_dev()


COMMANDS: dict[str, tuple[Callable[..., None], str]] = {
    "serve": (_serve, "run the service (configuration from the environment)"),
    "migrate": (_migrate, "apply database migrations and exit"),
    "dev": (_dev, "embedded PostgreSQL + Kafka, the service and a demo school (make run)"),
    "import subscriptions": (_import, "load subscriptions from a CSV/JSON Lines file (resumable)"),
    "import balances": (_import, "load opening balances into wallets via the ledger (resumable)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifier", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        if " " not in name:
            sub.add_parser(name, help=help_text)
    _import_parser(sub)
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


def _import_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kinds = sub.add_parser("import", help="bulk onboarding: subscriptions or opening balances")
    of = kinds.add_subparsers(dest="kind", required=True)
    for name, (_, help_text) in COMMANDS.items():
        if name.startswith("import "):
            one = of.add_parser(name.removeprefix("import "), help=help_text)
            one.add_argument("file", type=Path, metavar="FILE", help="CSV with a header or .jsonl")
            one.add_argument("--rejects", type=Path, default=None,
                             help="reject file (default: FILE.rejects.csv)")  # fmt: skip
            one.add_argument("--batch-size", type=int, default=50_000, help="rows per batch")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "mint-token":
            _mint_token(args)
        elif args.command == "redrive":
            _redrive(args)
        elif args.command == "digest":
            _digest(args)
        elif args.command == "import":
            _import(args)
        else:
            COMMANDS[args.command][0]()
    except ConfigError as exc:
        logging.getLogger("notifier").error("%s", exc)
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
