"""Command line: `notifier <command>`; `make install` puts `notifier` in `.venv/bin`.

Run beside `make run` in the same folder, the commands find its servers and secrets by
themselves (`notifier.cli.devrun`). An error the user can act on ends with one line on stderr
and a non-zero exit (`notifier.cli.errors`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import asyncpg
from aiohttp import web

from notifier.app import create_app
from notifier.cli import devrun
from notifier.cli.errors import CommandError, explain, reaching
from notifier.cli.listen import listen
from notifier.db.migrate import migrate
from notifier.digest.schedule import week_monday
from notifier.http.auth import ROLES
from notifier.logs import RUNNER_OPTIONS, configure_logging
from notifier.settings import Settings, load_settings
from schemas import TOPICS


def _serve(args: argparse.Namespace) -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    sock = listen(settings.http_host, settings.http_port)  # a busy port: before anything starts
    app = create_app(settings)
    _collect_garbage_less_often()
    web.run_app(app, sock=sock, **RUNNER_OPTIONS)


def _collect_garbage_less_often() -> None:
    """Python's cycle collector runs after every 700 new container objects, and now and then
    walks every object alive. A digest batch builds hundreds of thousands (each pupil's
    grades and subjects) and drops them together, without cycles: the collector took a third
    of loading a batch's weeks. It now runs after 50,000, and what start-up built (modules,
    the app) is left out of its walks. Cycles are still collected: a few MB later."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _beside_dev_run() -> Settings:
    """The environment's settings; what it leaves unset, from a `make run` in this folder."""
    return devrun.load_beside(load_settings, Settings.model_fields)


def _migrate(args: argparse.Namespace) -> None:
    settings = _beside_dev_run()
    configure_logging(settings.log_level)

    async def run() -> list[str]:
        with reaching("PostgreSQL", "DATABASE_URL"):
            conn = await asyncpg.connect(settings.database_url)
        try:
            return await migrate(conn)
        finally:
            await conn.close()

    applied = asyncio.run(run())
    print("applied: " + (", ".join(applied) if applied else "nothing, already up to date"))


def _mint_token(args: argparse.Namespace) -> None:
    from notifier.cli.token import load_token_settings
    from notifier.http.auth import mint_token

    settings = load_token_settings()
    print(mint_token(settings, args.sub, args.role, school_id=args.school_id, ttl_seconds=args.ttl))


def _redrive(args: argparse.Namespace) -> None:
    from notifier.redrive import redrive

    settings = _beside_dev_run()
    configure_logging(settings.log_level)
    with reaching("Kafka", "KAFKA_BOOTSTRAP_SERVERS"):
        result = asyncio.run(redrive(settings, args.topic, limit=args.limit))
    print(f"re-drove {result.moved} message(s) from {result.topic}.dlq to {result.topic}")


def _digest(args: argparse.Namespace) -> None:
    from notifier.digest.cli import describe, rerun

    week_monday(args.week)  # a malformed week is refused before anything is reached
    settings = _beside_dev_run()
    configure_logging(settings.log_level)
    with reaching("PostgreSQL", "DATABASE_URL"):
        print(describe(asyncio.run(rerun(settings, args.school, args.week))))


def _import(args: argparse.Namespace) -> None:
    from notifier.onboarding.cli import describe, import_file
    from notifier.onboarding.files import FileProblem

    settings = _beside_dev_run()
    configure_logging(settings.log_level)
    try:
        with reaching("PostgreSQL", "DATABASE_URL"):
            work = import_file(
                settings.database_url, args.kind, args.file,
                rejects=args.rejects, batch_size=args.batch_size,
            )  # fmt: skip
            outcome, rejects = asyncio.run(work)
    except FileProblem as exc:  # a header or file the import cannot read: nothing written
        print(f"notifier import {args.kind}: {exc}", file=sys.stderr)
        sys.exit(2)
    print(describe(args.kind, outcome, rejects))


