"""What every embedded server shares: `with server:` starts it and always stops it."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self


class Server:
    """Subclasses implement start() and stop(); stop() must be safe when not running."""

    def start(self) -> Any:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
