"""Idempotent requests: one outcome per (API key, Idempotency-Key).

The flow of a request carrying a key:

1. :func:`begin_request` claims the key with the request's fingerprint in a short
   transaction — or finds the earlier request: same fingerprint and a stored response → replay
   it; another fingerprint → :class:`IdempotencyConflict`; still running →
   :class:`RequestInProgress`.
2. The use case runs on :class:`MarkingUnitOfWork`, which sets ``committed`` on the claim in
   the *same* transaction as the change; so after a crash the claim tells whether the change
   happened. A claim that never committed may be taken again once its lease is over.
3. :func:`finish_request` stores the response to replay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

from kpo.domain.errors import IdempotencyConflict, RequestInProgress
from kpo.domain.idempotency import IdempotencyRecord
from kpo.services.ports import UnitOfWork
from kpo.services.sla_status import Clock

__all__ = [
    "LEASE",
    "MarkingUnitOfWork",
    "Outcome",
    "abandon_request",
    "begin_request",
    "end_request_leases",
    "finish_request",
]

LEASE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to do with a request: ``record`` is a finished earlier one to replay (its
    ``response_status`` set), or one that committed but lost its response (``location``
    names the resource), or ``None`` to proceed."""

    record: IdempotencyRecord | None


def begin_request(
    uow: UnitOfWork, *, key_id: str, key: str, fingerprint: str, clock: Clock
) -> Outcome:
    now = clock.now()
    with uow:
        found = uow.idempotency.get(key_id, key)
        if found is None:
            uow.idempotency.add(
                IdempotencyRecord(key_id, key, fingerprint, created_at=now, lease_until=now + LEASE)
            )
            uow.commit()
            return Outcome(None)
        if found.fingerprint != fingerprint:
            raise IdempotencyConflict(key)
        if found.response_status is not None or found.committed:
            if found.response_status is None and found.lease_until > now:
                raise RequestInProgress(key)
            return Outcome(found)
        if found.lease_until > now:
            raise RequestInProgress(key)
        # The first attempt died before its change committed: nothing happened, run again.
        uow.idempotency.save(replace(found, lease_until=now + LEASE))
        uow.commit()
        return Outcome(None)


def finish_request(uow: UnitOfWork, *, key_id: str, key: str, status: int, body: str) -> None:
    with uow:
        found = uow.idempotency.get(key_id, key)
        if found is not None:
            uow.idempotency.save(replace(found, response_status=status, response_body=body))
            uow.commit()


def abandon_request(uow: UnitOfWork, *, key_id: str, key: str, clock: Clock) -> None:
    """The request failed without a change: the same key may be used again at once."""
    with uow:
        found = uow.idempotency.get(key_id, key)
        if found is not None and not found.committed:
            uow.idempotency.save(replace(found, lease_until=clock.now()))
            uow.commit()


def end_request_leases(uow: UnitOfWork, *, clock: Clock) -> int:
    """At the start of the only process serving a database (SQLite): requests left unfinished
    by a process that died are answered at once — run again if nothing committed, pointed at
    their resource if it did — instead of after their lease."""
    with uow:
        ended = uow.idempotency.end_leases(clock.now())
        uow.commit()
    return ended


class MarkingUnitOfWork:
    """A unit of work whose commit also marks the idempotency claim as committed.

    ``location`` (the resource the request acts on) may be set before the use case runs; it
    is stored with the mark, so a request whose response was lost can point at it.
    """

    def __init__(self, inner: UnitOfWork, *, key_id: str, key: str) -> None:
        self._inner = inner
        self._key_id = key_id
        self._key = key
        self.location: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        found = self._inner.idempotency.get(self._key_id, self._key)
        if found is not None and not found.committed:
            self._inner.idempotency.save(replace(found, committed=True, location=self.location))
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()
