"""Prometheus metrics for ``/metrics``: the health check's figures, and delivery failures.

Needs prometheus-client (the ``metrics`` extra); ``bot.health`` serves them when it imports.
Each scrape builds its figures from one fresh health check, in a registry of its own, so no
global state is shared between applications (tests run several). Labels: the notice kind
only, an enum word; never a name, a text or a chat title.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.domain import NoticeKind

if TYPE_CHECKING:
    from bot.health import Health

PREFIX = "constellation_bot"


class _Snapshot(Collector):
    def __init__(self, health: Health) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        health = self._health
        yield _gauge("up", "1 when /healthz answers 200", not health.problems)
        yield _gauge("database_up", "1 when the database answers", health.database_problem is None)
        if health.telegram_last_contact is not None:
            yield _gauge(
                "telegram_last_contact_timestamp_seconds",
                "when Telegram last answered a call (Unix time)",
                health.telegram_last_contact.timestamp(),
            )
        if health.backlog is not None:
            yield _gauge("outbox_waiting", "notices waiting to be sent", health.backlog.waiting)
            yield _gauge(
                "outbox_held",
                "waiting notices held for a group the bot was removed from",
                health.backlog.held,
            )
            yield _gauge(
                "outbox_oldest_waiting_seconds",
                "how long the oldest waiting notice (not held) has waited; 0 when none",
                health.oldest_waiting or 0.0,
            )
        failures = CounterMetricFamily(
            f"{PREFIX}_delivery_failures",
            "notices given up on since start, per notice kind",
            labels=["kind"],
        )
        for kind in NoticeKind:  # every kind from the start, so a rate() sees the first one
            failures.add_metric([kind.value], health.failures.get(kind.value, 0))
        yield failures


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=float(value))


def exposition(health: Health) -> tuple[bytes, str]:
    """The text Prometheus scrapes, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(health))
    return generate_latest(registry), CONTENT_TYPE_LATEST
