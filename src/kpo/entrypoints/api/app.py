"""The FastAPI application factory. Nothing is built at import time: call :func:`create_app`.

The lifespan starts the background worker (webhook deliveries, timers) and stops it, then
closes the database connections, when the server shuts down.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kpo import __version__
from kpo.bootstrap import App
from kpo.entrypoints.api.background import BackgroundWorker
from kpo.entrypoints.api.errors import install_error_handlers
from kpo.entrypoints.api.middleware import BodyMiddleware, ObservabilityMiddleware
from kpo.entrypoints.api.routes import (
    knowledge,
    network,
    operations,
    reports,
    webhooks,
    work_items,
)
from kpo.entrypoints.api.runtime import ApiSettings, Runtime
from kpo.services.ports import WebhookTransport
from kpo.services.sla_status import Clock

__all__ = ["create_app", "freeze_startup_heap"]

DESCRIPTION = """\
OpenKPO service API. Authenticate with `Authorization: Bearer <API key>` (create keys with
`kpo keys create`). Errors are RFC 9457 problem details (`application/problem+json`) with a
stable `code`. Every POST takes an `Idempotency-Key` header. See docs/api.md.
"""


def create_app(
    app: App,
    *,
    settings: ApiSettings | None = None,
    clock: Clock | None = None,
    transport: WebhookTransport | None = None,
) -> FastAPI:
    """The API over the wired adapters of ``app``; ``clock`` and ``transport`` replace the
    system clock and the HTTP webhook transport (tests)."""
    runtime = Runtime(app, settings=settings or ApiSettings(), clock=clock, transport=transport)
    worker = BackgroundWorker(runtime)

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        runtime.started()
        if runtime.settings.background:
            worker.start()
        try:
            yield
        finally:
            worker.stop()

    api = FastAPI(
        title="OpenKPO",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.runtime = runtime
    api.state.worker = worker
    install_error_handlers(api)
    api.add_middleware(BodyMiddleware, limit=runtime.settings.max_body_bytes)
    api.add_middleware(ObservabilityMiddleware)
    api.include_router(operations.router)
    for module in (network, work_items, knowledge, webhooks, reports):
        api.include_router(module.router, prefix="/v1")
    return api


def freeze_startup_heap() -> None:
    """Call once in a server process, after :func:`create_app` and before serving.

    Everything built so far (modules, the wired app, SQLAlchemy metadata, pydantic models —
    some 170,000 objects) lives as long as the process, yet every full garbage collection walks
    it again; under load such a collection paused one request for 100-230 ms, which alone set
    the p99 of ``POST /v1/work-items`` (bench/api.py). Frozen objects are left out of
    collections. Not for tests or other processes that build many apps: what is frozen is
    never freed.
    """
    gc.collect()
    gc.freeze()
