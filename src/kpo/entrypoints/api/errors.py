"""Every error leaves the API as RFC 9457 problem details with a stable ``code``.

Deliberate errors (:class:`~kpo.domain.errors.KpoError`) keep their code and message; request
validation names each field; anything unexpected is a 500 ``internal_error`` whose details go
to the log only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kpo.domain.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    IllegalTransition,
    KpoError,
    NotFound,
    OfferNotPending,
    PayloadTooLarge,
    Unauthenticated,
    ValidationError,
)

__all__ = [
    "PROBLEM_JSON",
    "install_error_handlers",
    "problem_body",
    "problem_response",
    "status_of",
]

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://openkpo.dev/problems/"
log = logging.getLogger("kpo.api")

_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal error",
}


def status_of(error: KpoError) -> int:
    if isinstance(error, ValidationError):
        return 422
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | IllegalTransition | OfferNotPending):
        return 409
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, PayloadTooLarge):
        return 413
    return 422


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        "errors": errors or [],
    }


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status, code, detail, instance=instance, errors=errors)
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def error_response(error: KpoError, instance: str | None) -> Response:
    status = status_of(error)
    errors = None
    if isinstance(error, ValidationError):
        errors = [{"field": error.field or "body", "message": error.message, "code": error.code}]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(
        status, error.code.value, error.message, instance=instance, errors=errors, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    where, *path = loc or ("body",)
    if where == "body":
        return ".".join(str(p) for p in path) or "body"
    if where == "header":
        return str(path[0]) if path else "header"
    return ".".join(str(p) for p in path) or str(where)


def install_error_handlers(app: FastAPI) -> None:
    async def on_kpo_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, KpoError)
        return error_response(error, request.url.path)

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = [
            {
                "field": _field(tuple(e.get("loc", ()))),
                "message": str(e.get("msg", "invalid")),
                "code": str(e.get("type", "invalid")),
            }
            for e in error.errors()
        ]
        names = ", ".join(dict.fromkeys(e["field"] for e in errors))
        return problem_response(
            422,
            ErrorCode.VALIDATION.value,
            f"the request is invalid: see {names}",
            instance=request.url.path,
            errors=errors,
        )

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        codes = {404: ErrorCode.NOT_FOUND.value, 405: "method_not_allowed"}
        return problem_response(
            error.status_code,
            codes.get(error.status_code, "http_error"),
            str(error.detail),
            instance=request.url.path,
            headers=dict(error.headers or {}),
        )

    async def on_unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error", extra={"path": request.url.path})
        return problem_response(
            500,
            ErrorCode.INTERNAL.value,
            "an internal error occurred; it has been logged",
            instance=request.url.path,
        )

    app.add_exception_handler(KpoError, on_kpo_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
