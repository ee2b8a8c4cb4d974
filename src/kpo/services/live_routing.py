"""The routing engine of a server process, kept in step with storage.

One :class:`LiveRouting` per process owns the in-memory :class:`~kpo.routing.engine.Router`
(built from the database on first use, rebuilt when service lines change). Every change to an
open work item goes through it under one lock — submit, accept, reject, start, wait on the
client, resolve, cancel, status changes — and what the engine did (item states and
transitions, events, routing decisions) is stored in one transaction together with the
change itself. The server's background worker calls :meth:`LiveRouting.tick`, which starts
shifts as they begin and fires the engine's timers (offer timeouts, policy steps, SLA at risk
and breached).

If storing fails, the engine may be ahead of the database; it is then dropped and rebuilt
from the database on next use, so storage stays the truth.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from kpo.domain.calendars import BusinessCalendar, HolidayCalendar
from kpo.domain.clients import Coverage, ServiceLine
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import Router, RouterSettings
from kpo.routing.shifts import ShiftChange, current_shift_end, shift_changes
from kpo.services.ports import UnitOfWork
from kpo.services.routing import build_router, item_due
from kpo.services.sla_status import Clock

__all__ = ["LiveRouting", "Stored"]

T = TypeVar("T")
SHIFT_LOOKAHEAD = timedelta(hours=1)
MAINTAIN_EVERY = timedelta(minutes=5)
"""How often :meth:`LiveRouting.tick` compacts the engine's queues (drops stale entries)."""


@dataclass
class Stored:
    """What an action adds to the transaction beside the engine's output: ``added`` items
    are inserted (new), ``touched`` items saved even if the engine no longer holds them
    (resolved, cancelled)."""

    added: list[WorkItem] = field(default_factory=list)
    touched: list[WorkItem] = field(default_factory=list)
    extra: list[Callable[[UnitOfWork], None]] = field(default_factory=list)


