"""Domain events: facts, named in the past tense, recorded by entities and published by services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "DomainEvent",
    "ItemAssigned",
    "ItemCancelled",
    "ItemCommented",
    "ItemQueued",
    "ItemResolved",
    "ItemStateChanged",
]


@dataclass(frozen=True, slots=True)
class DomainEvent:
    item_id: str
    at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True)
class ItemStateChanged(DomainEvent):
    """Any move of a work item through its state machine."""

    from_state: str
    to_state: str


@dataclass(frozen=True, slots=True)
class ItemQueued(DomainEvent):
    service_line_id: str


@dataclass(frozen=True, slots=True)
class ItemAssigned(DomainEvent):
    specialist_id: str


@dataclass(frozen=True, slots=True)
class ItemResolved(DomainEvent):
    specialist_id: str | None


@dataclass(frozen=True, slots=True)
class ItemCancelled(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class ItemCommented(DomainEvent):
    """A note on an item by one of the parties; ``author`` is ``role:organization``."""

    author: str
    text: str
