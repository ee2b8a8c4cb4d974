"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from kpo.domain.webhooks import Delivery, DeliveryStatus, Subscription
from kpo.entrypoints.api.schemas.common import Strict

__all__ = [
    "DeliveryPublic",
    "RotateSecret",
    "SubscriptionCreate",
    "SubscriptionPublic",
    "SubscriptionWithSecret",
]


class SubscriptionCreate(Strict):
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    event_types: Annotated[list[str], Field(min_length=1, max_length=50)] = Field(
        examples=[["ItemAssigned", "ItemResolved"], ["*"]]
    )


class SubscriptionPublic(BaseModel):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    previous_secret_expires_at: datetime | None

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionPublic:
        return cls(
            id=sub.id,
            url=sub.url,
            event_types=sorted(sub.event_types),
            active=sub.active,
            created_at=sub.created_at,
            previous_secret_expires_at=sub.previous_expires_at,
        )


class SubscriptionWithSecret(SubscriptionPublic):
    secret: str = Field(description="The signing secret, shown only in this response.")

    @classmethod
    def with_secret(cls, sub: Subscription, secret: str) -> SubscriptionWithSecret:
        return cls(**SubscriptionPublic.of(sub).model_dump(), secret=secret)


class RotateSecret(Strict):
    overlap_seconds: Annotated[int, Field(ge=0, le=7 * 86_400)] = 86_400


class DeliveryPublic(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryPublic:
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_name,
            status=delivery.status,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
        )
