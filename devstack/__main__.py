"""Run the embedded stack (PostgreSQL + a Kafka broker) in the foreground until Ctrl-C.

Prints ``export DATABASE_URL=...`` and ``export KAFKA_BOOTSTRAP_SERVERS=...``: paste them
into another shell to point psql, the service or the tests at the running servers.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from devstack.errors import InfraError
from devstack.stack import DATABASE_URL_ENV, KAFKA_BOOTSTRAP_ENV, EmbeddedStack


def main(argv: list[str] | None = None) -> int:
    """Start the stack, print its settings as shell exports, wait for Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(".devdata"), help="default: %(default)s"
    )
    parser.add_argument("--kafka", choices=["tansu", "apache"], default="tansu")
    parser.add_argument(
        "--fast", action="store_true", help="PostgreSQL without fsync (throw-away data only)"
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        with EmbeddedStack(args.data_dir, args.kafka, fast=args.fast) as stack:
            print(f"export {DATABASE_URL_ENV}={shlex.quote(stack.database_url)}")
            print(f"export {KAFKA_BOOTSTRAP_ENV}={shlex.quote(stack.kafka_bootstrap)}")
            sys.stdout.flush()
            print("# devstack is running; Ctrl-C stops it.", file=sys.stderr, flush=True)
            # A timed wait keeps the main thread responsive to signals.
            while not stop.wait(1.0):
                pass
    except InfraError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    print("# devstack stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
