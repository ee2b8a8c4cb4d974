"""Erlang A against a discrete-event simulation and against Erlang C for patient callers."""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import TypedDict

import pytest

from kpo.domain.errors import ValidationError
from kpo.planning import erlang, erlang_a


class Workload(TypedDict):
    arrivals: float
    interval_seconds: float
    aht_seconds: float


WORKLOAD: Workload = {"arrivals": 100.0, "interval_seconds": 1800.0, "aht_seconds": 180.0}


@dataclass
class Simulated:
    service_level: float
    abandonment: float
    wait_probability: float
    asa_seconds: float


def simulate(
    *, agents: int, rate: float, aht: float, patience: float, within: float, calls: int, seed: int
) -> Simulated:
    """M/M/N+M by events: FIFO queue, callers hang up when their patience runs out."""
    rng = random.Random(seed)
    events: list[tuple[float, int, int]] = []  # (time, kind 0=departure 1=arrival, call)
    arrivals_at: list[float] = []
    patience_of: list[float] = []
    queue: list[int] = []
    head = 0
    free = agents
    answered_within = waited = abandoned = answered = 0
    total_wait = 0.0
    clock = 0.0
    for call in range(calls):
        clock += rng.expovariate(rate)
        arrivals_at.append(clock)
        patience_of.append(rng.expovariate(1 / patience))
        heapq.heappush(events, (clock, 1, call))

    def answer(call: int, now: float) -> None:
        nonlocal answered, answered_within, total_wait
        wait = now - arrivals_at[call]
        answered += 1
        total_wait += wait
        answered_within += wait <= within
        heapq.heappush(events, (now + rng.expovariate(1 / aht), 0, call))

    while events:
        now, kind, call = heapq.heappop(events)
        if kind == 1:
            if free:
                free -= 1
                answer(call, now)
            else:
                waited += 1
                queue.append(call)
            continue
        free += 1
        while head < len(queue):
            nxt = queue[head]
            head += 1
            if arrivals_at[nxt] + patience_of[nxt] < now:
                abandoned += 1
                continue
            free -= 1
            answer(nxt, now)
            break
    abandoned += len(queue) - head
    return Simulated(
        service_level=answered_within / calls,
        abandonment=abandoned / calls,
        wait_probability=waited / calls,
        asa_seconds=total_wait / answered,
    )


@pytest.mark.parametrize(
    ("agents", "patience", "within"),
    [(9, 120.0, 20.0), (11, 300.0, 30.0), (12, 60.0, 0.0)],
)
def test_matches_simulation(agents: int, patience: float, within: float) -> None:
    formula = erlang_a.evaluate(agents, patience_seconds=patience, answer_within=within, **WORKLOAD)
    sim = simulate(
        agents=agents,
        rate=100 / 1800,
        aht=180,
        patience=patience,
        within=within,
        calls=200_000,
        seed=7,
    )
    assert formula.service_level == pytest.approx(sim.service_level, abs=0.006)
    assert formula.abandonment == pytest.approx(sim.abandonment, abs=0.004)
    assert formula.wait_probability == pytest.approx(sim.wait_probability, abs=0.006)
    assert formula.asa_seconds == pytest.approx(sim.asa_seconds, rel=0.04)


def test_abandonment_agrees_with_littles_law() -> None:
    # P(abandon) = θ·E[queue length] / λ, computed here from the same chain independently
    agents, load, theta = 9, 10.0, 180 / 120
    metrics = erlang_a.evaluate(agents, patience_seconds=120, answer_within=20, **WORKLOAD)
    weights = [load**k / math.factorial(k) for k in range(agents + 1)]
    for j in range(1, 400):
        weights.append(weights[-1] * load / (agents + j * theta))
    total = sum(weights)
    queue = sum(j * w for j, w in enumerate(weights[agents:])) / total
    assert metrics.abandonment == pytest.approx(theta * queue / load, rel=1e-9)


@pytest.mark.parametrize("agents", [11, 14, 20])
def test_reduces_to_erlang_c_as_patience_grows(agents: int) -> None:
    c = erlang.evaluate(agents, answer_within=20, **WORKLOAD)
    previous = math.inf
    for patience in (1e3, 1e5, 1e7):
        a = erlang_a.evaluate(agents, patience_seconds=patience, answer_within=20, **WORKLOAD)
        gap = abs(a.service_level - c.service_level) + abs(a.wait_probability - c.wait_probability)
        assert gap < previous
        previous = gap
    assert a.service_level == pytest.approx(c.service_level, abs=1e-4)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-3)
    assert a.abandonment is not None
    assert a.abandonment < 1e-4


def test_required_agents_is_minimal_and_meets_every_limit() -> None:
    result = erlang_a.required_agents(
        patience_seconds=120,
        target_sl=0.8,
        answer_within=20,
        max_abandonment=0.02,
        **WORKLOAD,
    )
    assert result.service_level >= 0.8
    assert result.abandonment is not None
    assert result.abandonment <= 0.02
    below = erlang_a.evaluate(result.agents - 1, patience_seconds=120, answer_within=20, **WORKLOAD)
    assert below.service_level < 0.8 or (below.abandonment or 0) > 0.02


def test_large_load_is_solved() -> None:
    result = erlang_a.required_agents(
        arrivals=5000,
        interval_seconds=1800,
        aht_seconds=180,
        patience_seconds=120,
        target_sl=0.8,
        answer_within=20,
    )
    assert 400 < result.agents < 520
    assert 0 <= result.service_level <= 1


@pytest.mark.parametrize("agents", [1, 10, 19_000, 20_000, 25_000])
def test_stable_from_overload_to_twenty_thousand_agents(agents: int) -> None:
    metrics = erlang_a.evaluate(
        agents,
        arrivals=200_000,
        interval_seconds=1800,
        aht_seconds=180,
        patience_seconds=120,
        answer_within=20,
    )
    assert metrics.abandonment is not None
    for share in (metrics.service_level, metrics.wait_probability, metrics.abandonment):
        assert 0 <= share <= 1
    assert math.isfinite(metrics.asa_seconds)
    assert metrics.occupancy == pytest.approx(20_000 * (1 - metrics.abandonment) / agents)


def test_rejects_bad_patience() -> None:
    with pytest.raises(ValidationError, match="patience"):
        erlang_a.evaluate(10, patience_seconds=0, answer_within=20, **WORKLOAD)
