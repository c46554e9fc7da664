"""Providers come into being only with their settings; routes must name configured ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateways.sms.registry import build_providers, build_routed
from gateways.sms.routing import InvalidRoutes
from notifier.outbox.providers import sms_config
from notifier.settings import Settings
from tests.support import MovableClock


def settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(database_url="postgresql://x/y", kafka_bootstrap_servers="k:9092",
                    sms_dev_outbox=tmp_path / "sms.jsonl", **extra)  # fmt: skip


def test_without_credentials_only_the_dev_provider_exists(tmp_path: Path) -> None:
    assert list(build_providers(sms_config(settings(tmp_path)))) == ["dev"]


async def test_each_provider_appears_with_its_settings_and_routes_use_them(
    tmp_path: Path,
) -> None:
    s = settings(
        tmp_path, smpp_host="smsc.example", smpp_system_id="school", smpp_password="pw",
        mobizon_api_key="k" * 40, nikita_login="school", nikita_password="pw",
        sms_routes={"+77": ["smpp", "mobizon"], "+996": ["nikita"], "*": ["dev"]},
        sms_rate_limits={"smpp": 50}, sms_max_in_flight={"mobizon": 2},
    )  # fmt: skip
    clock = MovableClock()
    providers = build_providers(sms_config(s), clock=clock)
    assert sorted(providers) == ["dev", "mobizon", "nikita", "smpp"]
    routed = build_routed(sms_config(s), providers, clock=clock)
    assert routed.lanes["smpp"].bucket is not None
    assert routed.lanes["mobizon"].bucket is None
    await routed.close()


def test_a_route_to_an_unconfigured_provider_stops_start_up(tmp_path: Path) -> None:
    s = settings(tmp_path, sms_routes={"+77": ["mobizon"]})
    with pytest.raises(InvalidRoutes, match="mobizon not configured"):
        build_routed(sms_config(s), build_providers(sms_config(s), clock=MovableClock()),
                     clock=MovableClock())  # fmt: skip


def test_secrets_have_no_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert (s.smpp_password, s.mobizon_api_key, s.nikita_password) == (None, None, None)
    assert s.mobizon_webhook_secret is None
