"""How an HTTP provider's transport failures map onto the SmsProvider contract.

The line that matters is whether the request may have reached the provider: a refused or
unresolvable connection certainly did not (temporary), a timeout or a connection dropped
after the request was written may have (in doubt).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from gateways.sms.base import GatewayError, SmsInDoubt, SmsTemporaryFailure

RETRY_LATER = frozenset({429, 503})  # the provider said "not now": it has nothing


@asynccontextmanager
async def transport_errors(provider: str, doing: str) -> AsyncIterator[None]:
    try:
        yield
    except GatewayError:
        raise
    except aiohttp.ClientConnectorError as exc:
        raise SmsTemporaryFailure(f"{doing}: cannot connect: {exc}", provider=provider) from exc
    except (TimeoutError, asyncio.TimeoutError) as exc:  # noqa: UP041 - aiohttp raises either
        raise SmsInDoubt(f"{doing}: no answer in time", provider=provider) from exc
    except (aiohttp.ClientError, ValueError) as exc:
        raise SmsInDoubt(f"{doing}: {type(exc).__name__}: {exc}", provider=provider) from exc


def http_status_error(status: int, body: str, provider: str, doing: str) -> GatewayError:
    """A non-2xx answer: "retry later" statuses are temporary, anything else is in doubt
    (a 500 from a proxy may come after the provider took the message)."""
    message = f"{doing}: HTTP {status}"
    if status in RETRY_LATER or status in (401, 403):
        return SmsTemporaryFailure(message, provider=provider, status=str(status), response=body)
    return SmsInDoubt(message, provider=provider, status=str(status), response=body)


class LazySession:
    """An HTTP provider's client session, opened on first use (never at import or
    construction) and closed with the provider."""

    def __init__(self, timeout: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
