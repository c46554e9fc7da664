"""Ops re-drive: a link dead-lettered because its pupil never came within the roster wait is
applied once the pupil exists and the dead-letter topic is re-driven."""

from __future__ import annotations

import pytest

from notifier.redrive import redrive
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.support import parent_linked, pupil_enrolled, wait_for

pytestmark = pytest.mark.kafka


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"roster_wait_seconds": 1})


async def test_a_redriven_link_is_applied_after_its_pupil_arrives(service: Service) -> None:
    await service.publish("diary.roster", "late", parent_linked("par-late", "late"))

    async def dead_lettered() -> bool:
        metrics = await (await service.client.get("/metrics")).text()
        return 'outcome="dead_lettered"' in metrics

    assert await wait_for(dead_lettered, 20)
    await service.publish("diary.roster", "late", pupil_enrolled("late"))

    result = await redrive(service.settings, "diary.roster")

    assert result.moved == 1
    await service.wait_linked("par-late", "late")
    again = await redrive(service.settings, "diary.roster")
    assert again.moved == 0  # nothing is moved twice
