"""Follow-the-sun shift scheduling across vendors with OR-Tools CP-SAT.

Chooses how many people work each candidate shift (vendor x template x local date) so that
every half-hour UTC interval is covered at least as required, at least cost. Where that is
impossible the schedule is lexicographic: first the least total shortfall (phase 1), then
the least cost among schedules with that shortfall (phase 2); the short intervals are
reported. The LP relaxation of phase 2 (HiGHS through SciPy) gives a lower bound on cost
and so the gap of the returned schedule.

People per vendor: with ``c_d`` shifts on local day ``d``, a vendor needs
``max(max_d c_d, ceil(sum_d c_d / max_days_per_week))`` people (one shift per person per
day, at most ``max_days_per_week`` days each); a wrap-around rota always achieves this bound,
so the headcount limit is the pair of linear constraints ``c_d <= limit`` and
``sum_d c_d <= max_days_per_week * limit``. Rest time between a person's consecutive shifts
is not modelled.

Follow-the-sun is not a rule here: night and weekend premiums make daytime shifts in each
vendor's own time zone cheaper, and the optimiser picks them.
"""

from __future__ import annotations

import math
import time as _time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from kpo.domain.errors import ValidationError
from kpo.domain.money import CURRENCIES, Money
from kpo.planning.scheduling_model import (
    ALL_WEEKDAYS,
    INTERVAL,
    INTERVALS_PER_DAY,
    CandidateShift,
    ScheduleRequest,
    ShiftTemplate,
    Vendor,
    expand_candidates,
)

__all__ = [
    "ALL_WEEKDAYS",
    "INTERVAL",
    "INTERVALS_PER_DAY",
    "IntervalCoverage",
    "Schedule",
    "ScheduleRequest",
    "ScheduledShift",
    "ShiftTemplate",
    "SolveOptions",
    "SolveStatus",
    "Vendor",
    "VendorSummary",
    "headcount_needed",
    "solve_schedule",
]

_MAX_OBJECTIVE = 2**60


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # proven least cost (and least shortfall)
    FEASIBLE = "feasible"  # a schedule, stopped by the time limit or the target gap
    NO_SOLUTION = "no_solution"  # the time limit ran out before any schedule was found


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """``target_gap`` stops the search once cost is within that fraction of the LP bound."""

    time_limit_seconds: float = 60.0
    workers: int = 2
    target_gap: float = 0.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ScheduledShift:
    vendor: str
    template: str
    local_date: date
    local_start: datetime
    local_end: datetime
    utc_start: datetime
    utc_end: datetime
    people: int
    paid_minutes: int
    night_minutes: int
    weekend_minutes: int
    cost_each: Money
    cost: Money


@dataclass(frozen=True, slots=True)
class IntervalCoverage:
    start: datetime
    required: int
    covered: int

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.covered)


@dataclass(frozen=True, slots=True)
class VendorSummary:
    name: str
    cost: Money
    shifts_per_day: tuple[int, ...]
    headcount: int
    headcount_limit: int | None


@dataclass(frozen=True, slots=True)
class Schedule:
    """The chosen shifts and what they achieve. Money totals are rounded once, at the end."""

    status: SolveStatus
    solver_status: str
    shifts: tuple[ScheduledShift, ...]
    coverage: tuple[IntervalCoverage, ...]
    vendors: tuple[VendorSummary, ...]
    total_cost: Money
    lp_lower_bound: Money
    gap: Decimal | None
    shortfall_total: int
    wall_time_seconds: float

    @property
    def short_intervals(self) -> tuple[IntervalCoverage, ...]:
        return tuple(c for c in self.coverage if c.shortfall)