class LiveRouting:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        clock: Clock,
        holidays_for: Callable[[str], HolidayCalendar],
        calendar_for: Callable[[Coverage], BusinessCalendar],
        settings: RouterSettings | None = None,
        on_decisions: Callable[[int], None] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._holidays_for = holidays_for
        self._calendar_for = calendar_for
        self.settings = settings or RouterSettings()
        self._on_decisions = on_decisions or (lambda _n: None)
        self._lock = threading.RLock()
        self._router: Router | None = None
        self._specialists: dict[str, Specialist] = {}
        self._countries: dict[str, str] = {}
        self._shifts: list[ShiftChange] = []
        self._horizon: datetime | None = None
        self._last: datetime | None = None
        self._maintained: datetime | None = None

    # -------------------------------------------------------------------- engine life

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No routed change (submit, offer, timer…) is made or stored while the body runs."""
        with self._lock:
            yield

    def invalidate(self) -> None:
        """Drop the engine; the next use rebuilds it from storage."""
        with self._lock:
            self._router = None

    def _now(self) -> datetime:
        # Time only moves forward for the engine, even when threads read the clock out of
        # order.
        now = self._clock.now()
        if self._last is not None and now < self._last:
            now = self._last
        self._last = now
        return now

    def due(self, item: WorkItem, line: ServiceLine, now: datetime) -> datetime | None:
        """When the item must be started (its first-response or resolution due instant)."""
        return item_due(item, line, self._calendar_for(line.coverage), now)

    def _ensure(self) -> Router:
        if self._router is None:
            now = self._now()
            router = build_router(
                self._uow(),
                now,
                self._holidays_for,
                calendar_for=self._calendar_for,
                settings=self.settings,
            )
            with self._uow() as uow:
                self._specialists = {s.id: s for s in uow.specialists.all()}
                self._countries = {v.id: v.country for v in uow.vendors.all()}
            self._router = router
            self._horizon = now
            self._shifts = []
            router.rebalance(now=now)
            with self._uow() as uow:
                self._store(router, Stored(), uow)
        return self._router

    # -------------------------------------------------------------------- actions

    def run(
        self,
        action: Callable[[Router, datetime, UnitOfWork], tuple[T, Stored]],
        *,
        uow: UnitOfWork | None = None,
    ) -> T:
        """Run ``action(router, now, uow)`` under the lock and store what it changed in the
        same transaction: ``uow`` is the caller's (so that its commit carries what it marks)
        or a fresh one, open while the action reads and checks."""
        with self._lock:
            router = self._ensure()
            now = self._now()
            target = uow or self._uow()
            with target:
                try:
                    result, stored = action(router, now, target)
                except Exception:
                    target.rollback()
                    self._store(router, Stored(), target)  # timers that fired before
                    raise
                self._store(router, stored, target)
            return result

    def _store(self, router: Router, stored: Stored, uow: UnitOfWork) -> None:
        """Write what the engine and the action changed into the open ``uow`` and commit."""
        events = router.drain_events()
        for item in (*stored.added, *stored.touched):
            # changes made on the item itself, after the engine's
            events.extend(item.take_events())
        decisions = router.drain_decisions()
        if not (events or decisions or stored.added or stored.touched or stored.extra):
            return  # nothing happened: no transaction
        known = {i.id: i for i in stored.touched}
        added = {i.id for i in stored.added}
        try:
            if stored.added:
                uow.work_items.add_many(stored.added)
            for item_id in dict.fromkeys(e.item_id for e in events):
                if item_id in added:
                    continue
                held = known.pop(item_id, None)
                changed = router.find(item_id) or held
                if changed is not None:
                    uow.work_items.save(changed)
            for rest in known.values():
                uow.work_items.save(rest)
            for extra in stored.extra:
                extra(uow)
            uow.events.append(events)
            uow.decisions.append(decisions)
            uow.commit()
        except BaseException:
            self._router = None  # the engine may be ahead of storage: rebuild it
            raise
        self._on_decisions(len(decisions))

    # -------------------------------------------------------------------- specialists

    def specialist_added(self, specialist: Specialist, country: str) -> None:
        """Index a new specialist; their shift starts now if it is running."""
        with self._lock:
            if self._router is None:
                return  # built from storage on first use
            self._specialists[specialist.id] = specialist
            self._countries[specialist.vendor_id] = country

            def add(router: Router, now: datetime, _uow: UnitOfWork) -> tuple[None, Stored]:
                router.add_specialist(specialist, now=now, country=country)
                self._on_shift_now(router, specialist, now)
                if self._horizon is not None:
                    later = shift_changes(
                        [specialist], lambda _s: self._holidays_for(country), now, self._horizon
                    )
                    self._shifts.extend(c for c in later if c.starts and c.at > now)
                    self._shifts.sort(reverse=True)
                return None, Stored()

            self.run(add)

    def status_changed(
        self, specialist: Specialist, *, uow: UnitOfWork, store: Callable[[UnitOfWork], None]
    ) -> None:
        """Apply a status change (break: offers go back; offline: all work goes back) and
        store it with what the engine did about it."""

        def change(router: Router, now: datetime, _uow: UnitOfWork) -> tuple[None, Stored]:
            self._specialists[specialist.id] = specialist
            router.set_status(specialist.id, specialist.status, now=now)
            if specialist.status is SpecialistStatus.AVAILABLE:
                self._on_shift_now(router, specialist, now)
            return None, Stored(extra=[store])

        with self._lock:
            self.run(change, uow=uow)

    def _on_shift_now(self, router: Router, specialist: Specialist, now: datetime) -> None:
        if specialist.status is not SpecialistStatus.AVAILABLE:
            return
        country = self._countries.get(specialist.vendor_id, "")
        ends = current_shift_end(specialist, self._holidays_for(country), now)
        if ends is not None:
            router.shift_started(specialist.id, now=now, ends=ends)

    # -------------------------------------------------------------------- background

    def tick(self) -> int:
        """Start shifts that began, fire due timers, offer what waits, and every
        :data:`MAINTAIN_EVERY` compact the queues; returns how many items were offered by
        the rebalancing."""

        def advance(router: Router, now: datetime, _uow: UnitOfWork) -> tuple[int, Stored]:
            if self._maintained is None or now - self._maintained >= MAINTAIN_EVERY:
                router.maintain()
                self._maintained = now
            started = self._start_shifts(router, now)
            router.advance(now)
            # New work is routed on arrival and freed capacity takes the next item by itself;
            # only newly started shifts need the waiting items offered to them.
            return (router.rebalance(now=now) if started else 0), Stored()

        return self.run(advance)

    def _start_shifts(self, router: Router, now: datetime) -> int:
        if self._horizon is None or now >= self._horizon:
            start = now if self._horizon is None else self._horizon
            end = now + SHIFT_LOOKAHEAD
            self._shifts = [
                c
                for c in shift_changes(
                    self._specialists.values(),
                    lambda s: self._holidays_for(self._countries.get(s.vendor_id, "")),
                    start,
                    end,
                )
                if c.starts and c.at > start  # shifts running at ``start`` were started
            ]
            self._shifts.reverse()  # pop the earliest from the end
            self._horizon = end
        started = 0
        while self._shifts and self._shifts[-1].at <= now:
            change = self._shifts.pop()
            specialist = self._specialists.get(change.specialist_id)
            if (
                change.ends > now
                and specialist is not None
                and specialist.status is SpecialistStatus.AVAILABLE
            ):
                router.shift_started(change.specialist_id, now=now, ends=change.ends)
                started += 1
        return started
