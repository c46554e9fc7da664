"""Typed application keys for the resources create_app opens and closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web
from aiokafka import AIOKafkaProducer

from gateways.sms import SmsProvider
from notifier.clock import Clock
from notifier.metrics import Metrics
from notifier.outbox.dispatcher import Dispatcher
from notifier.settings import Settings
from notifier.supervise import Supervisor

if TYPE_CHECKING:
    from notifier.http.auth import TokenVerifier
    from notifier.ops.offsets import BrokerOffsets

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
METRICS = web.AppKey("metrics", Metrics)
POOL = web.AppKey("pool", asyncpg.Pool)
PRODUCER = web.AppKey("producer", AIOKafkaProducer)
SMS_PROVIDER = web.AppKey("sms_provider", SmsProvider)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SUPERVISOR = web.AppKey("supervisor", Supervisor)
TOKEN_VERIFIER: web.AppKey[TokenVerifier] = web.AppKey("token_verifier")
OFFSETS: web.AppKey[BrokerOffsets] = web.AppKey("broker_offsets")  # the ops console, metrics