def headcount_needed(shifts_per_day: Sequence[int], *, max_days_per_week: int) -> int:
    """People needed to work ``shifts_per_day`` with one shift a day and a cap on days."""
    if not shifts_per_day:
        return 0
    return max(max(shifts_per_day), -(-sum(shifts_per_day) // max_days_per_week))


@dataclass(slots=True)
class _Problem:
    request: ScheduleRequest
    candidates: list[CandidateShift]
    costs: list[int]  # scaled: cost * scale is an exact integer
    scale: int
    upper: list[int]
    groups_day: list[tuple[list[int], int]]  # (candidate indexes, limit)
    groups_week: list[tuple[list[int], int]]
    covering: list[list[int]]  # interval -> candidate indexes


def solve_schedule(request: ScheduleRequest, options: SolveOptions | None = None) -> Schedule:
    """Least-cost shifts meeting ``request.required``; least shortfall first where impossible."""
    options = options or SolveOptions()
    started = _time.perf_counter()
    problem = _build(request)
    n_int = len(request.required)
    model = cp_model.CpModel()
    x = [model.new_int_var(0, ub, f"x{k}") for k, ub in enumerate(problem.upper)]
    s = [model.new_int_var(0, r, f"s{i}") for i, r in enumerate(request.required)]
    for i in range(n_int):
        if request.required[i]:
            model.add(sum(x[k] for k in problem.covering[i]) + s[i] >= request.required[i])
    for members, limit in problem.groups_day + problem.groups_week:
        model.add(sum(x[k] for k in members) <= limit)

    # Phase 1: least total shortfall.
    solver = _solver(options, options.time_limit_seconds / 2)
    model.minimize(sum(s))
    status1 = solver.solve(model)
    if status1 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _empty(request, problem, solver.status_name(status1), started)
    shortfall = round(solver.objective_value)
    phase1 = [solver.value(v) for v in x]

    # Phase 2: least cost with that shortfall; LP relaxation for the bound and the hint.
    lp_value, lp_x = _lp_bound(problem, shortfall)
    model.add(sum(s) <= shortfall)
    model.minimize(sum(c * v for c, v in zip(problem.costs, x, strict=True)))
    hint = _rounded_hint(problem, lp_x, shortfall) or phase1
    for var, value in zip(x, hint, strict=True):
        model.add_hint(var, value)
    remaining = max(0.1, options.time_limit_seconds - (_time.perf_counter() - started))
    solver = _solver(options, remaining)
    callback = _StopAtGap(lp_value, options.target_gap)
    status2 = solver.solve(model, callback if options.target_gap > 0 else None)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [solver.value(v) for v in x]
        name = solver.status_name(status2)
    else:  # phase 1's schedule is still a valid one with the least shortfall found
        chosen, status2, name = phase1, cp_model.FEASIBLE, solver.status_name(status2)
    proven = status1 == cp_model.OPTIMAL and status2 == cp_model.OPTIMAL
    return _result(
        problem,
        chosen,
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        solver_status=name,
        lp_value=lp_value,
        started=started,
    )


class _StopAtGap(cp_model.CpSolverSolutionCallback):
    def __init__(self, bound: float, gap: float) -> None:
        super().__init__()
        self._bound = bound
        self._gap = gap

    def on_solution_callback(self) -> None:
        if self.objective_value <= self._bound * (1 + self._gap) + 1e-6:
            self.stop_search()


def _solver(options: SolveOptions, seconds: float) -> Any:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    return solver


def _build(request: ScheduleRequest) -> _Problem:
    candidates = expand_candidates(request)
    scale = math.lcm(1, *(c.cost.denominator for c in candidates))
    costs = [int(c.cost * scale) for c in candidates]
    if any(c < 0 for c in costs):
        raise ValidationError("costs and premiums must not be negative", field="vendors")
    covering: list[list[int]] = [[] for _ in request.required]
    upper: list[int] = []
    for k, cand in enumerate(candidates):
        for i in cand.intervals:
            covering[i].append(k)
        limit = request.vendors[cand.vendor].headcount_limit
        most = max((request.required[i] for i in cand.intervals), default=0)
        upper.append(most if limit is None else min(most, limit))
    if sum(c * u for c, u in zip(costs, upper, strict=True)) >= _MAX_OBJECTIVE:
        raise ValidationError(
            "rates and premiums have too many decimal places to be costed exactly; round them",
            field="vendors",
        )
    by_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_vendor: dict[int, list[int]] = defaultdict(list)
    for k, cand in enumerate(candidates):
        by_day[cand.vendor, cand.day].append(k)
        by_vendor[cand.vendor].append(k)
    groups_day: list[tuple[list[int], int]] = []
    groups_week: list[tuple[list[int], int]] = []
    for (v, _day), members in by_day.items():
        limit = request.vendors[v].headcount_limit
        if limit is not None:
            groups_day.append((members, limit))
    for v, members in by_vendor.items():
        vendor = request.vendors[v]
        if vendor.headcount_limit is not None:
            groups_week.append((members, vendor.headcount_limit * vendor.max_days_per_week))
    return _Problem(request, candidates, costs, scale, upper, groups_day, groups_week, covering)


def _lp_bound(problem: _Problem, shortfall: int) -> tuple[float, list[float]]:
    """Scaled cost of the LP relaxation with total shortfall at most ``shortfall``."""
    n_x = len(problem.candidates)
    required = problem.request.required
    n_s = len(required)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    rhs: list[float] = []
    row = 0
    for i, members in enumerate(problem.covering):
        for k in members:
            rows.append(row)
            cols.append(k)
            vals.append(-1.0)
        rows.append(row)
        cols.append(n_x + i)
        vals.append(-1.0)
        rhs.append(-float(required[i]))
        row += 1
    for members, limit in problem.groups_day + problem.groups_week:
        rows.extend([row] * len(members))
        cols.extend(members)
        vals.extend([1.0] * len(members))
        rhs.append(float(limit))
        row += 1
    rows.extend([row] * n_s)
    cols.extend(range(n_x, n_x + n_s))
    vals.extend([1.0] * n_s)
    rhs.append(float(shortfall))
    row += 1
    matrix = csr_matrix((vals, (rows, cols)), shape=(row, n_x + n_s))
    objective = np.array([float(c) for c in problem.costs] + [0.0] * n_s)
    bounds = [(0.0, float(u)) for u in problem.upper] + [(0.0, float(r)) for r in required]
    result = linprog(objective, A_ub=matrix, b_ub=np.array(rhs), bounds=bounds, method="highs")
    if not result.success:  # pragma: no cover - phase 1 proved a solution exists
        return 0.0, [0.0] * n_x
    return float(result.fun), [float(v) for v in result.x[:n_x]]


def _rounded_hint(problem: _Problem, lp_x: list[float], shortfall: int) -> list[int] | None:
    """The LP solution rounded up, if it respects headcount limits and the shortfall."""
    hint = [min(u, math.ceil(v - 1e-6)) for v, u in zip(lp_x, problem.upper, strict=True)]
    for members, limit in problem.groups_day + problem.groups_week:
        if sum(hint[k] for k in members) > limit:
            return None
    short = sum(
        max(0, r - sum(hint[k] for k in members))
        for r, members in zip(problem.request.required, problem.covering, strict=True)
    )
    return hint if short <= shortfall else None


def _money(amount: Fraction, currency: str) -> Money:
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    return Money(exact, currency).rounded()


def _result(
    problem: _Problem,
    chosen: list[int],
    *,
    status: SolveStatus,
    solver_status: str,
    lp_value: float,
    started: float,
) -> Schedule:
    request = problem.request
    currency = request.currency
    covered = [0] * len(request.required)
    shifts: list[ScheduledShift] = []
    vendor_cost: dict[int, Fraction] = defaultdict(Fraction)
    per_day = [[0] * request.days for _ in request.vendors]
    for cand, people in zip(problem.candidates, chosen, strict=True):
        if not people:
            continue
        for i in cand.intervals:
            covered[i] += people
        vendor = request.vendors[cand.vendor]
        vendor_cost[cand.vendor] += cand.cost * people
        per_day[cand.vendor][cand.day] += people
        tz = vendor.time_zone
        shifts.append(
            ScheduledShift(
                vendor=vendor.name,
                template=vendor.templates[cand.template].name,
                local_date=cand.local_date,
                local_start=cand.utc_start.astimezone(tz),
                local_end=cand.utc_end.astimezone(tz),
                utc_start=cand.utc_start,
                utc_end=cand.utc_end,
                people=people,
                paid_minutes=cand.paid_minutes,
                night_minutes=cand.night_minutes,
                weekend_minutes=cand.weekend_minutes,
                cost_each=_money(cand.cost, currency),
                cost=_money(cand.cost * people, currency),
            )
        )
    coverage = tuple(
        IntervalCoverage(request.interval_start(i), r, covered[i])
        for i, r in enumerate(request.required)
    )
    vendors = tuple(
        VendorSummary(
            name=v.name,
            cost=_money(vendor_cost[j], currency),
            shifts_per_day=tuple(per_day[j]),
            headcount=headcount_needed(per_day[j], max_days_per_week=v.max_days_per_week),
            headcount_limit=v.headcount_limit,
        )
        for j, v in enumerate(request.vendors)
    )
    total = sum(vendor_cost.values(), Fraction(0))
    bound = _lp_money(lp_value, problem.scale, currency)
    gap = None
    if bound.amount > 0:
        gap = ((_money(total, currency).amount - bound.amount) / bound.amount).quantize(
            Decimal("0.000001")
        )
    return Schedule(
        status=status,
        solver_status=solver_status,
        shifts=tuple(shifts),
        coverage=coverage,
        vendors=vendors,
        total_cost=_money(total, currency),
        lp_lower_bound=bound,
        gap=gap,
        shortfall_total=sum(c.shortfall for c in coverage),
        wall_time_seconds=_time.perf_counter() - started,
    )


def _lp_money(value: float, scale: int, currency: str) -> Money:
    """The LP bound in money, never above the true bound.

    Scaled costs are integers, so every schedule costs at least ``ceil(LP)`` scaled units;
    the tolerance absorbs the LP solver's rounding.
    """
    scaled = max(0, math.ceil(value - abs(value) * 1e-9 - 1e-6))
    quantum = Decimal(1).scaleb(-CURRENCIES[currency])
    amount = (Decimal(scaled) / scale).quantize(quantum, rounding=ROUND_FLOOR)
    return Money(amount, currency)


def _empty(
    request: ScheduleRequest, problem: _Problem, solver_status: str, started: float
) -> Schedule:
    zero = Money.zero(request.currency)
    return Schedule(
        status=SolveStatus.NO_SOLUTION,
        solver_status=solver_status,
        shifts=(),
        coverage=tuple(
            IntervalCoverage(request.interval_start(i), r, 0)
            for i, r in enumerate(request.required)
        ),
        vendors=tuple(
            VendorSummary(v.name, zero, (0,) * request.days, 0, v.headcount_limit)
            for v in request.vendors
        ),
        total_cost=zero,
        lp_lower_bound=zero,
        gap=None,
        shortfall_total=sum(request.required),
        wall_time_seconds=_time.perf_counter() - started,
    )
