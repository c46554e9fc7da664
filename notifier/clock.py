"""Time comes from an injected clock, so tests move time instead of sleeping.

The one clock is gateways/clock.py (the adapters take it too); the service names it here."""

from __future__ import annotations

from gateways.clock import Clock, SystemClock

__all__ = ["Clock", "SystemClock"]
