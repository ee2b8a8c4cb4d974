"""ASGI middleware: request log and metrics, body size limit, Idempotency-Key.

Order, outermost first: :class:`ObservabilityMiddleware` (request id, JSON access log,
Prometheus counters) → :class:`BodyMiddleware` (reads the body up to the limit, then handles
``Idempotency-Key`` on POST; see :mod:`kpo.services.idempotency` for the protocol).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time

from anyio import to_thread
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kpo.domain.access import split_key
from kpo.domain.errors import KpoError
from kpo.domain.idempotency import IdempotencyRecord
from kpo.entrypoints.api.deps import ACTOR_SCOPE_KEY, IDEMPOTENCY_SCOPE_KEY
from kpo.entrypoints.api.errors import PROBLEM_JSON, error_response, problem_response
from kpo.entrypoints.api.runtime import Runtime
from kpo.services.idempotency import Outcome, abandon_request, begin_request, finish_request

__all__ = ["BodyMiddleware", "ObservabilityMiddleware"]

log = logging.getLogger("kpo.api")
MAX_IDEMPOTENCY_KEY = 200


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        request_id = _header(scope, b"x-request-id") or secrets.token_hex(8)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id[:64].encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            template = _template(scope)
            method = scope.get("method", "")
            runtime.metrics.requests.labels(method, template, str(status)).inc()
            runtime.metrics.latency.labels(method, template).observe(elapsed)
            actor = scope.get(ACTOR_SCOPE_KEY)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "actor": getattr(actor, "label", None),
                },
            )


def _template(scope: Scope) -> str:
    """The path with its parameters named (``/v1/work-items/{item_id}``): bounded label values."""
    if scope.get("route") is None:
        return "unmatched"
    names = {str(v): k for k, v in scope.get("path_params", {}).items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join(f"{{{names[s]}}}" if s in names else s for s in segments)


class _TooLarge(Exception):
    pass


class BodyMiddleware:
    """Reads request bodies up to ``limit`` bytes (413 beyond) and makes POSTs with an
    ``Idempotency-Key`` header idempotent."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, send)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await self._too_large(scope, send)
            return
        replay = _replayer(body, receive)
        key = _header(scope, b"idempotency-key")
        if scope.get("method") != "POST" or key is None:
            await self.app(scope, replay, send)
            return
        await self._idempotent(scope, replay, send, key.strip(), body)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        response = problem_response(
            413,
            "payload_too_large",
            f"the request body is larger than {self.limit:,} bytes; send less",
            instance=scope.get("path"),
        )
        await response(scope, _no_body, send)

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, key: str, body: bytes
    ) -> None:
        runtime: Runtime = scope["app"].state.runtime
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            response = problem_response(
                422,
                "validation_error",
                f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY} characters",
                instance=scope.get("path"),
                errors=[
                    {
                        "field": "Idempotency-Key",
                        "message": "1 to 200 characters",
                        "code": "validation_error",
                    }
                ],
            )
            await response(scope, receive, send)
            return
        authorization = _header(scope, b"authorization") or ""
        presented = authorization.removeprefix("Bearer ").strip()
        parts = split_key(presented)
        if parts is None:
            await self.app(scope, receive, send)  # the route answers 401
            return
        try:
            actor = await to_thread.run_sync(runtime.authenticate, presented)
        except KpoError:
            await self.app(scope, receive, send)
            return
        scope[ACTOR_SCOPE_KEY] = actor
        key_id = parts[0]
        digest = hashlib.sha256()
        for part in (scope["method"], scope["path"], scope.get("query_string", b"")):
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")
        digest.update(body)

        def begin() -> Outcome:
            return begin_request(
                runtime.uow(),
                key_id=key_id,
                key=key,
                fingerprint=digest.hexdigest(),
                clock=runtime.clock,
            )

        try:
            outcome = await to_thread.run_sync(begin)
        except KpoError as error:
            await error_response(error, scope.get("path"))(scope, receive, send)
            return
        found = outcome.record
        if found is not None:
            await _replay(found, scope, receive, send)
            return
        scope[IDEMPOTENCY_SCOPE_KEY] = (key_id, key)
        status = 500
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if status < 500 and status != 401:
                text = b"".join(chunks).decode("utf-8", "replace")
                await to_thread.run_sync(
                    lambda: finish_request(
                        runtime.uow(), key_id=key_id, key=key, status=status, body=text
                    )
                )
            else:
                await to_thread.run_sync(
                    lambda: abandon_request(
                        runtime.uow(), key_id=key_id, key=key, clock=runtime.clock
                    )
                )


async def _replay(found: IdempotencyRecord, scope: Scope, receive: Receive, send: Send) -> None:
    headers = {"Idempotent-Replayed": "true"}
    if found.response_status is None:
        # The change committed but its response was lost (the server stopped in between).
        location = found.location or ""
        body = json.dumps({"location": location, "detail": "the request was already done"})
        headers["Location"] = location
        response = Response(body, 303, headers=headers, media_type="application/json")
    else:
        media = PROBLEM_JSON if found.response_status >= 400 else "application/json"
        response = Response(
            found.response_body or "", found.response_status, headers=headers, media_type=media
        )
    await response(scope, receive, send)


def _replayer(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
