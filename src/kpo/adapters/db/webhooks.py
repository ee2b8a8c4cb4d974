"""Repository of webhook subscriptions and of the outbox rows (deliveries) of each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from kpo.adapters.db import tables
from kpo.domain.webhooks import Delivery, DeliveryStatus, Subscription

__all__ = ["SqlWebhookRepository"]


def _subscription_row(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "owner_role": sub.owner_role,
        "owner_id": sub.owner_id,
        "url": sub.url,
        "event_types": ",".join(sorted(sub.event_types)),
        "secret": sub.secret,
        "previous_secret": sub.previous_secret,
        "previous_expires_at": sub.previous_expires_at,
        "active": sub.active,
        "created_at": sub.created_at,
    }


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        owner_role=row["owner_role"],
        owner_id=row["owner_id"],
        url=row["url"],
        event_types=frozenset(row["event_types"].split(",")),
        secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_expires_at=row["previous_expires_at"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        event_name=row["event_name"],
        body=row["body"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        delivered_at=row["delivered_at"],
    )


class SqlWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, subscription: Subscription) -> None:
        self._session.execute(
            insert(tables.webhook_subscriptions).values(_subscription_row(subscription))
        )

    def get(self, subscription_id: str) -> Subscription | None:
        subs = tables.webhook_subscriptions
        row = self._session.execute(select(subs).where(subs.c.id == subscription_id)).one_or_none()
        return None if row is None else _subscription(row._mapping)

    def all(
        self, *, owner_role: str | None = None, owner_id: str | None = None
    ) -> list[Subscription]:
        subs = tables.webhook_subscriptions
        query = select(subs).order_by(subs.c.created_at, subs.c.id)
        if owner_role is not None:
            query = query.where(subs.c.owner_role == owner_role)
        if owner_id is not None:
            query = query.where(subs.c.owner_id == owner_id)
        return [_subscription(r._mapping) for r in self._session.execute(query)]

    def save(self, subscription: Subscription) -> None:
        subs = tables.webhook_subscriptions
        self._session.execute(
            update(subs).where(subs.c.id == subscription.id).values(_subscription_row(subscription))
        )

    def deliveries(self, subscription_id: str, *, limit: int) -> list[Delivery]:
        table = tables.webhook_deliveries
        rows = self._session.execute(
            select(table)
            .where(table.c.subscription_id == subscription_id)
            .order_by(table.c.id.desc())
            .limit(limit)
        )
        return [_delivery(r._mapping) for r in rows]

    def claim_due(self, now: datetime, *, limit: int, lease_until: datetime) -> list[Delivery]:
        table = tables.webhook_deliveries
        query = (
            select(table)
            .where(
                table.c.status == DeliveryStatus.PENDING.value,
                table.c.next_attempt_at <= now,
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now),
            )
            .order_by(table.c.next_attempt_at, table.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = [_delivery(r._mapping) for r in self._session.execute(query)]
        if found:
            self._session.execute(
                update(table)
                .where(table.c.id.in_([d.id for d in found]))
                .values(claimed_until=lease_until)
            )
        return found

    def record(self, delivery: Delivery) -> None:
        table = tables.webhook_deliveries
        self._session.execute(
            update(table)
            .where(table.c.id == delivery.id)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_status=delivery.last_status,
                last_error=delivery.last_error,
                delivered_at=delivery.delivered_at,
                claimed_until=None,
            )
        )

    def release_claims(self) -> int:
        table = tables.webhook_deliveries
        result = self._session.execute(
            update(table).where(table.c.claimed_until.is_not(None)).values(claimed_until=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def pending_count(self) -> int:
        table = tables.webhook_deliveries
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.status == DeliveryStatus.PENDING.value)
            )
            or 0
        )
