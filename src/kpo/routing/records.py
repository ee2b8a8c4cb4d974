"""Log records of the router: events and decisions kept as plain tuples on the hot path and
built when drained — the same objects, in the same order, made by generated constructors
that set the slots directly (about half the cost of a frozen dataclass's ``__init__``).

A record is ``(event class, *fields)`` for one event, or ``(expander, *fields)`` for the
events one engine step always logs together (an offer: the state change and
:class:`ItemOffered`), one tuple instead of two or three while they wait to be drained.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from kpo.domain.events import (
    DomainEvent,
    ItemAssigned,
    ItemOffered,
    ItemResolved,
    ItemStateChanged,
    OfferAccepted,
)
from kpo.domain.instants import require_utc
from kpo.domain.work_items import WorkItemState

__all__ = ["LAZY", "accepted", "build_event", "build_events", "offered", "resolved"]

# A log entry of exactly this type is an event or a decision not built yet.
LAZY: type[tuple[Any, ...]] = tuple


def maker(cls: type[DomainEvent]) -> Any:
    """``cls(*fields)`` for a frozen, slotted event class at half the cost: the generated
    function sets the slots directly (the dataclass constructor goes through
    ``object.__setattr__`` for each field)."""
    names = [f.name for f in fields(cls)]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set_{n}": getattr(cls, n).__set__ for n in names})
    body = "".join(f"    set_{n}(event, {n})\n" for n in names)
    exec(f"def make({', '.join(names)}):\n    event = new(cls)\n{body}    return event\n", scope)
    return scope["make"]


_MAKERS: dict[type[DomainEvent], Any] = {}
_changed, _offered = maker(ItemStateChanged), maker(ItemOffered)
_accepted, _assigned, _resolved = maker(OfferAccepted), maker(ItemAssigned), maker(ItemResolved)
_OFFERED = WorkItemState.OFFERED.value
_ASSIGNED = WorkItemState.ASSIGNED.value
_RESOLVED = WorkItemState.RESOLVED.value


def offered(
    item_id: str, at: datetime, left: WorkItemState, specialist_id: str, step: int, attempt: int
) -> tuple[DomainEvent, ...]:
    """An offer made at ``at``: the move out of ``left`` (at ``at`` in UTC), then the offer."""
    return (
        _changed(item_id, require_utc(at), left.value, _OFFERED),
        _offered(item_id, at, specialist_id, step, attempt),
    )


def accepted(
    item_id: str, at: datetime, left: WorkItemState, specialist_id: str, holder: str
) -> tuple[DomainEvent, ...]:
    """An offer accepted at ``at`` by ``specialist_id``, the move to assigned, the assignment
    to ``holder`` (the item's specialist)."""
    utc = require_utc(at)
    return (
        _accepted(item_id, at, specialist_id),
        _changed(item_id, utc, left.value, _ASSIGNED),
        _assigned(item_id, utc, holder),
    )


def resolved(
    item_id: str, at: datetime, left: WorkItemState, specialist_id: str | None
) -> tuple[DomainEvent, ...]:
    """The move to resolved at ``at`` (UTC) and :class:`ItemResolved`."""
    return (
        _changed(item_id, at, left.value, _RESOLVED),
        _resolved(item_id, at, specialist_id),
    )


_EXPANDERS = frozenset({offered, accepted, resolved})


def build_event(entry: Any) -> DomainEvent:
    """An event from its log entry: ``(event class, *fields)`` or the event itself."""
    if type(entry) is not LAZY:
        built: DomainEvent = entry
        return built
    cls = entry[0]
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = maker(cls)
    event: DomainEvent = make(*entry[1:])
    return event


def build_events(entries: Iterable[Any]) -> list[DomainEvent]:
    """The events of a log, in order (a record of several gives them all)."""
    events: list[DomainEvent] = []
    append, extend = events.append, events.extend
    for entry in entries:
        if type(entry) is LAZY and entry[0] in _EXPANDERS:
            extend(entry[0](*entry[1:]))
        else:
            append(build_event(entry))
    return events
