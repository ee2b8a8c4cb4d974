"""Small routers for routing tests: one ticket line, specialists on shift from T0."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.routing.engine import LineSetup, Router, RouterSettings
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from tests.factories import T0, service_line, specialist, work_item

SHIFT = timedelta(hours=8)


@dataclass
class VendorIs:
    """A hand-written compiled filter: ``specialist.vendor == vendor``."""

    vendor: str
    source: str = "specialist.vendor == ?"
    specialist_only: bool = True

    def matches(self, item: Mapping[str, Any], specialist: Mapping[str, Any]) -> bool:
        return bool(specialist["vendor"] == self.vendor)


@dataclass
class PriorityAtLeast:
    """An item-dependent filter: ``item.priority >= n``."""

    n: int
    source: str = "item.priority >= ?"
    specialist_only: bool = False

    def matches(self, item: Mapping[str, Any], specialist: Mapping[str, Any]) -> bool:
        return bool(item["priority"] >= self.n)


def person(sid: str, cost: str = "20", **overrides: Any) -> Specialist:
    return specialist(id=sid, hourly_cost=Money(Decimal(cost), "USD"), **overrides)


def router(
    *people: Specialist,
    policy: RoutingPolicy | None = None,
    settings: RouterSettings | None = None,
    at: datetime = T0,
) -> Router:
    policy = policy or RoutingPolicy((PolicyStep(Ranking.LEAST_COST),))
    r = Router([LineSetup(service_line(), policy)], now=at, settings=settings)
    for p in people:
        r.add_specialist(p, now=at)
        r.shift_started(p.id, now=at, ends=at + SHIFT)
    return r


def names(r: Router) -> list[str]:
    return [e.name for e in r.drain_events()]


__all__ = ["SHIFT", "T0", "PriorityAtLeast", "VendorIs", "names", "person", "router", "work_item"]
