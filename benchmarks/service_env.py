"""The environment every benchmark starts the service (`notifier serve`) with: its own database,
broker, topic prefix and consumer group, the dev provider writing to the run's folder, quiet
logs. Each benchmark adds what its scenario needs."""

from __future__ import annotations

from pathlib import Path


def service_env(database_url: str, bootstrap: str, prefix: str, work: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "KAFKA_GROUP_ID": f"bench-{prefix}",
        "SMS_DEV_OUTBOX": str(work / "sms.jsonl"),
        "LOG_LEVEL": "WARNING",
    }
