"""One router per area; :data:`PROBLEMS` documents the error responses every route shares."""

from __future__ import annotations

from typing import Any

from kpo.entrypoints.api.schemas.common import Problem

__all__ = ["PROBLEMS", "problems"]

_DESCRIPTIONS = {
    401: "No valid API key",
    403: "The caller's role may not do this",
    404: "No such object, or not visible to the caller",
    409: "Conflict: the object exists, the state forbids the move, or the Idempotency-Key "
    "was used for another request",
    413: "The request body is too large",
    422: "Invalid input; `errors` names every field at fault",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }


PROBLEMS = problems(401, 403, 404, 409, 413, 422)
