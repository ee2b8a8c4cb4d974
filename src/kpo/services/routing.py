"""Use cases of the routing engine: rebuild it from storage, route what waits, explain.

The router is in memory and owned by one process per routing domain (docs/routing.md); it is
rebuilt from the database at start (:func:`build_router`), and every batch of routing work is
written back in one transaction (:func:`route_queued`): item states and transitions, the
events, and the decisions that ``kpo explain`` prints.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from kpo.domain.calendars import BusinessCalendar, HolidayCalendar
from kpo.domain.clients import Coverage, ServiceLine
from kpo.domain.due_memo import DueMemo
from kpo.domain.errors import NotFound
from kpo.domain.item_sla import sla_status
from kpo.domain.specialists import SpecialistStatus
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import LineSetup, Router, RouterSettings
from kpo.routing.explain import Decision
from kpo.routing.policies import DEFAULT_POLICY, RoutingPolicy
from kpo.routing.policy_documents import parse_policy
from kpo.routing.shifts import current_shift_end
from kpo.services.ports import UnitOfWork

__all__ = [
    "RoutingResult",
    "build_router",
    "default_policy_for",
    "explain_item",
    "item_due",
    "route_queued",
]


def default_policy_for(line: ServiceLine) -> RoutingPolicy:
    """The line's stored policy document (``kpo policy set``), or the default policy (one
    ``cost_sla`` step) for lines without one."""
    if line.routing_policy is None:
        return DEFAULT_POLICY
    return parse_policy(line.routing_policy)


def item_due(
    item: WorkItem, line: ServiceLine, calendar: BusinessCalendar, now: datetime
) -> datetime | None:
    """When the item must be started: its first-response due, else its resolution due."""
    clocks = {c.target_name: c for c in sla_status(item, line.sla, calendar, now=now)}
    clock = clocks.get("first_response") or clocks.get("resolution")
    return None if clock is None else clock.due


def build_router(
    uow: UnitOfWork,
    now: datetime,
    holidays_for: Callable[[str], HolidayCalendar],
    *,
    calendar_for: Callable[[Coverage], BusinessCalendar],
    policy_for: Callable[[ServiceLine], RoutingPolicy] = default_policy_for,
    settings: RouterSettings | None = None,
) -> Router:
    """A router holding every service line, specialist and open item in storage, with the
    on-shift flags as of ``now`` (working hours in each specialist's zone, holidays of their
    vendor's country). Queued items wait; call :func:`route_queued` to route them.

    Open items are streamed from storage oldest first, and their due instants come from one
    :class:`DueMemo` per service line (the calendar's own answer, mostly without asking it)."""
    with uow, _collector_paused():
        lines = uow.service_lines.all()
        countries = {v.id: v.country for v in uow.vendors.all()}
        specialists = uow.specialists.all()
        calendars = {line.id: calendar_for(line.coverage) for line in lines}
        router = Router(
            [LineSetup(line, policy_for(line), calendars[line.id]) for line in lines],
            now=now,
            settings=settings,
        )
        shift_left_memo: dict[Hashable, timedelta] = {}  # once per (zone, hours, country)
        for specialist in specialists:
            country = countries[specialist.vendor_id]
            router.add_specialist(specialist, now=now, country=country)
            if specialist.status is not SpecialistStatus.AVAILABLE:
                continue
            holidays = holidays_for(country)
            ends = current_shift_end(
                specialist, holidays, now, memo=shift_left_memo, memo_key=country
            )
            if ends is not None:
                router.shift_started(specialist.id, now=now, ends=ends)
        del specialists
        dues = _Dues(lines, calendars, now)
        router.restore(
            ((i, dues.of(i)) for i in uow.work_items.open_items()),
            now=now,
            refused=uow.events.refused_offers(),
        )
    return router


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a million long-lived objects are made: each full
    collection would walk all of them again, for nothing (a bulk load makes next to no cycles). The
    collector's state is restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Dues:
    """:func:`item_due` of each item, through a :class:`DueMemo` per line where the due
    instant is ``add_business_time(created_at, target)``: the first-response target (never
    paused), or the resolution target of an item that never waited on the client."""

    def __init__(
        self, lines: list[ServiceLine], calendars: dict[str, BusinessCalendar], now: datetime
    ) -> None:
        self._now = now
        self._lines = {line.id: line for line in lines}
        self._calendars = calendars
        self._memos: dict[str, DueMemo] = {}
        for line in lines:
            target = line.sla.first_response or line.sla.resolution
            if target is not None:
                self._memos[line.id] = DueMemo(calendars[line.id], target)

    def of(self, item: WorkItem) -> datetime | None:
        line_id = item.service_line_id
        line = self._lines[line_id]
        memo = self._memos.get(line_id)
        if memo is not None and (line.sla.first_response is not None or not item.waiting_spans()):
            return memo.due(item.created_at)
        return item_due(item, line, self._calendars[line_id], self._now)


@dataclass(frozen=True, slots=True)
class RoutingResult:
    offered: int
    queued: int
    decisions: int


def route_queued(uow: UnitOfWork, router: Router, now: datetime) -> RoutingResult:
    """Fire what fell due, offer waiting items to free specialists, and store the changed
    items, the events and the decisions in one transaction."""
    router.advance(now)
    offered = router.rebalance(now=now)
    events = router.drain_events()
    decisions = router.drain_decisions()
    with uow:
        for item_id in dict.fromkeys(e.item_id for e in events):
            item = router.find(item_id)
            if item is not None:
                uow.work_items.save(item)
        uow.events.append(events)
        uow.decisions.append(decisions)
        uow.commit()
    return RoutingResult(offered, router.queued(), len(decisions))


def explain_item(uow: UnitOfWork, item_id: str) -> tuple[WorkItem, list[Decision]]:
    """A stored item and every routing decision taken about it, oldest first."""
    with uow:
        item = uow.work_items.get(item_id)
        if item is None:
            raise NotFound("work item", item_id)
        return item, uow.decisions.for_item(item_id)
