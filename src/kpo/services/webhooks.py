"""Webhook use cases: subscribe, rotate secrets, read the delivery log, deliver the outbox.

Deliveries are queued by the event log itself (:mod:`kpo.adapters.db.outbox`), in the
transaction of the change. :func:`deliver_due` is run by the server's background sender:
it claims due rows, posts them outside any transaction, and records each outcome.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from kpo.domain.access import Actor, Role
from kpo.domain.errors import NotFound, ValidationError
from kpo.domain.webhooks import Delivery, Subscription, parse_event_types, signature_header
from kpo.services.ports import UnitOfWork, WebhookTransport
from kpo.services.sla_status import Clock

__all__ = [
    "DEFAULT_OVERLAP",
    "NewSecret",
    "deliver_due",
    "list_deliveries",
    "list_subscriptions",
    "release_claims",
    "rotate_secret",
    "subscribe",
]

DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)
CLAIM_LEASE = timedelta(minutes=2)

SIGNATURE_HEADER = "Kpo-Signature"
TIMESTAMP_HEADER = "Kpo-Timestamp"
EVENT_ID_HEADER = "Kpo-Event-Id"


@dataclass(frozen=True, slots=True)
class NewSecret:
    """A subscription with its signing secret, shown this once."""

    subscription: Subscription
    secret: str


def _owner(actor: Actor) -> tuple[str, str]:
    actor.require(Role.CLIENT, Role.VENDOR, action="manage webhooks")
    return actor.role.value, actor.org_id


def subscribe(
    uow: UnitOfWork, actor: Actor, *, url: str, event_types: list[str], clock: Clock
) -> NewSecret:
    """Subscribe an endpoint of the caller's organization to events of its own work."""
    role, owner = _owner(actor)
    if len(url) > 2000:
        raise ValidationError("url is longer than 2,000 characters", field="url")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    subscription = Subscription(
        id=f"wh_{secrets.token_hex(8)}",
        owner_role=role,
        owner_id=owner,
        url=url,
        event_types=parse_event_types(event_types),
        secret=secret,
        created_at=clock.now(),
    )
    with uow:
        uow.webhooks.add(subscription)
        uow.commit()
    return NewSecret(subscription, secret)


def _visible(uow: UnitOfWork, actor: Actor, subscription_id: str) -> Subscription:
    found = uow.webhooks.get(subscription_id)
    if found is None or not (
        actor.role is Role.OPERATOR
        or (found.owner_role == actor.role.value and found.owner_id == actor.org_id)
    ):
        raise NotFound("webhook subscription", subscription_id)
    return found


def list_subscriptions(uow: UnitOfWork, actor: Actor) -> list[Subscription]:
    if actor.role is Role.OPERATOR:
        with uow:
            return uow.webhooks.all()
    role, owner = _owner(actor)
    with uow:
        return uow.webhooks.all(owner_role=role, owner_id=owner)


def rotate_secret(
    uow: UnitOfWork,
    actor: Actor,
    subscription_id: str,
    *,
    clock: Clock,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> NewSecret:
    """A new signing secret; the old one stays valid (both signatures sent) for ``overlap``."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationError("the overlap is between 0 and 7 days", field="overlap_seconds")
    now = clock.now()
    with uow:
        current = _visible(uow, actor, subscription_id)
        secret = f"whsec_{secrets.token_urlsafe(32)}"
        rotated = replace(
            current,
            secret=secret,
            previous_secret=current.secret,
            previous_expires_at=now + overlap,
        )
        uow.webhooks.save(rotated)
        uow.commit()
    return NewSecret(rotated, secret)


def list_deliveries(
    uow: UnitOfWork, actor: Actor, subscription_id: str, *, limit: int = 100
) -> list[Delivery]:
    """The delivery log of one endpoint, newest first."""
    with uow:
        _visible(uow, actor, subscription_id)
        return uow.webhooks.deliveries(subscription_id, limit=limit)


def release_claims(uow: UnitOfWork) -> int:
    """At the start of the only sender of a database (SQLite), take back the claims of a
    sender that died, so their rows go out now rather than after the claim lease."""
    with uow:
        released = uow.webhooks.release_claims()
        uow.commit()
    return released


def deliver_due(
    uow: UnitOfWork, transport: WebhookTransport, *, clock: Clock, limit: int = 50
) -> int:
    """Post every due delivery (at most ``limit``); returns how many were attempted.

    Claims are taken and released in short transactions, never across a network call. A
    sender that dies mid-way leaves claims that lapse after a lease, and those rows are sent
    again: receivers see each event at least once and deduplicate by its id.
    """
    now = clock.now()
    with uow:
        due = uow.webhooks.claim_due(now, limit=limit, lease_until=now + CLAIM_LEASE)
        subscriptions = {s.id: s for s in uow.webhooks.all()} if due else {}
        uow.commit()
    for delivery in due:
        subscription = subscriptions.get(delivery.subscription_id)
        at = clock.now()
        if subscription is None or not subscription.active:
            outcome = delivery.failed(at=at, status=None, error="subscription disabled")
        else:
            body = delivery.body.encode()
            timestamp = int(at.timestamp())
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: delivery.event_id,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: signature_header(subscription.secrets_at(at), timestamp, body),
            }
            result = transport.post(subscription.url, body, headers)
            done = clock.now()
            if result.ok:
                assert result.status is not None
                outcome = delivery.succeeded(at=done, status=result.status)
            else:
                error = result.error or f"HTTP {result.status}"
                outcome = delivery.failed(at=done, status=result.status, error=error)
        with uow:
            uow.webhooks.record(outcome)
            uow.commit()
    return len(due)
