"""What one API process holds: wired adapters, the clock, settings and metrics."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from kpo.bootstrap import SEMANTIC_UNAVAILABLE, App, calendar_for, embedder
from kpo.domain.access import Actor
from kpo.entrypoints.api.metrics import Metrics, Snapshot
from kpo.knowledge.vectors import Embedder
from kpo.services.api_keys import authenticate
from kpo.services.idempotency import end_request_leases
from kpo.services.item_suggestions import KnowledgeBases
from kpo.services.live_routing import LiveRouting
from kpo.services.ports import UnitOfWork, WebhookTransport
from kpo.services.reports import queue_report, sla_report
from kpo.services.sla_status import Clock
from kpo.services.webhooks import release_claims

__all__ = ["KEY_CACHE_SECONDS", "ApiSettings", "Runtime"]

KEY_CACHE_SECONDS = 5.0
log = logging.getLogger("kpo.api")


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """``background`` runs the timers and the webhook sender in this process (off in tests
    that drive them by hand); ``tick_seconds`` is how often they look for due work."""

    max_body_bytes: int = 1 << 20
    background: bool = True
    tick_seconds: float = 0.25
    metrics_refresh_seconds: float = 15.0


class Runtime:
    def __init__(
        self,
        app: App,
        *,
        settings: ApiSettings,
        clock: Clock | None = None,
        transport: WebhookTransport | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.clock: Clock = clock or app.clock
        self.transport: WebhookTransport = transport or app.webhook_transport()
        self.calendar_for = calendar_for
        self._keys: dict[bytes, tuple[Actor, float]] = {}
        self._keys_lock = threading.Lock()
        self.metrics = Metrics(self._snapshot, refresh=settings.metrics_refresh_seconds)
        self.routing: LiveRouting = app.live_routing(
            clock=self.clock, on_decisions=self.metrics.routing_decisions.inc
        )
        self.knowledge = KnowledgeBases(app.uow, embedder=self._embedder)

    @staticmethod
    def _embedder() -> Embedder | None:
        model = embedder()
        if model is None:
            log.warning(SEMANTIC_UNAVAILABLE)  # once: the knowledge bases ask once
        return model

    @property
    def semantic_notice(self) -> str | None:
        """Why suggestions are lexical only, if they are."""
        return SEMANTIC_UNAVAILABLE if self.knowledge.embedder is None else None

    @property
    def sole_process(self) -> bool:
        """SQLite: this process alone serves its database file (one sender, one router)."""
        return self.app.engine.dialect.name == "sqlite"

    def started(self) -> None:
        """At start-up: on SQLite, whatever a dead predecessor held is released at once
        (webhook claims, unfinished idempotent requests)."""
        if self.sole_process:
            release_claims(self.uow())
            end_request_leases(self.uow(), clock=self.clock)

    def cached_actor(self, key: str) -> Actor | None:
        """The actor of a key authenticated less than ``KEY_CACHE_SECONDS`` ago (no I/O)."""
        digest = hashlib.sha256(key.encode()).digest()
        with self._keys_lock:
            cached = self._keys.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        return None

    def authenticate(self, key: str) -> Actor:
        """The actor of an API key; answers are kept ``KEY_CACHE_SECONDS`` (so a revoked key
        stops working within that time) to spare a query per request."""
        cached = self.cached_actor(key)
        if cached is not None:
            return cached
        digest = hashlib.sha256(key.encode()).digest()
        now = time.monotonic()
        actor = authenticate(self.uow(), key)
        with self._keys_lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (actor, now + KEY_CACHE_SECONDS)
        return actor

    def uow(self) -> UnitOfWork:
        return self.app.uow()

    def _snapshot(self) -> Snapshot:
        operator = Actor.operator()
        queues = queue_report(self.uow(), operator)
        sla = sla_report(self.uow(), operator, clock=self.clock, calendar_for=self.calendar_for)
        with self.uow() as uow:
            pending = uow.webhooks.pending_count()
        return Snapshot(queues, sla, pending)
