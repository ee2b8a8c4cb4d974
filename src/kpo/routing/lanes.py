"""Timer lanes: many timers of one kind that fall due in the order they were set.

The router's timers are one heap of ``(at, seq, kind, target, token)``. SLA warnings are set
for every item as it arrives, and for the items of one service line they almost always fall
due in arrival order: the at-risk instant ``created + share × (due − created)`` is
``(1 − share) × created + share × due``, non-decreasing in ``created`` whenever the due instant
is (a fixed SLA target added in wall-clock or in business time under one calendar is). A lane
keeps such timers as two flat sequences — the tickets and their heap sequence numbers, about
16 bytes per timer instead of a tuple, a datetime and an int (about 160) — and only its first
timer sits in the heap. A timer that would fall due before the last one of its lane goes to
the heap as before, so the order in which timers fire, ties included, is exactly the heap's:
a lane is sorted by ``(at, seq)``, and its first entry is pushed with its own ``seq``.
"""

from __future__ import annotations

from array import array
from datetime import datetime
from typing import Any

__all__ = ["Lane", "StampedLane"]

_COMPACT_AT = 4096  # drop fired entries once this many lead the lane and they are half of it


class Lane:
    """Timers in firing order: ``tickets[head:]`` with their sequence numbers; ``last`` is
    when the last one falls due (``None`` while the lane is empty)."""

    __slots__ = ("head", "last", "seqs", "targets")

    def __init__(self) -> None:
        self.targets: list[Any] = []
        self.seqs = array("q")
        self.head = 0
        self.last: datetime | None = None

    def takes(self, at: datetime) -> bool:
        """Whether a timer due ``at`` keeps the lane in order."""
        last = self.last
        return last is None or at >= last

    def append(self, at: datetime, seq: int, target: Any) -> bool:
        """Add a timer that :meth:`takes`; returns whether it is the lane's first (then the
        caller pushes it to the heap)."""
        self.targets.append(target)
        self.seqs.append(seq)
        self.last = at
        return len(self.targets) - self.head == 1

    def pop(self) -> tuple[Any, int | None]:
        """The first target, and the sequence number of the next one (``None``: empty)."""
        head = self.head
        targets = self.targets
        target = targets[head]
        targets[head] = None  # no reference kept to a fired timer's target
        head += 1
        if head == len(targets):
            targets.clear()
            del self.seqs[:]
            self.head = 0
            self.last = None
            return target, None
        if head >= _COMPACT_AT and 2 * head >= len(targets):
            del targets[:head]
            del self.seqs[:head]
            head = 0
        self.head = head
        return target, self.seqs[head]

    def first(self) -> Any:
        return self.targets[self.head]

    def __len__(self) -> int:
        return len(self.targets) - self.head


class StampedLane:
    """A lane whose timers keep their own instant and token (offer timeouts: set ``now +
    timeout`` as time moves forward, so always in order); ``instants[head:]`` and
    ``tokens[head:]`` go with ``targets[head:]``."""

    __slots__ = ("head", "instants", "seqs", "targets", "tokens")

    def __init__(self) -> None:
        self.instants: list[datetime] = []
        self.targets: list[Any] = []
        self.seqs = array("q")
        self.tokens = array("q")
        self.head = 0

    def takes(self, at: datetime) -> bool:
        return len(self.targets) == self.head or at >= self.instants[-1]

    def append(self, at: datetime, seq: int, target: Any, token: int) -> bool:
        """Add a timer that :meth:`takes`; returns whether it is the lane's first."""
        if len(self.targets) == self.head and self.head:
            self.clear()
        self.instants.append(at)
        self.targets.append(target)
        self.seqs.append(seq)
        self.tokens.append(token)
        return len(self.targets) - self.head == 1

    def pop(self) -> tuple[Any, int, tuple[datetime, int] | None]:
        """The first target and its token, and when the next one falls due with its
        sequence number (``None``: empty)."""
        head = self.head
        target, token = self.targets[head], self.tokens[head]
        self.targets[head] = None  # no reference kept to a fired timer's target
        head += 1
        if head == len(self.targets):
            self._drop(head)
            return target, token, None
        if head >= _COMPACT_AT and 2 * head >= len(self.targets):
            self._drop(head)
            head = 0
        self.head = head
        return target, token, (self.instants[head], self.seqs[head])

    def clear(self) -> None:
        """Forget the fired timers of an empty lane (before it takes a new first one)."""
        self._drop(self.head)

    def _drop(self, count: int) -> None:
        del self.instants[:count], self.targets[:count], self.seqs[:count], self.tokens[:count]
        self.head = 0

    def __len__(self) -> int:
        return len(self.targets) - self.head
