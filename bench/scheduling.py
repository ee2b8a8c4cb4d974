"""Shift-scheduling benchmarks; figures go to docs/scheduling.md ("Benchmarks").

``python -m bench.scheduling`` runs:

(a) a week of half-hour intervals, three vendors in three time zones (Manila, Warsaw,
    Bogotá), 20 shift templates each, the week of 24 March 2025 (Warsaw's DST change, a
    Colombian holiday): cost and gap to the LP lower bound within the 60 s time limit;
(b) pyworkforce's ``MinRequiredResources`` example (24 hourly periods; Morning, Afternoon,
    Night, Mixed shifts with its cost_dict), each of its two days as a single-site day
    instance, solved by pyworkforce (if installed) and by us: our cost must be no higher.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from kpo.domain.money import Money
from kpo.planning.scheduling import (
    Schedule,
    ScheduleRequest,
    ShiftTemplate,
    SolveOptions,
    Vendor,
    solve_schedule,
)

__all__ = ["day_instance", "main", "week_instance"]

WEEK_START = datetime(2025, 3, 24, tzinfo=UTC)  # DST starts in Warsaw; a holiday in CO

# pyworkforce's README / tests example (MinRequiredResources).
PYWORKFORCE_REQUIRED = [
    [9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
    [13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23, 16, 8],
]
PYWORKFORCE_COVERAGE = {
    "Morning": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "Afternoon": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    "Night": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
    "Mixed": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
}
PYWORKFORCE_COST = {"Morning": 8, "Afternoon": 8, "Night": 10, "Mixed": 7}


def _demand() -> tuple[int, ...]:
    """A global help desk: EMEA and Americas business-hour peaks, quieter weekends."""
    required: list[int] = []
    for i in range(336):
        day, hour = divmod(i / 2, 24)
        emea = 70 * math.exp(-(((hour - 11.0) / 4.0) ** 2))
        americas = 90 * math.exp(-(((hour - 17.5) / 4.5) ** 2))
        apac = 35 * math.exp(-(((hour - 2.5) / 3.5) ** 2))
        level = 12 + emea + americas + apac
        required.append(round(level * (0.55 if day >= 5 else 1.0)))
    return tuple(required)


def _templates() -> tuple[ShiftTemplate, ...]:
    """20 templates: 9 h with a 1 h unpaid break after 4 h, starting 06:00 … 01:00 local."""
    starts = [(6 + h) % 24 for h in range(20)]
    return tuple(
        ShiftTemplate(
            name=f"S{start:02d}",
            start=clock(start),
            length=timedelta(hours=9),
            break_length=timedelta(hours=1),
            break_offset=timedelta(hours=4),
        )
        for start in starts
    )


def _holidays(country: str) -> frozenset[date]:
    calendar = holidays.country_holidays(country, years=WEEK_START.year)
    return frozenset(d for d in calendar if isinstance(d, date))


def week_instance() -> ScheduleRequest:
    sites = [
        ("manila", "Asia/Manila", "PH", "6.00", "0.25", 400),
        ("warsaw", "Europe/Warsaw", "PL", "14.00", "0.20", 150),
        ("bogota", "America/Bogota", "CO", "8.50", "0.35", 260),
    ]
    vendors = tuple(
        Vendor(
            name=name,
            time_zone=ZoneInfo(tz),
            cost_per_hour=Money.of(rate, "USD"),
            templates=_templates(),
            max_days_per_week=5,
            headcount_limit=limit,
            holidays=_holidays(country),
            night_premium=Decimal(night),
            weekend_premium=Decimal("0.5"),
            country=country,
        )
        for name, tz, country, rate, night, limit in sites
    )
    return ScheduleRequest(WEEK_START, _demand(), vendors)


def day_instance(day: int) -> ScheduleRequest:
    """pyworkforce's day ``day`` as a one-day cyclic horizon of half hours in UTC.

    Its Night shift covers hours 21–23 and 0–4 of the same day: our 21:00 + 8 h shift on a
    one-day cyclic horizon covers exactly those. Per-shift costs become hourly rates / 8.
    """
    starts = {"Morning": 5, "Afternoon": 13, "Night": 21, "Mixed": 9}
    templates = tuple(
        ShiftTemplate(
            name=name,
            start=clock(start),
            length=timedelta(hours=8),
            cost_per_hour=Decimal(PYWORKFORCE_COST[name]) / 8,
        )
        for name, start in starts.items()
    )
    vendor = Vendor("site", ZoneInfo("UTC"), Money.of("1", "USD"), templates, max_days_per_week=1)
    required = tuple(r for r in PYWORKFORCE_REQUIRED[day] for _ in range(2))
    return ScheduleRequest(datetime(2025, 3, 3, tzinfo=UTC), required, (vendor,))


def _pyworkforce(day: int) -> tuple[str, float] | None:
    try:
        from pyworkforce.scheduling import MinRequiredResources
    except ImportError:
        return None
    scheduler: Any = MinRequiredResources(
        num_days=1,
        periods=24,
        shifts_coverage=PYWORKFORCE_COVERAGE,
        required_resources=[PYWORKFORCE_REQUIRED[day]],
        cost_dict=PYWORKFORCE_COST,
        max_period_concurrency=25,
        max_shift_concurrency=25,
    )
    solution = scheduler.solve()
    return str(solution["status"]), float(solution["cost"])


def _describe(schedule: Schedule) -> str:
    return (
        f"status={schedule.status} ({schedule.solver_status}) cost={schedule.total_cost} "
        f"lp_bound={schedule.lp_lower_bound} gap={schedule.gap} "
        f"shortfall={schedule.shortfall_total} wall={schedule.wall_time_seconds:.2f}s"
    )


def main() -> None:
    print("scheduling (a): week, 3 vendors x 20 templates, 336 half-hour intervals")
    request = week_instance()
    for label, options in [
        ("stop at 1% of LP bound", SolveOptions(time_limit_seconds=60, target_gap=0.01)),
        ("full 60 s budget", SolveOptions(time_limit_seconds=60)),
    ]:
        schedule = solve_schedule(request, options)
        per_vendor = ", ".join(
            f"{v.name} {v.cost} ({v.headcount} people)" for v in schedule.vendors
        )
        print(f"  {label}: {_describe(schedule)}")
        print(f"    {per_vendor}")
    print("scheduling (b): pyworkforce MinRequiredResources example, one day each")
    for day in range(len(PYWORKFORCE_REQUIRED)):
        started = time.perf_counter()
        theirs = _pyworkforce(day)
        their_time = time.perf_counter() - started
        ours = solve_schedule(day_instance(day), SolveOptions(time_limit_seconds=60))
        peak = max(c.covered for c in ours.coverage)
        line = f"  day {day}: ours {_describe(ours)} peak_coverage={peak}"
        if theirs is None:
            line += "; pyworkforce not installed"
        else:
            status, cost = theirs
            verdict = "OK" if ours.total_cost.amount <= Decimal(repr(cost)) else "HIGHER"
            line += f"; pyworkforce {status} cost={cost:g} in {their_time:.2f}s -> {verdict}"
        print(line)


if __name__ == "__main__":
    main()
