"""Idempotent requests: a retried request with the same key replays the first response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["IdempotencyRecord"]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The first request made with an Idempotency-Key, and its response once sent.

    ``committed`` turns true in the transaction of the change itself, so after a crash the
    record tells whether the change happened.
    """

    key_id: str
    key: str
    fingerprint: str
    created_at: datetime
    lease_until: datetime
    committed: bool = False
    location: str | None = None
    response_status: int | None = None
    response_body: str | None = None
