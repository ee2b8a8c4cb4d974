"""Routing policies: ordered steps, each widening who may take an item after a timeout.

A step has a target filter (an expression over item and specialist attributes, see
:mod:`kpo.routing.expressions`), a ranking strategy, an optional skill-level relaxation and
a timeout after which the next step applies. Example, as stored (JSON)::

    [
      {"filter": "specialist.vendor == 'krakow'", "ranking": "least_cost", "timeout_seconds": 120},
      {"ranking": "cost_sla", "timeout_seconds": 600},
      {"ranking": "best_skill", "relax_levels": 1}
    ]

A ``min_cost_batch`` step (for ticket, back-office and project lines) offers nothing one at a
time: every ``batch_seconds`` its waiting items are assigned together to the free capacity
at the least total cost, e.g. ``{"ranking": "min_cost_batch", "batch_seconds": 300}``.

Step *k* applies to an item whose age (time since it was queued, never reset by a rejected
offer) is at least the sum of the timeouts of steps before it. The last step has no timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "DEFAULT_POLICY",
    "CompiledFilter",
    "PolicyStep",
    "Ranking",
    "RoutingPolicy",
]


class Ranking(StrEnum):
    """How eligible specialists are ordered; the first is offered the item."""

    LEAST_COST = "least_cost"  # lowest cost of this item (hourly cost × expected handle time)
    BEST_SKILL = "best_skill"  # highest level in the line's skills, then least cost
    LONGEST_IDLE = "longest_idle"  # longest since their last item ended
    COST_SLA = "cost_sla"  # generalized cμ: urgency × speed ÷ cost, highest first
    # Not one at a time: every ``batch_interval`` the step's waiting items are assigned
    # together to the free capacity at the least total cost (kpo.routing.batch_step).
    MIN_COST_BATCH = "min_cost_batch"


class CompiledFilter(Protocol):
    """A target filter compiled once when the policy is saved.

    ``specialist_only`` filters depend on specialist attributes alone and are evaluated when a
    specialist changes, never per decision.
    """

    source: str
    specialist_only: bool

    def matches(self, item: Mapping[str, Any], specialist: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True, slots=True)
class PolicyStep:
    ranking: Ranking
    filter: CompiledFilter | None = None
    timeout: timedelta | None = None
    relax_levels: int = 0
    batch_interval: timedelta | None = None  # min_cost_batch steps only

    @property
    def batched(self) -> bool:
        return self.ranking is Ranking.MIN_COST_BATCH


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    steps: tuple[PolicyStep, ...]

    def step_at(self, age: timedelta) -> int:
        """Index of the step that applies to an item of this age."""
        elapsed = timedelta(0)
        for index, step in enumerate(self.steps):
            if step.timeout is None:
                return index
            elapsed += step.timeout
            if age < elapsed:
                return index
        return len(self.steps) - 1


DEFAULT_POLICY = RoutingPolicy((PolicyStep(Ranking.COST_SLA),))
