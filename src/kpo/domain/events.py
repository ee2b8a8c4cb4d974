"""Domain events: facts, named in the past tense, recorded by entities and published by services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "DomainEvent",
    "ItemAssigned",
    "ItemCancelled",
    "ItemCommented",
    "ItemEscalated",
    "ItemOffered",
    "ItemQueued",
    "ItemResolved",
    "ItemStateChanged",
    "OfferAccepted",
    "OfferRejected",
    "OfferTimedOut",
    "OfferWithdrawn",
    "SlaAtRisk",
    "SlaBreached",
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
class ItemOffered(DomainEvent):
    """The item was offered to one specialist; it holds a slot of their capacity until they
    answer or the offer times out. ``step`` is the routing-policy step that applied."""

    specialist_id: str
    step: int
    attempt: int


@dataclass(frozen=True, slots=True)
class OfferAccepted(DomainEvent):
    specialist_id: str


@dataclass(frozen=True, slots=True)
class OfferRejected(DomainEvent):
    specialist_id: str


@dataclass(frozen=True, slots=True)
class OfferTimedOut(DomainEvent):
    specialist_id: str


@dataclass(frozen=True, slots=True)
class OfferWithdrawn(DomainEvent):
    """The offer or assignment was taken back because the specialist became unavailable
    (break, offline, end of employment); the item goes back to the queue."""

    specialist_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ItemEscalated(DomainEvent):
    """Offered ``attempts`` times without being accepted; ``priority`` is the new priority."""

    priority: int
    attempts: int


@dataclass(frozen=True, slots=True)
class SlaAtRisk(DomainEvent):
    """Most of the time to ``due`` has passed and no specialist has started the item."""

    due: datetime


@dataclass(frozen=True, slots=True)
class SlaBreached(DomainEvent):
    due: datetime


@dataclass(frozen=True, slots=True)
class ItemCommented(DomainEvent):
    """A note on an item by one of the parties; ``author`` is ``role:organization``."""

    author: str
    text: str
