"""The figures of a simulated run: SLA per service line, occupancy and cost per vendor,
follow-the-sun hours.

Definitions (docs/demo.md):

- **Calls and chats.** A contact *ends its wait* when it is answered (work starts) or
  abandoned; contacts still waiting at the end are not counted. SLA attainment is the share
  of contacts that ended their wait and were answered within the line's ``answer_within``
  (an abandoned contact counts as not answered in time, as in Erlang A). ASA is the mean
  wait of answered contacts; the abandonment rate is abandoned ÷ contacts that ended their
  wait.
- **Tickets.** SLA attainment is the share of tickets whose first response (work started)
  came by the first-response due instant, counted in business time of the line's calendar
  (:class:`~kpo.domain.sla.SlaClock`); tickets not started by the end count as missed if
  that instant has passed, and are left out otherwise; withdrawn tickets are left out.
  ASA is the mean time to first response.
- **Vendors.** Occupancy is busy time ÷ staffed (on-shift) time, where busy time is work on
  items (a chat counts 1/capacity, time waiting on the client does not count). Cost is
  hourly cost × handle time of the items resolved; cost per resolved item is the total of
  that ÷ items resolved.
- **Follow-the-sun.** Resolved items by the UTC hour of day their work started, per vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from kpo.domain.channels import Channel
from kpo.domain.money import Money
from kpo.simulation.outcomes import ABANDONED, CANCELLED, OPEN, RESOLVED, Outcomes

__all__ = ["ItemCounts", "LineReport", "SimulationReport", "VendorReport", "summarise"]


@dataclass(frozen=True, slots=True)
class ItemCounts:
    """``arrived`` = ``resolved`` + ``abandoned`` + ``cancelled`` + ``open``."""

    arrived: int
    resolved: int
    abandoned: int
    cancelled: int
    open: int

    def to_json(self) -> dict[str, int]:
        return {
            "arrived": self.arrived,
            "resolved": self.resolved,
            "abandoned": self.abandoned,
            "cancelled": self.cancelled,
            "open": self.open,
        }


@dataclass(frozen=True, slots=True)
class LineReport:
    """One service line; ``sla_attainment`` and ``asa_seconds`` are ``None`` when nothing
    was measured (no target, or no item answered)."""

    line_id: str
    client_id: str
    name: str
    channel: Channel
    sla_target: str
    sla_goal: float | None
    items: ItemCounts
    measured: int
    sla_attainment: float | None
    asa_seconds: float | None
    abandonment_rate: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.line_id,
            "client": self.client_id,
            "name": self.name,
            "channel": self.channel.value,
            "sla_target": self.sla_target,
            "sla_goal": self.sla_goal,
            "items": self.items.arrived,
            "outcomes": self.items.to_json(),
            "sla_measured": self.measured,
            "sla_attainment": _round(self.sla_attainment, 4),
            "asa_seconds": _round(self.asa_seconds, 1),
            "abandonment_rate": round(self.abandonment_rate, 4),
        }


@dataclass(frozen=True, slots=True)
class VendorReport:
    vendor_id: str
    specialists: int
    items: int
    staffed_hours: float
    busy_hours: float
    cost: Money

    @property
    def occupancy(self) -> float:
        return min(1.0, self.busy_hours / self.staffed_hours) if self.staffed_hours else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.vendor_id,
            "specialists": self.specialists,
            "items": self.items,
            "staffed_hours": round(self.staffed_hours, 1),
            "busy_hours": round(self.busy_hours, 1),
            "occupancy": round(self.occupancy, 4),
            "cost": self.cost.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SimulationReport:
    start: datetime
    end: datetime
    items: ItemCounts
    lines: tuple[LineReport, ...]
    vendors: tuple[VendorReport, ...]
    cost_per_resolved_item: Money | None
    handled_by_hour: Mapping[str, tuple[int, ...]]  # vendor id → 24 counts (UTC hour)
    router_events: Mapping[str, int]

    @property
    def simulated_seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_json(self) -> dict[str, Any]:
        cost = self.cost_per_resolved_item
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "items": self.items.to_json(),
            "service_lines": [line.to_json() for line in self.lines],
            "vendors": [vendor.to_json() for vendor in self.vendors],
            "cost_per_resolved_item": None if cost is None else cost.to_json(),
            "handled_by_utc_hour": {v: list(hours) for v, hours in self.handled_by_hour.items()},
            "router_events": dict(self.router_events),
            "simulated_seconds": self.simulated_seconds,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _counts(outcome: np.ndarray[Any, Any]) -> ItemCounts:
    found = np.bincount(outcome.astype(np.int64), minlength=4)
    return ItemCounts(
        arrived=len(outcome),
        resolved=int(found[RESOLVED]),
        abandoned=int(found[ABANDONED]),
        cancelled=int(found[CANCELLED]),
        open=int(found[OPEN]),
    )


def _target(outcomes: Outcomes, index: int) -> str:
    line = outcomes.lines[index].line
    sla = line.sla
    if line.channel.is_realtime and sla.answer_within is not None:
        share = float(sla.answer_target or 0)
        return f"{share:.0%} in {sla.answer_within.total_seconds():g} s"
    if sla.first_response is not None:
        return f"reply in {_duration(sla.first_response.total_seconds())} (business)"
    return "none"


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _line_report(outcomes: Outcomes, index: int) -> LineReport:
    setup = outcomes.lines[index]
    line = setup.line
    mask = outcomes.line == index
    outcome = outcomes.outcome[mask]
    arrival = outcomes.arrival[mask]
    answered = outcomes.answered[mask]
    due = outcomes.due[mask]
    was_answered = ~np.isnan(answered)
    waits = answered[was_answered] - arrival[was_answered]
    asa = float(waits.mean()) if len(waits) else None
    with np.errstate(invalid="ignore"):
        met = was_answered & (answered <= due)
    has_due = ~np.isnan(due)
    abandoned = outcome == ABANDONED
    abandonment = 0.0
    if line.channel.is_realtime:
        measured = (was_answered | abandoned) & has_due
        ended = int((was_answered | abandoned).sum())
        abandonment = float(abandoned.sum()) / ended if ended else 0.0
    else:
        horizon = outcomes.simulated_seconds
        with np.errstate(invalid="ignore"):
            overdue = ~was_answered & (outcome == OPEN) & (due <= horizon)
        measured = (was_answered | overdue) & has_due
    count = int(measured.sum())
    goal = line.sla.answer_target if line.channel.is_realtime else None
    return LineReport(
        line_id=line.id,
        client_id=line.client_id,
        name=line.name,
        channel=line.channel,
        sla_target=_target(outcomes, index),
        sla_goal=None if goal is None else float(goal),
        items=_counts(outcome),
        measured=count,
        sla_attainment=float((met & measured).sum()) / count if count else None,
        asa_seconds=asa,
        abandonment_rate=abandonment,
    )


def _hours(seconds: float) -> Decimal:
    return Decimal(repr(round(seconds, 3))) / 3600


def summarise(outcomes: Outcomes) -> SimulationReport:
    """The report of one run."""
    vendor_ids = list(dict.fromkeys(s.vendor_id for s in outcomes.staff))
    vendors: list[VendorReport] = []
    total: Money | None = None
    for vendor_id in vendor_ids:
        staff = [s for s in outcomes.staff if s.vendor_id == vendor_id]
        exact = Money.zero(staff[0].hourly_cost.currency)
        for person in staff:
            exact = exact + person.hourly_cost * _hours(person.resolved_work_seconds)
        vendors.append(
            VendorReport(
                vendor_id=vendor_id,
                specialists=len(staff),
                items=sum(s.resolved for s in staff),
                staffed_hours=sum(s.staffed_seconds for s in staff) / 3600,
                busy_hours=sum(s.busy_seconds for s in staff) / 3600,
                cost=exact.rounded(),
            )
        )
        if total is None:
            total = exact
        elif total.currency == exact.currency:
            total = total + exact
    counts = _counts(outcomes.outcome)
    per_item = None
    if total is not None and counts.resolved and len({v.cost.currency for v in vendors}) == 1:
        per_item = Money(total.amount / counts.resolved, total.currency).rounded()
    vendor_of = np.array([vendor_ids.index(s.vendor_id) for s in outcomes.staff] or [0])
    resolved = outcomes.outcome == RESOLVED
    base = outcomes.start.timestamp()
    hour = ((base + outcomes.answered[resolved]) // 3600 % 24).astype(np.int64)
    who = vendor_of[outcomes.worker[resolved]]
    table = np.bincount(who * 24 + hour, minlength=24 * len(vendor_ids)).reshape(-1, 24)
    return SimulationReport(
        start=outcomes.start,
        end=outcomes.end,
        items=counts,
        lines=tuple(_line_report(outcomes, i) for i in range(len(outcomes.lines))),
        vendors=tuple(vendors),
        cost_per_resolved_item=per_item,
        handled_by_hour={v: tuple(int(n) for n in table[i]) for i, v in enumerate(vendor_ids)},
        router_events=outcomes.router_events,
    )
