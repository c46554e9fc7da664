"""What `make run` leaves for the commands run beside it.

While it runs, `make run` keeps `.devdata/run.json` (mode 0600: it holds secrets) with its
embedded servers' URLs, its generated secrets and its own URL, as environment variable names
and values, and removes it when it stops. `notifier migrate`, `digest`, `redrive`,
`mint-token` and `dev-env` started in the same folder take a setting from it only when the
environment leaves that variable unset; `serve` never reads it. A file left behind by a run
that died is ignored (its process is gone).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from notifier.settings import ConfigError

STATE = Path(".devdata/run.json")
T = TypeVar("T")


def publish(values: Mapping[str, str], path: Path = STATE) -> None:
    """Write this process's run state, readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"pid": os.getpid(), "environment": dict(values)}, out, indent=1)
    path.with_suffix(".tmp").replace(path)


def withdraw(path: Path = STATE) -> None:
    """Remove the run state, if it is this process's."""
    with contextlib.suppress(FileNotFoundError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def running(path: Path = STATE) -> dict[str, str]:
    """The variables a live `make run` in this folder published; empty when none runs."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not _alive(state.get("pid")):
        return {}
    return {str(k): str(v) for k, v in state.get("environment", {}).items()}


def fill_unset(
    fields: Iterable[str], path: Path = STATE, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """Settings (field name -> value) a live `make run` supplies for the given fields whose
    variable the environment leaves unset or empty."""
    published = running(path)
    return {
        name: published[name.upper()]
        for name in fields
        if name.upper() in published and not environ.get(name.upper())
    }


def load_beside(load: Callable[..., T], fields: Iterable[str]) -> T:
    """`load(**settings)` with what a running `make run` supplies for unset variables; when
    one is still missing and no `make run` runs here, the message says where to get it."""
    try:
        return load(**fill_unset(fields))
    except ConfigError as exc:
        if running():
            raise
        raise ConfigError(f"{exc}\n  (or start `make run` in this folder)") from exc


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True
