"""Typed dependencies of the routes: the runtime, a unit of work, the clock, the caller."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kpo.domain.access import Actor
from kpo.domain.errors import Unauthenticated
from kpo.entrypoints.api.runtime import Runtime
from kpo.services.idempotency import MarkingUnitOfWork
from kpo.services.live_routing import LiveRouting
from kpo.services.ports import UnitOfWork
from kpo.services.sla_status import Clock

__all__ = [
    "ACTOR_SCOPE_KEY",
    "IDEMPOTENCY_SCOPE_KEY",
    "ActorDep",
    "ClockDep",
    "RoutingDep",
    "RuntimeDep",
    "UowDep",
    "locate",
]

# Set by the idempotency middleware: the caller it authenticated and the key in use.
ACTOR_SCOPE_KEY = "kpo.actor"
IDEMPOTENCY_SCOPE_KEY = "kpo.idempotency"

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer kpo_…`")


# Dependencies that do no I/O are ``async``: FastAPI runs ``def`` dependencies in its thread
# pool, a thread hop each, which costs more than they do.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_uow(request: Request, runtime: RuntimeDep) -> UnitOfWork:
    """A unit of work; under an Idempotency-Key its commit also marks the key as used."""
    claim = request.scope.get(IDEMPOTENCY_SCOPE_KEY)
    if claim is None:
        return runtime.uow()
    key_id, key = claim
    return MarkingUnitOfWork(runtime.uow(), key_id=key_id, key=key)


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_routing(runtime: RuntimeDep) -> LiveRouting:
    return runtime.routing


RoutingDep = Annotated[LiveRouting, Depends(get_routing)]


async def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_actor(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    known = request.scope.get(ACTOR_SCOPE_KEY)
    if isinstance(known, Actor):
        return known
    if credentials is None:
        raise Unauthenticated
    key = credentials.credentials
    cached = runtime.cached_actor(key)
    if cached is not None:
        return cached
    return await to_thread.run_sync(runtime.authenticate, key)  # reads the database


ActorDep = Annotated[Actor, Depends(get_actor)]


def locate(uow: UnitOfWork, path: str) -> None:
    """Name the resource a request acts on, so a retry whose response was lost finds it."""
    if isinstance(uow, MarkingUnitOfWork):
        uow.location = path
