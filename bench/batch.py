"""Batch optimisation: 2,000 × 1,000 against SciPy, and 20,000 × 10,000 with sparse eligibility.

Run with ``.venv/bin/python -m bench batch``; figures go to docs/benchmarks.md. Every run is
timed end to end through :func:`kpo.routing.batch.solve_batch` on domain objects (eligibility,
costs, flow network, solver, result), and the dense case's total is checked against
``scipy.optimize.linear_sum_assignment`` on the same cost matrix.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from scipy.optimize import linear_sum_assignment

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Coverage, ServiceLine, SkillRequirement
from kpo.domain.money import Money
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem
from kpo.routing.batch import BatchResult, solve_batch
from kpo.routing.flow import solve_by_priority_then_cost

AT = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # a Friday afternoon in Europe
SLA = SlaPolicy(
    first_response=timedelta(hours=4), resolution=None, answer_within=None, answer_target=None
)
ZONES = (
    "Europe/Warsaw",
    "Europe/Lisbon",
    "Africa/Cairo",
    "Asia/Manila",
    "Asia/Kolkata",
    "America/Bogota",
    "America/New_York",
    "Europe/Bucharest",
)
Instance = tuple[list[WorkItem], list[Specialist], dict[str, ServiceLine]]


def _line(rnd: random.Random, k: int, skills: list[str], languages: list[str]) -> ServiceLine:
    return ServiceLine(
        id=f"line-{k:04}",
        client_id="client",
        name=f"Line {k}",
        channel=rnd.choice([Channel.TICKET, Channel.TICKET, Channel.BACK_OFFICE]),
        required_skills=tuple(
            SkillRequirement(skill, rnd.randint(1, 3))
            for skill in rnd.sample(skills, rnd.choice([1, 1, 2]))
        ),
        languages=frozenset(rnd.sample(languages, 2)),
        sla=SLA,
        coverage=Coverage("UTC", "daily 00:00-24:00"),
        handle_time=timedelta(seconds=rnd.randrange(300, 3600, 30)),
    )


def _specialist(
    rnd: random.Random,
    j: int,
    skills: list[str],
    languages: list[str],
    *,
    per_person: int,
    speaks: int,
    slots: dict[Channel, int],
) -> Specialist:
    start = rnd.choice([6, 8, 10, 12, 14])
    return Specialist(
        id=f"spec-{j:05}",
        vendor_id=f"vendor-{j % 7}",
        name=f"Specialist {j}",
        skills={skill: rnd.randint(1, 5) for skill in rnd.sample(skills, per_person)},
        languages=frozenset(rnd.sample(languages, speaks)),
        time_zone=rnd.choice(ZONES),
        working_hours=parse_hours(f"mon-sat {start:02}:00-{start + 9:02}:00"),
        capacity=slots,
        hourly_cost=Money(Decimal(rnd.randint(800, 4500)) / 100, "USD"),
        employment_start=date(2024, 1, 1),
    )


def dense_instance(seed: int = 2026) -> Instance:
    """2,000 tickets of 40 service lines; 1,000 specialists with one ticket slot, on shift."""
    rnd = random.Random(seed)
    skills = [f"skill_{k}" for k in range(6)]
    languages = ["en", "es", "de"]
    lines = {}
    for k in range(40):
        line = _line(rnd, k, skills, languages)
        line.channel = Channel.TICKET
        line.required_skills = (SkillRequirement(rnd.choice(skills), 1),)
        lines[line.id] = line
    people = []
    for j in range(1000):
        person = _specialist(
            rnd, j, skills, languages, per_person=6, speaks=2, slots={Channel.TICKET: 1}
        )
        person.working_hours = parse_hours("daily 00:00-24:00")
        people.append(person)
    items = []
    for i in range(2000):
        line = lines[rnd.choice(sorted(lines))]
        items.append(
            WorkItem(
                id=f"item-{i:05}",
                service_line_id=line.id,
                created_at=AT - timedelta(minutes=rnd.randint(1, 600)),
                language=rnd.choice(sorted(line.languages)),
            )
        )
    return items, people, lines


def sparse_instance(seed: int = 2027) -> Instance:
    """20,000 items of 400 service lines; 10,000 specialists in 8 time zones."""
    rnd = random.Random(seed)
    skills = [f"skill_{k:03}" for k in range(100)]
    languages = ["en", "es", "de", "fr", "pt", "pl", "tl", "hi"]
    lines = {line.id: line for line in (_line(rnd, k, skills, languages) for k in range(400))}
    people = [
        _specialist(
            rnd,
            j,
            skills,
            languages,
            per_person=4,
            speaks=3,
            slots={Channel.TICKET: rnd.choice([1, 2]), Channel.BACK_OFFICE: 1},
        )
        for j in range(10_000)
    ]
    items = []
    for i in range(20_000):
        line = lines[rnd.choice(sorted(lines))]
        items.append(
            WorkItem(
                id=f"item-{i:06}",
                service_line_id=line.id,
                created_at=AT - timedelta(minutes=rnd.randint(1, 2000)),
                language=rnd.choice(sorted(line.languages)),
                priority=rnd.choice([0, 0, 0, 1, 1, 3, 9]),
            )
        )
    return items, people, lines


def timed(instance: Instance, repeat: int) -> tuple[BatchResult, list[float], list[float]]:
    """The result and the wall-clock and CPU seconds of each run.

    CPU time is reported too because the benchmark machine is shared: under load, wall time
    grows while the CPU time the solve needs does not.
    """
    items, people, lines = instance
    wall: list[float] = []
    cpu: list[float] = []
    result = None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = solve_batch(items, people, lines=lines, at=AT)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert result is not None
    return result, wall, cpu


def check_against_scipy(instance: Instance, result: BatchResult) -> float:
    """Assert that the total equals linear_sum_assignment's on the same cost matrix."""
    items, people, _ = instance
    row = {item.id: i for i, item in enumerate(items)}
    col = {person.id: j for j, person in enumerate(people)}
    forbidden = 10**12  # more than any sum of real costs: LSA then maximises real pairs first
    units = np.full((len(items), len(people)), forbidden, dtype=np.int64)
    for item, person, cost in result.eligible_pairs():
        units[row[item.id], col[person.id]] = int(cost.amount * 10_000)
    started = time.perf_counter()
    rows, cols = linear_sum_assignment(units)
    elapsed = time.perf_counter() - started
    chosen = units[rows, cols]
    real = chosen < forbidden
    assert int(real.sum()) == len(result.assignments), "SciPy assigns a different number"
    assert int(chosen[real].sum()) == result.stats.optimal_cost_units, "SciPy's total differs"
    assert result.total_cost is not None
    assert result.total_cost.amount * 10_000 == result.stats.optimal_cost_units
    return elapsed