def _archive(args: argparse.Namespace) -> None:
    from notifier.retention.cli import archive, describe, parse_month

    before = parse_month(args.before)  # a malformed month is refused before anything is reached
    settings = _beside_dev_run()
    configure_logging(settings.log_level)
    with reaching("PostgreSQL", "DATABASE_URL"):
        done = asyncio.run(archive(settings, before, args.dir))
    print(describe(done, before))


def _dev(args: argparse.Namespace) -> None:
    from notifier.demo.run import run_dev

    run_dev()


# What curl needs. Not the servers' URLs: exported, a later `make run` in the same shell
# would take them for external servers (it honours DATABASE_URL) and find them gone.
DEV_ENV = ("PUBLIC_BASE_URL", "INTERNAL_API_TOKEN", "JWT_HS256_SECRET")


def _dev_env(args: argparse.Namespace) -> None:
    published = devrun.running()
    if not published:
        raise CommandError("no `make run` is running in this folder (.devdata/run.json)")
    for name in DEV_ENV:
        print(f"export {name}={shlex.quote(published[name])}")


def _token_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sub", required=True, help="parent id or staff id")
    parser.add_argument("--role", required=True, choices=sorted(ROLES))
    parser.add_argument("--school-id", default=None, help="for school_admin")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds")


def _redrive_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", required=True, choices=sorted(TOPICS), help="original topic")
    parser.add_argument("--limit", type=int, default=None, help="at most this many")


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["subscriptions", "balances"], help="what FILE holds")
    parser.add_argument("file", type=Path, metavar="FILE", help="CSV with a header or .jsonl")
    parser.add_argument("--rejects", type=Path, default=None,
                        help="reject file (default: FILE.rejects.csv)")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=50_000, help="rows per batch")


def _digest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--school", required=True, help="school id")
    parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48")


def _archive_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["outbox"], help="what to archive")
    parser.add_argument("--before", required=True, help="archive the months before this, YYYY-MM")
    parser.add_argument("--dir", type=Path, default=Path("archive"),
                        help="where the files go (default: ./archive)")  # fmt: skip


class Command(NamedTuple):
    run: Callable[[argparse.Namespace], None]
    help: str  # one line in `notifier --help`
    options: Callable[[argparse.ArgumentParser], None] | None = None


COMMANDS = {
    "serve": Command(_serve, "run the service (configuration from the environment)"),
    "migrate": Command(_migrate, "apply database migrations and exit"),
    "dev": Command(_dev, "what `make run` runs: embedded servers, service, demo"),
    "dev-env": Command(_dev_env, "print the running `make run`'s address and tokens as exports"),
    "mint-token": Command(_mint_token, "print a JWT signed with JWT_HS256_SECRET", _token_options),
    "redrive": Command(_redrive, "move dead letters back to their topic", _redrive_options),
    "digest": Command(_digest, "send or finish a school's weekly digest", _digest_options),
    "archive": Command(
        _archive, "export old outbox months to files and drop them (resumable)", _archive_options
    ),
    "import": Command(
        _import, "load subscriptions or opening balances from a file (resumable)", _import_options
    ),
}


def _parser() -> argparse.ArgumentParser:
    width = max(map(len, COMMANDS)) + 2
    listing = "\n".join(f"  {name:<{width}}{c.help}" for name, c in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="notifier",
        usage="%(prog)s [-h] <command> [options]",
        description="Notifications and prepaid SMS billing for school e-diaries.",
        epilog=f"commands:\n{listing}\n\n`notifier <command> --help` shows its options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the listing: one line each
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    sub.help = argparse.SUPPRESS  # listed above, one line each, in the table's order
    for name, command in COMMANDS.items():
        options = sub.add_parser(name, description=command.help)
        if command.options is not None:
            command.options(options)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        COMMANDS[args.command].run(args)
    except BaseException as exc:  # the one boundary: known errors become one line, bugs stay
        known = explain(exc, f"notifier {args.command}")
        if known is None:
            raise
        message, status = known
        print(message, file=sys.stderr)
        sys.exit(status)


if __name__ == "__main__":
    main()
