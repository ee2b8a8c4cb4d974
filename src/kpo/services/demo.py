"""The demo job: generate the network and its week, run the week through the routing engine
on a simulated clock, store everything, and summarise coverage and results."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from kpo.adapters.holidays import CountryHolidays
from kpo.domain.calendars import BusinessCalendar, HolidayCalendar, WeeklyWindow
from kpo.domain.clients import Coverage
from kpo.domain.errors import KpoError
from kpo.domain.events import DomainEvent
from kpo.domain.money import Money
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import LineSetup
from kpo.routing.explain import Decision
from kpo.scenario.arrivals import generate_arrivals
from kpo.scenario.network import Network, build_network
from kpo.services.ports import UnitOfWork
from kpo.services.routing import default_policy_for
from kpo.simulation import SimulationReport, Simulator, summarise
from kpo.simulation.simulator import Journal

__all__ = [
    "SIMULATING",
    "DemoResult",
    "VendorSummary",
    "run_demo",
    "simulate_week",
    "summarise_network",
]

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total); the simulation stage counts simulated hours."""

SIMULATING = "simulating the week"


class DatabaseNotEmpty(KpoError):
    def __init__(self) -> None:
        super().__init__(
            "the demo needs an empty database, this one already holds clients; "
            "give another --db or leave it out to use a fresh kpo-demo.sqlite3"
        )


@dataclass(frozen=True, slots=True)
class VendorSummary:
    id: str
    name: str
    city_zone: str
    country: str
    headcount: int
    skills: dict[str, int]
    languages: dict[str, int]
    average_hourly_cost: Money
    scheduled_hours: Decimal
    weekly_cost: Money
    rate: Money


@dataclass(frozen=True, slots=True)
class DemoResult:
    seed: int
    week_start: datetime
    days: int
    network: Network
    items_per_line: dict[str, int]
    on_shift_by_hour: dict[str, list[int]]  # vendor id → 24 counts for the sample day (UTC)
    sample_day: datetime
    vendors: list[VendorSummary]
    report: SimulationReport
    simulation_wall_seconds: float

    @property
    def items(self) -> int:
        return sum(self.items_per_line.values())


def _calendar(zone: str, country: str, hours: tuple[WeeklyWindow, ...]) -> BusinessCalendar:
    return BusinessCalendar(time_zone=zone, windows=hours, holidays=CountryHolidays(country))


def summarise_network(
    network: Network, *, week_start: datetime, days: int
) -> tuple[dict[str, list[int]], datetime, list[VendorSummary]]:
    """Who is on shift per UTC hour of a sample weekday, and headcount, skills, cost per vendor."""
    sample_day = week_start + timedelta(days=min(2, days - 1))
    week_end = week_start + timedelta(days=days)
    vendors = {vendor.id: vendor for vendor in network.vendors}
    on_shift = {vendor.id: [0] * 24 for vendor in network.vendors}
    hours: dict[str, Decimal] = {}
    costs: dict[str, Money] = {v.id: Money.zero(v.currency) for v in network.vendors}
    for specialist in network.specialists:
        vendor = vendors[specialist.vendor_id]
        calendar = _calendar(specialist.time_zone, vendor.country, specialist.working_hours)
        for hour in range(24):
            if calendar.is_open(sample_day + timedelta(hours=hour, minutes=30)):
                on_shift[vendor.id][hour] += 1
        seconds = int(calendar.business_time(week_start, week_end).total_seconds())
        worked = Decimal(seconds) / 3600
        hours[vendor.id] = hours.get(vendor.id, Decimal(0)) + worked
        costs[vendor.id] = costs[vendor.id] + specialist.hourly_cost * worked
    summaries = []
    for vendor in network.vendors:
        staff = [s for s in network.specialists if s.vendor_id == vendor.id]
        total = sum((s.hourly_cost.amount for s in staff), Decimal(0))
        summaries.append(
            VendorSummary(
                id=vendor.id,
                name=vendor.name,
                city_zone=vendor.time_zone,
                country=vendor.country,
                headcount=len(staff),
                skills=dict(Counter(skill for s in staff for skill in s.skills).most_common()),
                languages=dict(Counter(lang for s in staff for lang in s.languages).most_common()),
                average_hourly_cost=Money(total / max(len(staff), 1), vendor.currency).rounded(),
                scheduled_hours=hours.get(vendor.id, Decimal(0)),
                weekly_cost=costs[vendor.id].rounded(),
                rate=vendor.rate_card.hourly_rate,
            )
        )
    return on_shift, sample_day, summaries


