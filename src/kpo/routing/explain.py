"""Why an item went where it went: one :class:`Decision` per routing decision.

A decision is taken when an item arrives, comes back to the queue (rejected, timed out,
withdrawn), reaches a wider policy step, or when a specialist frees up and takes the first
item in task order. Items that find nobody are recorded too, with ``winner`` ``None``.

Scores are what the ranking compares (see :mod:`kpo.routing.ranking`):

==============  ====================================================  ==============
ranking         score                                                 best is
==============  ====================================================  ==============
least_cost      cost of the item (hourly cost × expected handle time)  lowest
best_skill      mean level in the line's required skills               highest
longest_idle    seconds since the specialist's last item ended         highest
cost_sla        urgency × speed ÷ cost (generalized cμ)                highest
==============  ====================================================  ==============
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from kpo.routing.policies import Ranking

__all__ = ["Candidate", "Decision", "Trigger"]


class Trigger(StrEnum):
    """What made the engine decide."""

    NEW_ITEM = "new_item"  # submitted
    REQUEUED = "requeued"  # rejected, timed out or withdrawn, routed again
    STEP_TIMEOUT = "step_timeout"  # the item's age reached the next policy step
    SPECIALIST_FREED = "specialist_freed"  # a specialist got free capacity and took it
    RESTORED = "restored"  # routed after the engine was rebuilt from storage
    BATCH = "batch"  # a min_cost_batch step's periodic least-total-cost assignment


class Candidate(NamedTuple):
    specialist_id: str
    vendor_id: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"specialist": self.specialist_id, "vendor": self.vendor_id, "score": self.score}


class Decision(NamedTuple):
    """One routing decision about ``item_id`` at ``at``.

    ``eligible_count`` is how many specialists could have taken the item at that moment under
    the policy step that applied (skills with the step's relaxation, language, the step's
    filter, on shift with enough shift left, free capacity on the channel, not a former
    rejecter). ``candidates`` are the best few of them in ranking order with their scores; for
    a ``specialist_freed`` decision it is the freed specialist alone, because there the
    specialist picks the item (task order), not the other way round. ``reason`` says in words
    why the winner won.

    Tuples rather than dataclasses: one is made per decision on the hot path.
    """

    item_id: str
    at: datetime
    trigger: Trigger
    step: int
    ranking: Ranking
    eligible_count: int
    candidates: tuple[Candidate, ...]
    winner: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item_id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "trigger": self.trigger.value,
            "step": self.step,
            "ranking": self.ranking.value,
            "eligible_count": self.eligible_count,
            "candidates": [c.to_json() for c in self.candidates],
            "winner": self.winner,
            "reason": self.reason,
        }
