"""Waiting items of many pools in task order, without listing them (:meth:`Router.rebalance`).

Each pool's fifo is in task order already and its heap sorts cheaply (few entries), so the
pools are merged lazily; the few items whose priority changed since they were queued are
sorted apart with their new key. Nothing is routed before it is reached, so an entry valid
when the merge starts is still valid when it comes out (an item routed and queued again gets
a new entry, which the merge does not see).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from heapq import merge
from itertools import chain
from operator import itemgetter

from kpo.routing.index import Pool, Ticket, priority_of, with_priority

__all__ = ["waiting_in_order"]


def waiting_in_order(pools: Iterable[Pool]) -> Iterator[tuple[int, Ticket]]:
    """Valid ``(key, ticket)`` of the pools that have somebody free (batch steps left out),
    in task order
    (``sorted(key=(-priority, created_at, arrival))`` over the tickets)."""
    streams: list[Iterable[tuple[int, Ticket]]] = []
    changed: list[tuple[int, Ticket]] = []
    for pool in pools:
        if not pool.live or pool.batch:  # batch steps wait for their batch
            continue
        head = pool.head
        keys, tickets = pool.fifo_keys[head:], pool.fifo_tickets[head:]
        heap = sorted(e for e in pool.queue if e[1].seq is e[0])
        for key, ticket in chain(zip(keys, tickets, strict=True), heap):
            if ticket.seq is key and priority_of(key) != ticket.item.priority:
                changed.append((with_priority(key, ticket.item.priority), ticket))
        streams.append(_unchanged(keys, tickets))
        streams.append(_unchanged_entries(heap))
    changed.sort(key=itemgetter(0))
    return merge(*streams, changed, key=itemgetter(0))


def _unchanged(keys: list[int], tickets: list[Ticket]) -> Iterator[tuple[int, Ticket]]:
    """The fifo's valid entries whose priority did not change, in order."""
    for key, ticket in zip(keys, tickets, strict=True):
        if ticket.seq is key and priority_of(key) == ticket.item.priority:
            yield key, ticket


def _unchanged_entries(entries: list[tuple[int, Ticket]]) -> Iterator[tuple[int, Ticket]]:
    for entry in entries:
        if priority_of(entry[0]) == entry[1].item.priority:
            yield entry
