"""The crash tier: the real service as child processes, killed and starved while a homework
stream runs; see tests/crash/harness.py. `make test-crash` runs it alone."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from notifier.settings import Settings
from tests.crash import figures
from tests.crash.harness import Storm


@pytest.fixture
async def storm(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Storm]:
    # One seed per test name: a failure replays with the same kill moments and data.
    running = Storm(settings, tmp_path / "logs", random.Random(request.node.name))
    yield running
    for service in running.services:
        service.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if figures.LINES:
        terminalreporter.section("crash figures")
        for line in figures.LINES:
            terminalreporter.write_line(line)
