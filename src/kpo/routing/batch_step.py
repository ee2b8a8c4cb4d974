"""The live engine's periodic batch: waiting items of a ``min_cost_batch`` policy step
assigned together to the free capacity at the least total cost.

A service line whose policy has a ``min_cost_batch`` step does not offer that step's items
one at a time: they wait, and every ``batch_seconds`` the engine solves one exact assignment
of all of them (every language of the line) to every free slot — most items of the highest
priority first, then the least total cost, with
:func:`kpo.routing.flow.solve_by_priority_then_cost`, the same solver and order as
``kpo route batch``. Who may take an item and what it costs come
from the engine's index, so eligibility (skills with the step's relaxation, language, on
shift in their own zone, enough shift left, status, free capacity, the step's filter, not a
specialist who refused the item) and cost (hourly cost × expected handle time) are exactly
the online path's.

This module only turns that view into the solver's integers and back; the engine makes the
offers (:meth:`kpo.routing.engine.Router.run_batches`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from kpo.routing.flow import solve_by_priority_then_cost

__all__ = ["COST_UNITS", "BatchGroup", "BatchPick", "solve_step"]

COST_UNITS = 10_000  # integer cost units per currency unit (as kpo.routing.batch_network)

T = TypeVar("T")  # an item (ticket)
A = TypeVar("A", bound=Hashable)  # a slot (specialist and channel)


@dataclass(frozen=True, slots=True)
class BatchGroup(Generic[T, A]):
    """Interchangeable items: the same priority and the same options. ``items`` are in task
    order (the oldest first get the slots); ``options`` are the slots that may take them with
    the cost of one item there."""

    items: Sequence[T]
    priority: int
    options: Sequence[tuple[A, float]]


@dataclass(frozen=True, slots=True)
class BatchPick(Generic[T, A]):
    item: T
    slot: A
    cost: float
    group: int


def solve_step(groups: Sequence[BatchGroup[T, A]], capacity: dict[A, int]) -> list[BatchPick[T, A]]:
    """The optimal picks: as many items of the highest priority as possible, then of the
    next, …, then the least total cost (costs rounded to 1/10,000 of the currency)."""
    slot_of: dict[A, int] = {}
    arc_group: list[int] = []
    arc_slot: list[int] = []
    arc_cost: list[int] = []
    arc_key: list[tuple[A, float]] = []
    for number, group in enumerate(groups):
        for slot, cost in group.options:
            if capacity.get(slot, 0) <= 0:
                continue
            arc_group.append(number)
            arc_slot.append(slot_of.setdefault(slot, len(slot_of)))
            arc_cost.append(max(0, round(cost * COST_UNITS)))
            arc_key.append((slot, cost))
    if not arc_group:
        return []
    caps = [0] * len(slot_of)
    for slot, position in slot_of.items():
        caps[position] = capacity[slot]
    solution = solve_by_priority_then_cost(
        supply=np.array([len(g.items) for g in groups], dtype=np.int64),
        tier=np.array([g.priority for g in groups], dtype=np.int64),
        capacity=np.array(caps, dtype=np.int64),
        arc_group=np.array(arc_group, dtype=np.int64),
        arc_slot=np.array(arc_slot, dtype=np.int64),
        arc_cost=np.array(arc_cost, dtype=np.int64),
    )
    taken = [0] * len(groups)
    picks: list[BatchPick[T, A]] = []
    for arc, count in enumerate(solution.flow.tolist()):
        if not count:
            continue
        number = arc_group[arc]
        slot, cost = arc_key[arc]
        items = groups[number].items
        for item in items[taken[number] : taken[number] + count]:
            picks.append(BatchPick(item, slot, cost, number))
        taken[number] += count
    return picks
