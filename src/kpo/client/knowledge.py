"""The knowledge-base calls of :class:`kpo.client.KpoClient`: a client's articles (list,
search, get, create, revise, publish, archive, restore) and its knowledge report."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from kpo.client.session import ApiSession
from kpo.entrypoints.api.schemas.common import Page
from kpo.entrypoints.api.schemas.knowledge import (
    ArticleCreate,
    ArticlePublic,
    ArticleRevision,
    ArticleSummary,
    KnowledgeReportPublic,
)

__all__ = ["KnowledgeBaseCalls"]


class KnowledgeBaseCalls(ApiSession):
    """``/v1/clients/{id}/articles…`` and ``/v1/clients/{id}/knowledge-report``."""

    def list_articles(
        self,
        client_id: str,
        *,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page[ArticleSummary]:
        """One page of the client's articles by id (``status``: draft, published, archived)."""
        params = {"status": status, "cursor": cursor, "limit": limit}
        return self._one(
            Page[ArticleSummary], "GET", f"/v1/clients/{client_id}/articles", params=params
        )

    def search_articles(
        self, client_id: str, text: str, *, limit: int = 10
    ) -> list[ArticleSummary]:
        """Published articles matching ``text``, best first, with score and snippet."""
        page = self._one(
            Page[ArticleSummary],
            "GET",
            f"/v1/clients/{client_id}/articles",
            params={"q": text, "limit": limit},
        )
        return page.items

    def get_article(self, client_id: str, article_id: str) -> ArticlePublic:
        return self._one(ArticlePublic, "GET", self._article_path(client_id, article_id))

    def create_article(
        self, client_id: str, article: ArticleCreate, *, idempotency_key: str | None = None
    ) -> ArticlePublic:
        """A new draft article."""
        return self._one(
            ArticlePublic,
            "POST",
            f"/v1/clients/{client_id}/articles",
            body=article.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def revise_article(
        self,
        client_id: str,
        article_id: str,
        revision: ArticleRevision,
        *,
        idempotency_key: str | None = None,
    ) -> ArticlePublic:
        return self._one(
            ArticlePublic,
            "POST",
            self._article_path(client_id, article_id) + "/versions",
            body=revision.model_dump(mode="json", exclude_none=True),
            idempotency_key=idempotency_key,
        )

    def publish_article(self, client_id: str, article_id: str) -> ArticlePublic:
        return self._one(
            ArticlePublic, "POST", self._article_path(client_id, article_id) + "/publish"
        )

    def archive_article(self, client_id: str, article_id: str) -> ArticlePublic:
        return self._one(
            ArticlePublic, "POST", self._article_path(client_id, article_id) + "/archive"
        )

    def restore_article(self, client_id: str, article_id: str) -> ArticlePublic:
        return self._one(
            ArticlePublic, "POST", self._article_path(client_id, article_id) + "/restore"
        )

    def knowledge_report(
        self, client_id: str, *, start: datetime, end: datetime, max_specialists: int = 2
    ) -> KnowledgeReportPublic:
        params = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "max_specialists": max_specialists,
        }
        return self._one(
            KnowledgeReportPublic,
            "GET",
            f"/v1/clients/{client_id}/knowledge-report",
            params=params,
        )

    @staticmethod
    def _article_path(client_id: str, article_id: str) -> str:
        return f"/v1/clients/{client_id}/articles/{quote(article_id, safe='')}"
