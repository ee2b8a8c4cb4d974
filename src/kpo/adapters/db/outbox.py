"""The transactional webhook outbox: events become delivery rows in their own transaction.

Whenever domain events are logged, every active subscription that wants them gets one row in
``webhook_deliveries`` — in the same transaction as the change, so a crash either loses both
the change and its deliveries or neither. Who receives an event: the client whose service
line the item belongs to, the vendor of the specialist the event names (or who holds the
item), and operator subscriptions (the whole network). The body is frozen here, so every
retry sends the same bytes and the same event id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kpo.adapters.db import tables
from kpo.domain.access import Role
from kpo.domain.events import DomainEvent
from kpo.domain.webhooks import DeliveryStatus

__all__ = ["event_body", "write_outbox"]

_CHUNK = 500


def event_body(event_id: str, event: DomainEvent, payload: dict[str, Any]) -> str:
    """The JSON document a subscriber receives for one event."""
    return json.dumps(
        {
            "id": event_id,
            "type": event.name,
            "occurred_at": event.at.isoformat().replace("+00:00", "Z"),
            "item_id": event.item_id,
            "data": payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def _owners(session: Session, item_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    items, lines, people = tables.work_items, tables.service_lines, tables.specialists
    found: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(item_ids), _CHUNK):
        rows = session.execute(
            select(items.c.id, lines.c.client_id, people.c.vendor_id)
            .select_from(items)
            .join(lines, lines.c.id == items.c.service_line_id)
            .outerjoin(people, people.c.id == items.c.specialist_id)
            .where(items.c.id.in_(item_ids[start : start + _CHUNK]))
        )
        for row in rows:
            found[row.id] = (row.client_id, row.vendor_id)
    return found


def _vendors(session: Session, specialist_ids: list[str]) -> dict[str, str]:
    people = tables.specialists
    found: dict[str, str] = {}
    for start in range(0, len(specialist_ids), _CHUNK):
        rows = session.execute(
            select(people.c.id, people.c.vendor_id).where(
                people.c.id.in_(specialist_ids[start : start + _CHUNK])
            )
        )
        found.update({row.id: row.vendor_id for row in rows})
    return found


def write_outbox(
    session: Session, events: Sequence[DomainEvent], payloads: Sequence[dict[str, Any]]
) -> int:
    """Queue a delivery per (event, interested subscription); returns how many."""
    if not events:
        return 0
    subs = tables.webhook_subscriptions
    subscriptions = session.execute(
        select(subs.c.id, subs.c.owner_role, subs.c.owner_id, subs.c.event_types).where(
            subs.c.active.is_(True)
        )
    ).all()
    if not subscriptions:
        return 0
    owners = _owners(session, list(dict.fromkeys(e.item_id for e in events)))
    named = [p["specialist_id"] for p in payloads if isinstance(p.get("specialist_id"), str)]
    vendors = _vendors(session, list(dict.fromkeys(named)))
    wanted = [
        (s.id, s.owner_role, s.owner_id, frozenset(s.event_types.split(","))) for s in subscriptions
    ]
    rows: list[dict[str, Any]] = []
    for event, payload in zip(events, payloads, strict=True):
        client_id, holder_vendor = owners.get(event.item_id, (None, None))
        specialist = payload.get("specialist_id")
        vendor_id = vendors.get(specialist) if isinstance(specialist, str) else holder_vendor
        body: str | None = None
        event_id = uuid.uuid4().hex
        for sub_id, role, owner, types in wanted:
            if "*" not in types and event.name not in types:
                continue
            if not (
                role == Role.OPERATOR.value
                or (role == Role.CLIENT.value and owner == client_id)
                or (role == Role.VENDOR.value and owner == vendor_id)
            ):
                continue
            body = body or event_body(event_id, event, payload)
            rows.append(
                {
                    "subscription_id": sub_id,
                    "event_id": event_id,
                    "event_name": event.name,
                    "body": body,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "created_at": event.at,
                    "next_attempt_at": event.at,
                }
            )
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(tables.webhook_deliveries), rows[start : start + _CHUNK])
    return len(rows)
