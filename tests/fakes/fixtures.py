"""The local provider peers as fixtures, one per test, started and stopped around it:
`pytest_plugins = ("tests.fakes.fixtures",)` in a test module that needs them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.mobizon import FakeMobizon
from tests.fakes.nikita import FakeNikita
from tests.fakes.smsc import FakeSmsc
from tests.fakes.smsc_peer import SmscPeer


@pytest.fixture
async def smsc() -> AsyncIterator[FakeSmsc]:
    fake = FakeSmsc()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def nikita() -> AsyncIterator[FakeNikita]:
    fake = FakeNikita()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def mobizon() -> AsyncIterator[FakeMobizon]:
    fake = FakeMobizon()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def smsc_peer() -> AsyncIterator[SmscPeer]:
    peer = SmscPeer()
    await peer.start()
    yield peer
    await peer.stop()
