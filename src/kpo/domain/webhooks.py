"""Webhook subscriptions, signatures and the retry schedule of deliveries.

A delivery is signed with HMAC-SHA256 over ``timestamp + "." + body`` with the
subscription's secret. After a secret is rotated, the previous secret stays valid until
``previous_expires_at`` and both signatures are sent, so receivers can switch over without
losing a delivery. A failed delivery is retried with exponential backoff (30 s, 1 min,
2 min, … capped at one hour) until 24 hours after the event; then it is given up.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc

__all__ = [
    "EVENT_TYPES",
    "RETRY_WINDOW",
    "Delivery",
    "DeliveryStatus",
    "PostResult",
    "Subscription",
    "parse_event_types",
    "retry_delay",
    "sign",
    "signature_header",
]

RETRY_WINDOW = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)

# Event names a subscription may choose; "*" subscribes to every one of them.
EVENT_TYPES: frozenset[str] = frozenset(
    {
        "ItemQueued",
        "ItemStateChanged",
        "ItemAssigned",
        "ItemResolved",
        "ItemCancelled",
        "ItemCommented",
        "ItemOffered",
        "OfferAccepted",
        "OfferRejected",
        "OfferTimedOut",
        "OfferWithdrawn",
        "ItemEscalated",
        "SlaAtRisk",
        "SlaBreached",
    }
)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def parse_event_types(names: list[str], *, field: str = "event_types") -> frozenset[str]:
    if not names:
        raise ValidationError("give at least one event type, or '*' for all", field=field)
    chosen = frozenset(n.strip() for n in names)
    unknown = sorted(chosen - EVENT_TYPES - {"*"})
    if unknown:
        raise ValidationError(
            f"unknown event type(s) {', '.join(unknown)}: use '*' or some of "
            f"{', '.join(sorted(EVENT_TYPES))}",
            field=field,
        )
    return chosen


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1-based)."""
    if attempts < 1:
        return timedelta(0)
    delay: timedelta = FIRST_RETRY * (2 ** min(attempts - 1, 20))
    return min(delay, LONGEST_RETRY)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}." + body`` keyed by ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """``v1=<hex>`` per valid secret, comma separated (two during a rotation overlap)."""
    return ",".join(f"v1={sign(secret, timestamp, body)}" for secret in secrets)


@dataclass(frozen=True, slots=True)
class Subscription:
    """An endpoint of a client or vendor that receives chosen events of its own work."""

    id: str
    owner_role: str
    owner_id: str
    url: str
    event_types: frozenset[str]
    secret: str
    created_at: datetime
    previous_secret: str | None = None
    previous_expires_at: datetime | None = None
    active: bool = True

    def __post_init__(self) -> None:
        require_utc(self.created_at, "created_at")
        if not self.url.startswith(("http://", "https://")):
            raise ValidationError(f"url {self.url!r} is not an http(s) URL", field="url")

    def wants(self, event_name: str) -> bool:
        return self.active and ("*" in self.event_types or event_name in self.event_types)

    def secrets_at(self, now: datetime) -> list[str]:
        """The secrets to sign with at ``now``: the current one, plus the previous during its
        overlap period."""
        secrets = [self.secret]
        if (
            self.previous_secret is not None
            and self.previous_expires_at is not None
            and require_utc(now, "now") < self.previous_expires_at
        ):
            secrets.append(self.previous_secret)
        return secrets


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one subscription in the outbox, with its delivery log."""

    id: int
    subscription_id: str
    event_id: str
    event_name: str
    body: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def succeeded(self, *, at: datetime, status: int) -> Delivery:
        return _replace(
            self,
            status=DeliveryStatus.DELIVERED,
            attempts=self.attempts + 1,
            last_status=status,
            last_error=None,
            delivered_at=at,
            next_attempt_at=at,
        )

    def failed(self, *, at: datetime, status: int | None, error: str) -> Delivery:
        """After a failed attempt: retry later, or give up once the retry window is over."""
        attempts = self.attempts + 1
        retry_at = at + retry_delay(attempts)
        gave_up = retry_at > self.created_at + RETRY_WINDOW
        return _replace(
            self,
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
            attempts=attempts,
            last_status=status,
            last_error=error[:500],
            next_attempt_at=at if gave_up else retry_at,
        )


def _replace(delivery: Delivery, **changes: Any) -> Delivery:
    return replace(delivery, **changes)


@dataclass(frozen=True, slots=True)
class PostResult:
    """``status`` is the HTTP status, or ``None`` when no response came (``error`` says why)."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
