"""What a simulated run produced, per item and per specialist (plain arrays and values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from kpo.domain.money import Money
from kpo.routing.engine import LineSetup

__all__ = ["ABANDONED", "CANCELLED", "OPEN", "RESOLVED", "Outcomes", "Staffed"]

# What became of an item (``Outcomes.outcome``); open: still open at the end.
OPEN, RESOLVED, ABANDONED, CANCELLED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Staffed:
    """One specialist's simulated run: on-shift seconds, busy seconds (time in work: a call
    counts fully, a chat 1/capacity, never more than fully busy at once), work seconds spent
    on the items they resolved, and how many they resolved."""

    specialist_id: str
    vendor_id: str
    hourly_cost: Money
    staffed_seconds: float
    busy_seconds: float
    resolved_work_seconds: float
    resolved: int


@dataclass(frozen=True)
class Outcomes:
    """What happened to every item, in arrival order (numpy arrays of equal length).

    Times are seconds from ``start``; ``answered`` (first start of work) and ``due`` (first
    response due; for calls and chats the answer-within instant when the line has one) are
    NaN when absent. ``outcome``: 0 open, 1 resolved, 2 abandoned, 3 cancelled. ``worker``
    is the index into ``staff`` of who resolved the item (−1 otherwise).
    """

    start: datetime
    end: datetime
    lines: tuple[LineSetup, ...]
    line: NDArray[np.int16]
    arrival: NDArray[np.float64]
    answered: NDArray[np.float64]
    due: NDArray[np.float64]
    outcome: NDArray[np.int8]
    worker: NDArray[np.int32]
    staff: tuple[Staffed, ...]
    router_events: Mapping[str, int]

    @property
    def simulated_seconds(self) -> float:
        return (self.end - self.start).total_seconds()
