"""Rebuild where open items stand from the event log alone.

Replaying the events a router emitted must give the router's own
:meth:`~kpo.routing.engine.Router.snapshot`: the state of every open item, who holds it and
how often it escalated. The stateful property tests check exactly that.
"""

from __future__ import annotations

from collections.abc import Iterable

from kpo.domain.events import (
    DomainEvent,
    ItemEscalated,
    ItemOffered,
    ItemQueued,
    ItemStateChanged,
)
from kpo.domain.work_items import WorkItemState
from kpo.routing.engine import ItemView

__all__ = ["replay"]


def replay(events: Iterable[DomainEvent]) -> dict[str, ItemView]:
    """Open items (neither resolved nor cancelled) as the events leave them."""
    state: dict[str, WorkItemState] = {}
    holder: dict[str, str | None] = {}
    escalations: dict[str, int] = {}
    for event in events:
        item = event.item_id
        if isinstance(event, ItemQueued):
            state[item] = WorkItemState.QUEUED
            holder[item] = None
            escalations[item] = 0
        elif isinstance(event, ItemStateChanged):
            state[item] = WorkItemState(event.to_state)
            if state[item] is WorkItemState.QUEUED or state[item].is_final:
                holder[item] = None
        elif isinstance(event, ItemOffered):
            holder[item] = event.specialist_id
        elif isinstance(event, ItemEscalated):
            escalations[item] = escalations.get(item, 0) + 1
    return {
        item: ItemView(s, holder.get(item), escalations.get(item, 0))
        for item, s in state.items()
        if not s.is_final
    }
