"""The topics the service reads come from the schemas' registry, and each has a way out."""

from __future__ import annotations

from notifier.app import HANDLERS
from notifier.kafka import CONSUMED, topic_names
from notifier.settings import Settings
from schemas import NOTIFIER, TOPICS, dead_letter_topic


def test_the_service_consumes_every_topic_the_registry_names_it_for() -> None:
    assert set(CONSUMED) == {name for name, t in TOPICS.items() if NOTIFIER in t.consumers}
    assert CONSUMED  # the registry names this service somewhere


def test_every_consumed_topic_has_a_handler_and_every_handler_a_topic() -> None:
    assert sorted(HANDLERS) == sorted(CONSUMED)


def test_every_consumed_topic_has_a_dead_letter_topic() -> None:
    for name in CONSUMED:
        assert TOPICS[name].dead_letter == dead_letter_topic(name) != name


def test_the_subscription_carries_the_environment_prefix() -> None:
    s = Settings(database_url="postgresql://x/y", kafka_bootstrap_servers="k:9092",
                 kafka_topic_prefix="stage.")  # fmt: skip
    assert topic_names(s) == [f"stage.{name}" for name in CONSUMED]
