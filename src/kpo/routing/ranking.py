"""Ranking keys: how the eligible specialists of one policy step are ordered.

Keys are tuples, smallest first, and stay fixed between events, so that each pool of
specialists can be a heap (:mod:`kpo.routing.index`). They are binary floats derived from
the exact model of :mod:`kpo.routing.model` (money stays ``Decimal`` everywhere else); ties
are broken by the specialist's position in id order.

With *h* the expected handle time of the item for the specialist in hours
(:func:`kpo.routing.model.expected_handle_time`), *c* its cost (hourly cost × *h*,
:func:`kpo.routing.model.assignment_cost`), *L* the mean level over the line's required skills
and *r* the remaining business time to the item's due instant in hours:

* ``least_cost``: key (*c*); score *c*, lowest first.
* ``best_skill``: key (−*L*, *c*); score *L*, highest first, then cheapest.
* ``longest_idle``: key (*t*), *t* the instant the specialist's last item ended (or their
  shift started, whichever is later); score: seconds since *t*, highest first.
* ``cost_sla`` (generalized cμ): score = *u* · μ ÷ *c* with urgency *u* = 1 ÷ max(*r*, 1/60)
  (per hour; an item due in a minute or overdue counts as due in one minute), speed
  μ = 1 ÷ *h* (items per hour) and cost *c* per item. For one item *u* multiplies every
  candidate alike, so the order is by 1 ÷ (*h* · *c*), i.e. key (*h* · *c*): speed counts
  twice as much as in ``least_cost`` (1 ÷ *c*), so a faster specialist can beat a cheaper
  one. Items without a due instant use *r* = 24 h.

Task order (which queued item a freed specialist takes) is fixed: higher priority first, then
the oldest (``created_at``, never reset by a rejected offer), then the earliest submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpo.domain.clients import ServiceLine
from kpo.domain.specialists import Specialist
from kpo.routing.model import expected_handle_time
from kpo.routing.policies import Ranking

__all__ = [
    "NO_DUE_HOURS",
    "Fit",
    "FitCache",
    "score",
    "static_key",
    "urgency",
]

NO_DUE_HOURS = 24.0
_MIN_HOURS = 1 / 60
_TINY = 1e-12


@dataclass(frozen=True, slots=True)
class Fit:
    """How one specialist fits one service line: expected handle time, cost, mean level."""

    handle_seconds: int
    cost: float
    level: float
    # The negated keys the index sorts by (computed once; every pool entry shares them).
    neg_cost: float = field(init=False, compare=False, repr=False)
    neg_cost_sla: float = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "neg_cost", -self.cost)
        object.__setattr__(self, "neg_cost_sla", -(self.handle_seconds / 3600 * self.cost))


class FitCache:
    """Fits, computed with the shared model once per distinct combination of levels."""

    def __init__(self) -> None:
        self._by_levels: dict[tuple[str, tuple[int, ...]], tuple[int, float]] = {}
        self._interned: dict[tuple[int, float, float], Fit] = {}  # equal fits: one object

    def fit(self, line: ServiceLine, specialist: Specialist) -> Fit:
        levels = tuple(specialist.level_of(r.skill) for r in line.required_skills)
        key = (line.id, levels)
        known = self._by_levels.get(key)
        if known is None:
            seconds = int(expected_handle_time(line, specialist).total_seconds())
            known = self._by_levels[key] = (seconds, sum(levels) / len(levels))
        seconds, level = known
        cost = float(specialist.hourly_cost.amount) * seconds / 3600
        fit = self._interned.get((seconds, cost, level))
        if fit is None:
            fit = self._interned[seconds, cost, level] = Fit(seconds, cost, level)
        return fit


def static_key(ranking: Ranking, fit: Fit) -> tuple[float, ...]:
    """The part of the key that does not change while the specialist is on shift
    (``longest_idle`` has none: its key is the idle-since instant)."""
    if ranking is Ranking.LEAST_COST:
        return (fit.cost,)
    if ranking is Ranking.BEST_SKILL:
        return (-fit.level, fit.cost)
    if ranking is Ranking.COST_SLA:
        return (fit.handle_seconds / 3600 * fit.cost,)
    return ()


def urgency(remaining_hours: float | None) -> float:
    """1 ÷ remaining business hours, floored at one minute; ``None`` (no due) is 24 h."""
    hours = NO_DUE_HOURS if remaining_hours is None else remaining_hours
    return 1 / max(hours, _MIN_HOURS)


_LEAST_COST, _BEST_SKILL, _LONGEST_IDLE = (
    Ranking.LEAST_COST,
    Ranking.BEST_SKILL,
    Ranking.LONGEST_IDLE,
)


def score(ranking: Ranking, first_key: float, *, now_ts: float, item_urgency: float) -> float:
    """The score shown in explanations, from the first element of a heap key."""
    if ranking is _LEAST_COST:
        return first_key
    if ranking is _BEST_SKILL:
        return -first_key
    if ranking is _LONGEST_IDLE:
        return max(0.0, now_ts - first_key)
    return item_urgency / max(first_key, _TINY)
