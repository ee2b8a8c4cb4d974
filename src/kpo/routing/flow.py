"""Exact assignment of groups of interchangeable items to capacity, by priority then cost.

This is the integer core of batch optimisation (:mod:`kpo.routing.batch` builds its input from
domain objects). It knows nothing of specialists or money: only numbers.

Input: *groups* of interchangeable items (``supply[g]`` items of priority ``tier[g]``),
*slots* with ``capacity[s]`` free places, and arcs ``group → slot`` with an integer
``cost`` per item. The solution sends each item to at most one slot, never more items to a
slot than its capacity, and is optimal in this strict (lexicographic) order:

1. as many items of the highest priority as possible, then as many of the next priority,
   and so on down to the lowest;
2. among those, the least total cost.

Why this also assigns the largest possible number of items: the sets of items that can be
placed together are the independent sets of a (transversal) matroid, so taking priorities
greedily from the top yields a basis, and every basis has the same, maximal, size. Priority
therefore never costs a single assignment; it only decides *which* items are left out.

How: the most items of priority ≥ p that fit together is a maximum flow (OR-Tools
``SimpleMaxFlow``), one per distinct priority — and a single one when everything fits. The
differences give how many items of each priority the optimum assigns, ``k_p``. A min-cost
flow (OR-Tools ``SimpleMinCostFlow``) then routes exactly ``k_p`` items from a node per
priority::

    priority node ──(supply of the group)──▶ group ──(cost)──▶ slot ──(capacity)──▶ sink
       supply k_p                                                                    −Σ k_p

No big-M penalty is needed, so costs keep their full integer precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

__all__ = ["FlowSolution", "solve_by_priority_then_cost"]

IntArray = NDArray[np.int64]

# OR-Tools' cost scaling multiplies unit costs by about the number of nodes, and the total
# cost must fit too: keep cost × max(nodes, items) within this (measured with a margin).
_COST_LIMIT = 2**61


@dataclass(frozen=True, slots=True)
class FlowSolution:
    """``flow[a]`` items go along arc ``a``; ``assigned[g]`` items of group ``g`` are placed.

    ``cost`` is the optimal total in the integer units given (divided by ``cost_divisor``
    when costs had to be coarsened to fit OR-Tools' range, in which case ``exact`` is false).
    """

    flow: IntArray
    assigned: IntArray
    assigned_by_tier: dict[int, int]
    cost: int
    exact: bool
    cost_divisor: int
    max_flow_runs: int
    nodes: int
    arcs: int


def solve_by_priority_then_cost(
    *,
    supply: IntArray,
    tier: IntArray,
    capacity: IntArray,
    arc_group: IntArray,
    arc_slot: IntArray,
    arc_cost: IntArray,
) -> FlowSolution:
    """Place items of groups on slots: most of each priority from the highest, then cheapest.

    Arrays are indexed as described in the module docstring; costs must be non-negative.
    """
    problem = _Problem(
        _ints(supply),
        _ints(tier),
        _ints(capacity),
        _ints(arc_group),
        _ints(arc_slot),
        _ints(arc_cost),
    )
    groups, arcs = len(problem.supply), len(problem.arc_group)
    tiers = sorted({int(t) for t in problem.tier}, reverse=True)
    if arcs == 0:
        return FlowSolution(
            flow=np.zeros(0, np.int64),
            assigned=np.zeros(groups, np.int64),
            assigned_by_tier=dict.fromkeys(tiers, 0),
            cost=0,
            exact=True,
            cost_divisor=1,
            max_flow_runs=0,
            nodes=0,
            arcs=0,
        )
    quotas, runs = problem.quotas_by_tier(tiers)
    nodes = groups + len(problem.capacity) + 1 + len(tiers)
    spread = max(nodes, int(problem.supply.sum())) + 1
    divisor = max(1, -(-int(problem.arc_cost.max()) * spread // _COST_LIMIT))
    solver, flow, status = problem.min_cost(quotas, divisor)
    while status == min_cost_flow.SimpleMinCostFlow.BAD_COST_RANGE:
        divisor *= 2
        solver, flow, status = problem.min_cost(quotas, divisor)
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status!r}; the quotas are feasible")
    return FlowSolution(
        flow=flow,
        assigned=np.bincount(problem.arc_group, weights=flow, minlength=groups).astype(np.int64),
        assigned_by_tier=quotas,
        cost=int(solver.optimal_cost()),
        exact=divisor == 1,
        cost_divisor=divisor,
        max_flow_runs=runs,
        nodes=nodes,
        arcs=int(solver.num_arcs()),
    )


@dataclass(frozen=True)
class _Problem:
    supply: IntArray
    tier: IntArray
    capacity: IntArray
    arc_group: IntArray
    arc_slot: IntArray
    arc_cost: IntArray

    def __post_init__(self) -> None:
        groups, arcs = len(self.supply), len(self.arc_group)
        if not (len(self.tier) == groups and len(self.arc_slot) == arcs == len(self.arc_cost)):
            raise ValueError("supply/tier and the three arc arrays must have matching lengths")
        if arcs and min(self.arc_cost.min(), self.supply.min(), self.capacity.min()) < 0:
            raise ValueError("supplies, capacities and costs must not be negative")

    @property
    def arc_capacity(self) -> IntArray:
        return np.minimum(self.supply[self.arc_group], self.capacity[self.arc_slot])

    def quotas_by_tier(self, tiers: list[int]) -> tuple[dict[int, int], int]:
        """How many items of each priority the optimum places, and the max-flow runs it took."""
        groups, slots = len(self.supply), len(self.capacity)
        source, sink = groups + slots, groups + slots + 1
        solver = max_flow.SimpleMaxFlow()
        first_source_arc = solver.add_arcs_with_capacity(
            np.full(groups, source, np.int64), np.arange(groups, dtype=np.int64), self.supply
        )
        solver.add_arcs_with_capacity(self.arc_group, groups + self.arc_slot, self.arc_capacity)
        solver.add_arcs_with_capacity(
            groups + np.arange(slots, dtype=np.int64), np.full(slots, sink, np.int64), self.capacity
        )
        source_arcs = int(first_source_arc[0]) + np.arange(groups, dtype=np.int64)
        demand = {t: int(self.supply[self.tier == t].sum()) for t in tiers}

        def most_placed(min_tier: int) -> int:
            solver.set_arcs_capacity(source_arcs, np.where(self.tier >= min_tier, self.supply, 0))
            status = solver.solve(source, sink)
            if status != max_flow.SimpleMaxFlow.OPTIMAL:
                raise RuntimeError(f"max flow ended with status {status!r}")
            return int(solver.optimal_flow())

        everything = most_placed(tiers[-1])
        if everything == sum(demand.values()):
            return demand, 1
        quotas: dict[int, int] = {}
        placed_above = 0
        for t in tiers[:-1]:
            placed = most_placed(t)
            quotas[t] = placed - placed_above
            placed_above = placed
        quotas[tiers[-1]] = everything - placed_above
        return quotas, len(tiers)

    def min_cost(
        self, quotas: dict[int, int], divisor: int
    ) -> tuple[min_cost_flow.SimpleMinCostFlow, IntArray, Any]:
        """Route exactly ``quotas[t]`` items of each priority at least cost (costs ÷ divisor)."""
        groups, slots, arcs = len(self.supply), len(self.capacity), len(self.arc_group)
        sink = groups + slots
        tier_node = {t: sink + 1 + i for i, t in enumerate(quotas)}
        costs = self.arc_cost if divisor == 1 else (self.arc_cost + divisor // 2) // divisor
        solver = min_cost_flow.SimpleMinCostFlow()
        zeros = np.zeros(max(groups, slots), np.int64)
        solver.add_arcs_with_capacity_and_unit_cost(
            np.array([tier_node[int(t)] for t in self.tier], dtype=np.int64),
            np.arange(groups, dtype=np.int64),
            self.supply,
            zeros[:groups],
        )
        first_arc = solver.add_arcs_with_capacity_and_unit_cost(
            self.arc_group, groups + self.arc_slot, self.arc_capacity, costs
        )
        solver.add_arcs_with_capacity_and_unit_cost(
            groups + np.arange(slots, dtype=np.int64),
            np.full(slots, sink, np.int64),
            self.capacity,
            zeros[:slots],
        )
        solver.set_nodes_supplies(
            np.array([*tier_node.values(), sink], dtype=np.int64),
            np.array([*quotas.values(), -sum(quotas.values())], dtype=np.int64),
        )
        status = solver.solve()
        flow = np.zeros(arcs, np.int64)
        if status == min_cost_flow.SimpleMinCostFlow.OPTIMAL:
            arc_ids = int(first_arc[0]) + np.arange(arcs, dtype=np.int64)
            flow = np.asarray(solver.flows(arc_ids), dtype=np.int64)
        return solver, flow, status


def _ints(values: Any) -> IntArray:
    return np.ascontiguousarray(values, dtype=np.int64)
