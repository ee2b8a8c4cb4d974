"""Log records of the router: events and decisions kept as plain tuples on the hot path and
built when drained — the same objects, in the same order, made by generated constructors
that set the slots directly (about half the cost of a frozen dataclass's ``__init__``)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from kpo.domain.events import DomainEvent

__all__ = ["LAZY", "build_event"]

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