def simulate_week(
    network: Network,
    items: list[WorkItem],
    *,
    seed: int,
    week_start: datetime,
    days: int,
    holidays_for: Callable[[str], HolidayCalendar],
    calendar_for: Callable[[Coverage], BusinessCalendar],
    progress: Progress | None = None,
    journal: Journal | None = None,
) -> SimulationReport:
    """Run ``items`` through the routing engine on a simulated clock (they end in their
    final states) and report SLA, occupancy and cost. ``journal`` receives the router's
    events and decisions as they happen."""
    report = progress or (lambda _stage, _done, _total: None)
    countries = {vendor.id: vendor.country for vendor in network.vendors}
    simulator = Simulator(
        [
            LineSetup(line, default_policy_for(line), calendar_for(line.coverage))
            for line in network.service_lines
        ],
        network.specialists,
        start=week_start,
        end=week_start + timedelta(days=days),
        holidays_for=lambda specialist: holidays_for(countries[specialist.vendor_id]),
        countries=countries,
        seed=seed,
    )
    hours = days * 24
    outcomes = simulator.run(
        items,
        progress=lambda done, _total: report(SIMULATING, round(done / 3600), hours),
        journal=journal,
    )
    return summarise(outcomes)


def run_demo(
    uow: UnitOfWork,
    *,
    seed: int,
    week_start: datetime,
    holidays_for: Callable[[str], HolidayCalendar],
    calendar_for: Callable[[Coverage], BusinessCalendar],
    days: int = 7,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> DemoResult:
    """Generate the demo network and ``days`` days of arrivals, simulate them through the
    routing engine, and store the network, the items in their final states (with every
    state transition), the event log and the routing decisions in an empty database, so
    that ``kpo explain`` answers for every demo item."""
    report = progress or (lambda _stage, _done, _total: None)
    network = build_network(seed, week_start=week_start.date())
    items: list[WorkItem] = generate_arrivals(
        network.service_lines,
        network.clients,
        seed=seed,
        start=week_start,
        days=days,
        scale=scale,
    )
    with uow:
        if uow.clients.all():
            raise DatabaseNotEmpty
        for client in network.clients:
            uow.clients.add(client)
        for vendor in network.vendors:
            uow.vendors.add(vendor)
        for line in network.service_lines:
            uow.service_lines.add(line)
        uow.specialists.add_many(network.specialists)
        uow.commit()
    events: list[DomainEvent] = []
    decisions: list[Decision] = []

    def journal(new_events: list[DomainEvent], new_decisions: list[Decision]) -> None:
        events.extend(new_events)
        decisions.extend(new_decisions)

    began = time.perf_counter()
    simulated = simulate_week(
        network,
        items,
        seed=seed,
        week_start=week_start,
        days=days,
        holidays_for=holidays_for,
        calendar_for=calendar_for,
        progress=report,
        journal=journal,
    )
    for item in items:  # changes the item recorded after the router last moved it
        events.extend(item.take_events())
    simulation_wall_seconds = time.perf_counter() - began
    with uow:
        chunk = 5_000
        for start in range(0, len(items), chunk):
            uow.work_items.add_many(items[start : start + chunk])
            report("storing work items", min(start + chunk, len(items)), len(items))
        chunk = 20_000
        for start in range(0, len(events), chunk):
            uow.events.append(events[start : start + chunk])
            report("storing the event log", min(start + chunk, len(events)), len(events))
        for start in range(0, len(decisions), chunk):
            uow.decisions.append(decisions[start : start + chunk])
            report("storing routing decisions", min(start + chunk, len(decisions)), len(decisions))
        uow.commit()
    on_shift, sample_day, vendors = summarise_network(network, week_start=week_start, days=days)
    return DemoResult(
        seed=seed,
        week_start=week_start,
        days=days,
        network=network,
        items_per_line=dict(Counter(item.service_line_id for item in items)),
        on_shift_by_hour=on_shift,
        sample_day=sample_day,
        vendors=vendors,
        report=simulated,
        simulation_wall_seconds=simulation_wall_seconds,
    )
