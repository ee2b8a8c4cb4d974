"""Work the server does outside requests: the routing engine's timers (offer timeouts,
policy steps, SLA timers, shift starts), webhook deliveries and, on SQLite, the WAL
checkpoint. One thread per process; never inside a request."""

from __future__ import annotations

import logging
import threading

from kpo.entrypoints.api.runtime import Runtime
from kpo.services.webhooks import deliver_due

__all__ = ["FINISH_AFTER_FRAMES", "BackgroundWorker"]

log = logging.getLogger("kpo.api")

FINISH_AFTER_FRAMES = 1000
"""WAL pages (SQLite's own auto-checkpoint size) past which a checkpoint that writers kept from
finishing is finished with routed writes held."""


class BackgroundWorker:
    """Ticks every ``runtime.settings.tick_seconds`` until stopped. On SQLite it is the single
    sender; on PostgreSQL several processes may run one each (rows are claimed with
    ``FOR UPDATE SKIP LOCKED``)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One round of due work: shift starts, the routing engine's timers (offer timeouts,
        policy steps, SLA at risk and breached), webhook deliveries, then the WAL checkpoint
        (SQLite); returns how many deliveries were attempted."""
        attempted = 0
        try:
            self._runtime.routing.tick()
            while True:
                done = deliver_due(
                    self._runtime.uow(), self._runtime.transport, clock=self._runtime.clock
                )
                self._runtime.metrics.webhook_attempts.inc(done)
                attempted += done
                if done == 0 or self._stop.is_set():
                    return attempted
        finally:
            self.checkpoint()  # even when the round failed: the WAL must not grow unchecked

    def checkpoint(self) -> None:
        """Copy SQLite's WAL into the database file here rather than inside a request's commit
        (a server's engine has auto-checkpoints off: :func:`kpo.bootstrap.connect`)."""
        app = self._runtime.app
        done = app.checkpoint_wal()
        if done is not None and done.copied < done.frames and done.frames > FINISH_AFTER_FRAMES:
            # Under a steady stream of submits new frames arrive while the log is copied, so
            # it is never all copied and SQLite never starts it over: it would grow until the
            # TRUNCATE fallback. Copy the few frames written meanwhile with routed writes held.
            with self._runtime.routing.paused():
                done = app.checkpoint_wal()
        if done is not None and done.truncated:
            log.warning(
                "the SQLite WAL had grown to %d pages (%d copied by a passive checkpoint); "
                "truncated it, waiting for the writers",
                done.frames,
                done.copied,
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the worker alive; the next tick retries
                log.exception("background worker round failed")
            self._stop.wait(self._runtime.settings.tick_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="kpo-background", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