def report(
    name: str, result: BatchResult, times: list[float], cpu: list[float], target: float
) -> None:
    s = result.stats
    per_item = s.eligible_pairs / max(1, s.items)
    print(
        f"{name}: {s.items} items x {s.specialists} specialists, {s.eligible_pairs} eligible "
        f"pairs ({per_item:.1f} per item), {s.groups} groups, {s.arcs} arcs, "
        f"{s.max_flow_runs} max-flow run(s)"
    )
    print(
        f"  solve_batch: median {statistics.median(times):.3f} s wall, "
        f"{statistics.median(cpu):.3f} s CPU of {len(times)} runs (last run: prepare "
        f"{s.prepare_seconds:.3f} s, flow {s.solve_seconds:.3f} s; target <= {target} s)"
    )
    print(
        f"  assigned {len(result.assignments)}, unassigned {len(result.unassigned)}, "
        f"total {result.total_cost}"
    )


def per_item_worst_case(n: int = 2000, m: int = 1000) -> None:
    """Every item its own group (no two alike): the flow core alone on a dense random matrix."""
    cost = np.random.default_rng(1).integers(10_000, 1_000_000, (n, m))
    groups, slots = np.nonzero(np.ones((n, m), dtype=bool))
    started = time.perf_counter()
    solution = solve_by_priority_then_cost(
        supply=np.ones(n, np.int64),
        tier=np.zeros(n, np.int64),
        capacity=np.ones(m, np.int64),
        arc_group=groups,
        arc_slot=slots,
        arc_cost=cost[groups, slots],
    )
    ours = time.perf_counter() - started
    started = time.perf_counter()
    rows, cols = linear_sum_assignment(cost)
    scipy_seconds = time.perf_counter() - started
    assert solution.cost == int(cost[rows, cols].sum())
    print(
        f"worst case, {n} x {m} all-distinct random costs, {n * m} arcs (flow core only): "
        f"{ours:.3f} s; linear_sum_assignment {scipy_seconds:.3f} s; totals equal"
    )


def main() -> None:
    dense = dense_instance()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result, times, cpu = timed(dense, repeat=5)
    report("dense", result, times, cpu, target=1.0)
    scipy_seconds = check_against_scipy(dense, result)
    print(
        f"  linear_sum_assignment on the same {len(dense[0])} x {len(dense[1])} cost matrix: "
        f"{scipy_seconds:.3f} s, same number assigned and same total (asserted)"
    )
    sparse = sparse_instance()
    result, times, cpu = timed(sparse, repeat=3)
    report("sparse", result, times, cpu, target=15.0)
    per_item_worst_case()
