"""Webhook subscriptions of clients and vendors, secret rotation and the delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from kpo.entrypoints.api.deps import ActorDep, ClockDep, UowDep, locate
from kpo.entrypoints.api.routes import PROBLEMS
from kpo.entrypoints.api.schemas.common import Id
from kpo.entrypoints.api.schemas.webhooks import (
    DeliveryPublic,
    RotateSecret,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionWithSecret,
)
from kpo.services import webhooks

__all__ = ["router"]

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=PROBLEMS)


@router.post("", status_code=201)
def subscribe(
    body: SubscriptionCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> SubscriptionWithSecret:
    """Subscribe an endpoint to events of the caller's own work; the response holds the
    signing secret, shown only here."""
    created = webhooks.subscribe(
        uow, actor, url=body.url, event_types=body.event_types, clock=clock
    )
    return SubscriptionWithSecret.with_secret(created.subscription, created.secret)


@router.get("")
def list_subscriptions(actor: ActorDep, uow: UowDep) -> list[SubscriptionPublic]:
    return [SubscriptionPublic.of(s) for s in webhooks.list_subscriptions(uow, actor)]


@router.post("/{subscription_id}/rotate-secret")
def rotate_secret(
    subscription_id: Id,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    body: RotateSecret | None = None,
) -> SubscriptionWithSecret:
    """A new signing secret; the old one keeps signing (both signatures are sent) for
    ``overlap_seconds`` (default one day)."""
    locate(uow, f"/v1/webhooks/{subscription_id}")
    overlap = timedelta(seconds=(body or RotateSecret()).overlap_seconds)
    rotated = webhooks.rotate_secret(uow, actor, subscription_id, clock=clock, overlap=overlap)
    return SubscriptionWithSecret.with_secret(rotated.subscription, rotated.secret)


@router.get("/{subscription_id}/deliveries")
def list_deliveries(
    subscription_id: Id,
    actor: ActorDep,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryPublic]:
    """The endpoint's delivery log, newest first: status, attempts, last error."""
    found = webhooks.list_deliveries(uow, actor, subscription_id, limit=limit)
    return [DeliveryPublic.of(d) for d in found]
