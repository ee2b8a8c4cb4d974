"""Work items and their state machine.

::

    queued ──▶ offered ──▶ assigned ──▶ in_progress ⇄ waiting_on_client
      ▲           │            │             │               │
      └───────────┴────────────┴─────────────┘               ├──▶ resolved
        (offer rejected / timed out, specialist left)        └──▶ cancelled

Every non-final state can be cancelled; ``resolved`` is reached from ``in_progress`` or
``waiting_on_client``. Any other move raises :class:`IllegalTransition` naming both states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kpo.domain.errors import IllegalTransition, ValidationError
from kpo.domain.events import (
    DomainEvent,
    ItemAssigned,
    ItemCancelled,
    ItemQueued,
    ItemResolved,
    ItemStateChanged,
)
from kpo.domain.instants import require_utc

__all__ = ["TRANSITIONS", "Transition", "WorkItem", "WorkItemState"]


class WorkItemState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CLIENT = "waiting_on_client"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (WorkItemState.RESOLVED, WorkItemState.CANCELLED)


_S = WorkItemState
TRANSITIONS: dict[WorkItemState, frozenset[WorkItemState]] = {
    _S.QUEUED: frozenset({_S.OFFERED, _S.CANCELLED}),
    _S.OFFERED: frozenset({_S.ASSIGNED, _S.QUEUED, _S.CANCELLED}),
    _S.ASSIGNED: frozenset({_S.IN_PROGRESS, _S.QUEUED, _S.CANCELLED}),
    _S.IN_PROGRESS: frozenset({_S.WAITING_ON_CLIENT, _S.RESOLVED, _S.QUEUED, _S.CANCELLED}),
    _S.WAITING_ON_CLIENT: frozenset({_S.IN_PROGRESS, _S.RESOLVED, _S.CANCELLED}),
    _S.RESOLVED: frozenset(),
    _S.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime
    from_state: WorkItemState
    to_state: WorkItemState


_new = object.__new__
_slot: Mapping[str, Any] = vars(Transition)  # the slots' member descriptors
_set_at, _set_from, _set_to = (_slot[name].__set__ for name in ("at", "from_state", "to_state"))
_VALUE: dict[WorkItemState, str] = {s: s.value for s in WorkItemState}


def _transition(at: datetime, from_state: WorkItemState, to_state: WorkItemState) -> Transition:
    """``Transition(at, from_state, to_state)`` at a third of the cost: the frozen dataclass
    constructor sets each slot through ``object.__setattr__``; this sets them directly."""
    transition: Transition = _new(Transition)
    _set_at(transition, at)
    _set_from(transition, from_state)
    _set_to(transition, to_state)
    return transition


@dataclass(slots=True, eq=False)
class WorkItem:
    """One unit of work of a service line.

    ``priority`` is 0–9, higher first. ``created_at`` is the item's age for routing and never
    changes, even when an offer is rejected. ``specialist_id`` is who holds it while
    offered/assigned/in progress. ``transitions`` is the full history; the SLA clock reads the
    waiting-on-client spans from it.
    """

    id: str
    service_line_id: str
    created_at: datetime
    subject: str = ""
    description: str = ""
    language: str = "en"
    priority: int = 0
    external_ref: str | None = None
    state: WorkItemState = WorkItemState.QUEUED
    specialist_id: str | None = None
    # Both start as the shared empty tuple and become lists on the first write: a million
    # queued items that never moved cost no 2 million empty lists (112 MB).
    transitions: Sequence[Transition] = ()
    events: Sequence[DomainEvent] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        self.created_at = require_utc(self.created_at, "created_at")
        if not 0 <= self.priority <= 9:
            raise ValidationError(f"priority {self.priority} is outside 0-9", field="priority")

    def __eq__(self, other: object) -> bool:
        # As the dataclass would, but a history is equal whether a list or the empty tuple.
        if not isinstance(other, WorkItem):
            return NotImplemented
        return self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as eq=True makes it

    def _compared(self) -> tuple[object, ...]:
        return (
            self.id,
            self.service_line_id,
            self.created_at,
            self.subject,
            self.description,
            self.language,
            self.priority,
            self.external_ref,
            self.state,
            self.specialist_id,
            tuple(self.transitions),
        )

    def record_queued(self) -> None:
        """Record :class:`ItemQueued` for a newly submitted item."""
        self.record(ItemQueued(self.id, self.created_at, self.service_line_id))

    def record(self, event: DomainEvent) -> None:
        """Add ``event`` to the events not yet stored (see :meth:`take_events`)."""
        events = self.events
        if type(events) is list:
            events.append(event)
        else:
            self.events = [*events, event]

    def take_events(self) -> Sequence[DomainEvent]:
        """The events recorded since the last call, oldest first; they are forgotten here."""
        events, self.events = self.events, ()
        return events

    def move(self, target: WorkItemState, at: datetime) -> WorkItemState:
        """One legal step of the state machine *without* recording its event; returns the
        state left. For an engine that keeps its own event log (the router records
        :class:`ItemStateChanged` itself); ``at`` must already be in UTC. Everyone else uses
        the named moves below."""
        state = self.state
        if target not in TRANSITIONS[state]:
            raise IllegalTransition(state.value, target.value)
        transition: Transition = _new(Transition)  # _transition(), inlined
        _set_at(transition, at)
        _set_from(transition, state)
        _set_to(transition, target)
        transitions = self.transitions
        if type(transitions) is list:
            transitions.append(transition)
        else:
            self.transitions = [*transitions, transition]
        self.state = target
        return state

    def _move(self, target: WorkItemState, at: datetime) -> None:
        at = require_utc(at)
        state = self.move(target, at)
        self.record(ItemStateChanged(self.id, at, _VALUE[state], _VALUE[target]))

    def offer(self, *, specialist_id: str, at: datetime) -> None:
        self._move(WorkItemState.OFFERED, at)
        self.specialist_id = specialist_id

    def accept(self, *, at: datetime) -> None:
        self._move(WorkItemState.ASSIGNED, at)
        assert self.specialist_id is not None
        self.record(ItemAssigned(self.id, self.transitions[-1].at, self.specialist_id))

    def requeue(self, *, at: datetime) -> None:
        """Back to the queue (offer rejected or timed out, specialist gone); age is kept."""
        self._move(WorkItemState.QUEUED, at)
        self.specialist_id = None

    def start(self, *, at: datetime) -> None:
        self._move(WorkItemState.IN_PROGRESS, at)

    def wait_on_client(self, *, at: datetime) -> None:
        self._move(WorkItemState.WAITING_ON_CLIENT, at)

    def resume(self, *, at: datetime) -> None:
        self._move(WorkItemState.IN_PROGRESS, at)

    def resolve(self, *, at: datetime) -> None:
        self._move(WorkItemState.RESOLVED, at)
        self.record(ItemResolved(self.id, self.transitions[-1].at, self.specialist_id))

    def cancel(self, *, at: datetime, reason: str = "") -> None:
        self._move(WorkItemState.CANCELLED, at)
        self.record(ItemCancelled(self.id, self.transitions[-1].at, reason))

    def first_response_at(self) -> datetime | None:
        """When a specialist first started work on the item (first move to in progress)."""
        for step in self.transitions:
            if step.to_state is WorkItemState.IN_PROGRESS:
                return step.at
        return None

    def waiting_spans(self) -> list[tuple[datetime, datetime | None]]:
        """Spans spent waiting on the client; the last one is open while still waiting."""
        spans: list[tuple[datetime, datetime | None]] = []
        for step in self.transitions:
            if step.to_state is WorkItemState.WAITING_ON_CLIENT:
                spans.append((step.at, None))
            elif step.from_state is WorkItemState.WAITING_ON_CLIENT and spans:
                spans[-1] = (spans[-1][0], step.at)
        return spans

    def age(self, now: datetime) -> timedelta:
        return require_utc(now, "now") - self.created_at
