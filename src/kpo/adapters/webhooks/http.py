"""The webhook transport: one HTTP POST per delivery, with httpx."""

from __future__ import annotations

import httpx

from kpo.domain.webhooks import PostResult

__all__ = ["HttpWebhookTransport"]


class HttpWebhookTransport:
    """Posts with a short timeout and no redirects; any 2xx is a success."""

    def __init__(self, *, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return PostResult(None, f"{type(error).__name__}: {error}"[:500])
        return PostResult(response.status_code)

    def close(self) -> None:
        self._client.close()
