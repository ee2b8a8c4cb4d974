"""The integer core: lexicographic (priority, then cost) assignment against independent solvers."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from kpo.routing.flow import FlowSolution, solve_by_priority_then_cost


def solve_matrix(cost: NDArray[np.int64], allowed: NDArray[np.bool_] | None = None) -> FlowSolution:
    n, m = cost.shape
    allowed = np.ones((n, m), dtype=bool) if allowed is None else allowed
    groups, slots = np.nonzero(allowed)
    return solve_by_priority_then_cost(
        supply=np.ones(n, np.int64),
        tier=np.zeros(n, np.int64),
        capacity=np.ones(m, np.int64),
        arc_group=groups,
        arc_slot=slots,
        arc_cost=cost[groups, slots],
    )


@pytest.mark.parametrize(("n", "m"), [(1, 1), (5, 7), (7, 5), (40, 40), (120, 60), (60, 120)])
def test_dense_costs_equal_linear_sum_assignment(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 1000 + m)
    cost = rng.integers(0, 10_000, (n, m))
    rows, cols = linear_sum_assignment(cost)
    solution = solve_matrix(cost)
    assert solution.cost == int(cost[rows, cols].sum())
    assert solution.assigned.sum() == min(n, m)
    assert solution.exact


@pytest.mark.parametrize("seed", range(20))
def test_sparse_costs_equal_linear_sum_assignment_with_a_big_penalty(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 30, 2)
    cost = rng.integers(0, 1000, (n, m))
    allowed = rng.random((n, m)) < 0.3
    big = 10**9  # larger than any sum of real costs: LSA then maximises the real pairs first
    rows, cols = linear_sum_assignment(np.where(allowed, cost, big))
    real = allowed[rows, cols]
    solution = solve_matrix(cost, allowed)
    assert solution.assigned.sum() == real.sum()
    assert solution.cost == int(cost[rows, cols][real].sum())


def brute_force(
    tiers: list[int], capacity: list[int], arcs: dict[tuple[int, int], int]
) -> tuple[tuple[int, ...], int]:
    """Best (placed per priority from the highest, −cost) over every feasible assignment."""
    levels = sorted(set(tiers), reverse=True)
    best: tuple[tuple[int, ...], int] | None = None
    options = [[None, *(s for (g, s) in arcs if g == item)] for item in range(len(tiers))]
    for choice in itertools.product(*options):
        used = [0] * len(capacity)
        for slot in choice:
            if slot is not None:
                used[slot] += 1
        if any(u > c for u, c in zip(used, capacity, strict=True)):
            continue
        placed = tuple(
            sum(1 for g, s in enumerate(choice) if s is not None and tiers[g] == t) for t in levels
        )
        cost = sum(arcs[(g, s)] for g, s in enumerate(choice) if s is not None)
        key = (placed, -cost)
        if best is None or key > best:
            best = key
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(60))
def test_small_instances_match_brute_force(seed: int) -> None:
    rnd = random.Random(seed)
    items, slots = rnd.randint(1, 7), rnd.randint(1, 5)
    tiers = [rnd.choice([0, 0, 1, 5]) for _ in range(items)]
    capacity = [rnd.choice([0, 1, 1, 2]) for _ in range(slots)]
    arcs = {
        (g, s): rnd.randint(0, 50) for g in range(items) for s in range(slots) if rnd.random() < 0.5
    }
    (placed, negative_cost) = brute_force(tiers, capacity, arcs)
    pairs = sorted(arcs)
    solution = solve_by_priority_then_cost(
        supply=np.ones(items, np.int64),
        tier=np.array(tiers, np.int64),
        capacity=np.array(capacity, np.int64),
        arc_group=np.array([g for g, _ in pairs], np.int64),
        arc_slot=np.array([s for _, s in pairs], np.int64),
        arc_cost=np.array([arcs[p] for p in pairs], np.int64),
    )
    levels = sorted(set(tiers), reverse=True)
    assert tuple(solution.assigned_by_tier[t] for t in levels) == placed
    assert solution.cost == -negative_cost
    flow = dict(zip(pairs, solution.flow.tolist(), strict=True))
    for s in range(slots):
        assert sum(f for (_, slot), f in flow.items() if slot == s) <= capacity[s]
    for g in range(items):
        assert sum(f for (group, _), f in flow.items() if group == g) <= 1


def test_a_group_sends_several_items_and_respects_slot_capacity() -> None:
    solution = solve_by_priority_then_cost(
        supply=np.array([5]),
        tier=np.array([0]),
        capacity=np.array([2, 2]),
        arc_group=np.array([0, 0]),
        arc_slot=np.array([0, 1]),
        arc_cost=np.array([3, 1]),
    )
    assert solution.flow.tolist() == [2, 2]
    assert solution.cost == 8


def test_costs_too_large_for_the_solver_are_coarsened_and_say_so() -> None:
    solution = solve_by_priority_then_cost(
        supply=np.array([1, 1]),
        tier=np.array([0, 0]),
        capacity=np.array([1]),
        arc_group=np.array([0, 1]),
        arc_slot=np.array([0, 0]),
        arc_cost=np.array([2**61, 2**61 - 2**50]),
    )
    assert not solution.exact
    assert solution.cost_divisor > 1
    assert solution.flow.tolist() == [0, 1]


def test_no_arcs_assigns_nothing() -> None:
    empty = np.zeros(0, np.int64)
    solution = solve_by_priority_then_cost(
        supply=np.array([3]),
        tier=np.array([2]),
        capacity=empty,
        arc_group=empty,
        arc_slot=empty,
        arc_cost=empty,
    )
    assert solution.assigned.tolist() == [0]
    assert solution.assigned_by_tier == {2: 0}
