"""Prometheus metrics of one server process, in a registry of its own.

Request counts and latencies are recorded by the middleware; routing decisions by the routing
worker; queue lengths, SLA standing and pending webhook deliveries are read from the database
when scraped (at most every ``refresh`` seconds).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kpo.services.reports import LineQueue, LineSla

__all__ = ["Metrics", "Snapshot"]

log = logging.getLogger("kpo.api")


class Snapshot:
    """What the collector reports about the stored work."""

    def __init__(
        self, queues: list[LineQueue], sla: list[LineSla], pending_deliveries: int
    ) -> None:
        self.queues = queues
        self.sla = sla
        self.pending_deliveries = pending_deliveries


class _StoredWork(Collector):
    def __init__(self, read: Callable[[], Snapshot], refresh: float) -> None:
        self._read = read
        self._refresh = refresh
        self._lock = threading.Lock()
        self._cached: Snapshot | None = None
        self._read_at = 0.0

    def _snapshot(self) -> Snapshot | None:
        with self._lock:
            if self._cached is None or time.monotonic() - self._read_at > self._refresh:
                try:
                    self._cached = self._read()
                    self._read_at = time.monotonic()
                except Exception:  # a scrape must never fail the endpoint
                    log.exception("metrics: reading the stored work failed")
            return self._cached

    def describe(self) -> Iterator[Metric]:
        # Registration must not read the database; the families are named on scrape.
        return iter(())

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot()
        if snapshot is None:
            return
        queue = GaugeMetricFamily(
            "kpo_queue_length", "Work items per service line and state", labels=["line", "state"]
        )
        for line in snapshot.queues:
            for state in ("queued", "offered", "assigned", "in_progress", "waiting_on_client"):
                queue.add_metric([line.service_line_id, state], line.states.get(state, 0))
        yield queue
        at_risk = GaugeMetricFamily(
            "kpo_sla_at_risk", "Open items close to an SLA deadline", labels=["line"]
        )
        breached = GaugeMetricFamily(
            "kpo_sla_breached", "Open items past an SLA deadline", labels=["line"]
        )
        for sla in snapshot.sla:
            at_risk.add_metric([sla.service_line_id], sla.at_risk)
            breached.add_metric([sla.service_line_id], sla.breached)
        yield at_risk
        yield breached
        pending = GaugeMetricFamily(
            "kpo_webhook_deliveries_pending", "Webhook deliveries waiting to be sent"
        )
        pending.add_metric([], snapshot.pending_deliveries)
        yield pending


class Metrics:
    def __init__(self, read: Callable[[], Snapshot], *, refresh: float = 15.0) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "kpo_http_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kpo_http_request_duration_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.routing_decisions = Counter(
            "kpo_routing_decisions", "Routing decisions taken", registry=self.registry
        )
        self.webhook_attempts = Counter(
            "kpo_webhook_attempts", "Webhook delivery attempts", registry=self.registry
        )
        self.registry.register(_StoredWork(read, refresh))
