"""How :class:`kpo.client.KpoClient` talks HTTP: the session it wraps, retries with the same
``Idempotency-Key``, and problem details raised as :class:`ApiError`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

__all__ = ["ApiError", "ApiSession", "HttpResponse", "HttpSession"]

M = TypeVar("M", bound=BaseModel)


class HttpResponse(Protocol):
    """What the client reads of a response (httpx's, or a test client's)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self, **kwargs: Any) -> Any: ...


class HttpSession(Protocol):
    """An HTTP session: ``httpx.Client``, or FastAPI's ``TestClient`` in tests."""

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = ...,
        params: Any = ...,
        headers: Any = ...,
    ) -> HttpResponse: ...


class ApiError(Exception):
    """A problem-details answer: ``status``, stable ``code``, ``detail`` and field ``errors``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code", "http_error"))
        self.detail = str(body.get("detail", ""))
        self.errors: list[dict[str, str]] = list(body.get("errors", []))
        super().__init__(f"{status} {self.code}: {self.detail}")


class ApiSession:
    """The client's plumbing: authentication, idempotency keys, retries, problem details."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str,
        timeout: float = 10.0,
        retries: int = 3,
        http: HttpSession | None = None,
    ) -> None:
        """``http`` replaces the underlying client (e.g. FastAPI's TestClient in tests)."""
        self._owned_http = (
            httpx.Client(base_url=base_url, timeout=timeout) if http is None else None
        )
        self._http: HttpSession = http or self._owned_http  # type: ignore[assignment]
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._retries = retries

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owned_http is not None:
            self._owned_http.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = dict(self._headers)
        attempts = 1
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
            attempts += self._retries
        query = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt in range(attempts):
            try:
                response = self._http.request(
                    method, path, json=body, params=query, headers=headers
                )
            except httpx.TransportError:
                if attempt + 1 == attempts:
                    raise
                time.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            busy = response.status_code == 409 and b"request_in_progress" in response.content
            if (response.status_code >= 500 or busy) and attempt + 1 < attempts:
                time.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            if response.status_code == 303:  # done before; the response was lost
                return self._send("GET", response.headers["location"])
            if response.status_code >= 400:
                try:
                    problem = response.json()
                except ValueError:
                    problem = {"detail": response.text}
                raise ApiError(response.status_code, problem)
            return response.json() if response.content else None
        raise AssertionError("unreachable")  # pragma: no cover

    def _one(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        return model.model_validate(self._send(method, path, **kwargs))

    def _many(self, model: type[M], path: str, **kwargs: Any) -> list[M]:
        return TypeAdapter(list[model]).validate_python(self._send("GET", path, **kwargs))  # type: ignore[valid-type]
