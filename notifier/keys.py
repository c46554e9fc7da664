"""Typed application keys for the resources create_app opens and closes.

A resource owned by an edge keeps its key next to its class (`http.auth.TOKEN_VERIFIER`,
`ops.offsets.OFFSETS`): this module imports nothing above the core."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from aiokafka import AIOKafkaProducer

from gateways.sms import SmsProvider
from notifier.clock import Clock
from notifier.metrics import Metrics
from notifier.outbox.dispatcher import Dispatcher
from notifier.settings import Settings
from notifier.supervise import Supervisor

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
METRICS = web.AppKey("metrics", Metrics)
POOL = web.AppKey("pool", asyncpg.Pool)
PRODUCER = web.AppKey("producer", AIOKafkaProducer)
SMS_PROVIDER = web.AppKey("sms_provider", SmsProvider)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SUPERVISOR = web.AppKey("supervisor", Supervisor)
