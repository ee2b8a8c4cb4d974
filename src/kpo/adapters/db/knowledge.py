"""Repositories of the knowledge base: articles with their versions, line embeddings and
resolutions. They read and write; only services commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kpo.adapters.db import tables
from kpo.domain.errors import Conflict
from kpo.domain.knowledge import Article, ArticleStatus, ArticleVersion
from kpo.knowledge.records import Resolution
from kpo.knowledge.vectors import LineVectors

__all__ = ["SqlArticleRepository", "SqlEmbeddingStore", "SqlResolutionRepository"]

_CHUNK = 500
_A = tables.kb_articles
_V = tables.kb_article_versions
_E = tables.kb_embeddings
_R = tables.kb_resolutions


def _chunks(rows: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def _version_row(article: Article, version: ArticleVersion) -> dict[str, Any]:
    return {
        "client_id": article.client_id,
        "article_id": article.id,
        "number": version.number,
        "title": version.title,
        "body": version.body,
        "tags": list(version.tags),
        "service_lines": list(version.service_lines),
        "author": version.author,
        "at": version.at,
    }


def _article_row(article: Article) -> dict[str, Any]:
    return {
        "client_id": article.client_id,
        "id": article.id,
        "status": article.status.value,
        "archived_from": article.archived_from.value if article.archived_from else None,
        "source_item_id": article.source_item_id,
    }


class SqlArticleRepository:
    """Articles of all clients; every read names the client, so tenants never mix."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, articles: Sequence[Article]) -> None:
        for chunk in _chunks([_article_row(a) for a in articles]):
            self._session.execute(insert(_A), list(chunk))
        versions = [_version_row(a, v) for a in articles for v in a.versions]
        for chunk in _chunks(versions):
            self._session.execute(insert(_V), list(chunk))

    def add(self, article: Article) -> None:
        """Insert a new article; :class:`Conflict` if the client already has one with this id,
        including one another transaction stored after the caller checked (the transaction
        is then unusable: roll it back)."""
        try:
            self.add_many([article])
        except IntegrityError:
            # The only constraint a checked new article can break is its (client, id) key.
            raise Conflict("article", article.id) from None

    def save(self, article: Article) -> None:
        """Write back status and append versions not yet stored."""
        row = _article_row(article)
        self._session.execute(
            update(_A).where(_A.c.client_id == article.client_id, _A.c.id == article.id).values(row)
        )
        stored = self._session.scalar(
            select(func.max(_V.c.number)).where(
                _V.c.client_id == article.client_id, _V.c.article_id == article.id
            )
        )
        new = [_version_row(article, v) for v in article.versions if v.number > (stored or 0)]
        if new:
            self._session.execute(insert(_V), new)

    def get(self, client_id: str, article_id: str) -> Article | None:
        found = self._load(client_id, [article_id])
        return found[0] if found else None

    def get_many(self, client_id: str, article_ids: Sequence[str]) -> list[Article]:
        return self._load(client_id, article_ids)

    def ids(self, client_id: str) -> set[str]:
        return set(self._session.scalars(select(_A.c.id).where(_A.c.client_id == client_id)))

    def all(
        self,
        client_id: str,
        *,
        status: ArticleStatus | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        query = select(_A.c.id).where(_A.c.client_id == client_id).order_by(_A.c.id)
        if status is not None:
            query = query.where(_A.c.status == status.value)
        if after is not None:
            query = query.where(_A.c.id > after)
        if limit is not None:
            query = query.limit(limit)
        return self._load(client_id, list(self._session.scalars(query)))

    def count(self, client_id: str, *, status: ArticleStatus | None = None) -> int:
        query = select(func.count()).select_from(_A).where(_A.c.client_id == client_id)
        if status is not None:
            query = query.where(_A.c.status == status.value)
        return int(self._session.scalar(query) or 0)

    def _load(self, client_id: str, ids: Sequence[str]) -> list[Article]:
        mains: dict[str, Any] = {}
        versions: dict[str, list[ArticleVersion]] = defaultdict(list)
        for chunk in _chunks(list(ids)):
            for row in self._session.execute(
                select(_A).where(_A.c.client_id == client_id, _A.c.id.in_(chunk))
            ):
                mains[row.id] = row
            for row in self._session.execute(
                select(_V)
                .where(_V.c.client_id == client_id, _V.c.article_id.in_(chunk))
                .order_by(_V.c.article_id, _V.c.number)
            ):
                versions[row.article_id].append(
                    ArticleVersion(
                        number=row.number,
                        title=row.title,
                        body=row.body,
                        tags=tuple(row.tags),
                        service_lines=tuple(row.service_lines),
                        author=row.author,
                        at=row.at,
                    )
                )
        return [
            Article(
                client_id=client_id,
                id=i,
                status=ArticleStatus(mains[i].status),
                versions=versions[i],
                archived_from=(
                    ArticleStatus(mains[i].archived_from) if mains[i].archived_from else None
                ),
                source_item_id=mains[i].source_item_id,
            )
            for i in ids
            if i in mains
        ]


class SqlEmbeddingStore:
    """Line embeddings per article version and model, as float32 blobs."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, client_id: str, model: str, vectors: Sequence[LineVectors]) -> None:
        keys = [(client_id, v.article_id, model) for v in vectors]
        for chunk in _chunks(keys):
            self._session.execute(
                delete(_E).where(tuple_(_E.c.client_id, _E.c.article_id, _E.c.model).in_(chunk))
            )
        rows = [
            {
                "client_id": client_id,
                "article_id": v.article_id,
                "model": model,
                "version": v.version,
                "lines": v.vectors.shape[0],
                "vectors": np.ascontiguousarray(v.vectors, dtype="<f4").tobytes(),
            }
            for v in vectors
        ]
        for chunk in _chunks(rows):
            self._session.execute(insert(_E), list(chunk))

    def versions(self, client_id: str, model: str) -> dict[str, int]:
        rows = self._session.execute(
            select(_E.c.article_id, _E.c.version).where(
                _E.c.client_id == client_id, _E.c.model == model
            )
        )
        return {r.article_id: r.version for r in rows}

    def load(self, client_id: str, model: str, *, dimension: int) -> list[LineVectors]:
        """Embeddings of the client's published articles whose stored version is current."""
        current = (
            select(_V.c.article_id, func.max(_V.c.number).label("number"))
            .where(_V.c.client_id == client_id)
            .group_by(_V.c.article_id)
            .subquery()
        )
        rows = self._session.execute(
            select(_E.c.article_id, _E.c.version, _E.c.lines, _E.c.vectors)
            .join(_A, and_(_A.c.client_id == _E.c.client_id, _A.c.id == _E.c.article_id))
            .join(
                current,
                and_(current.c.article_id == _E.c.article_id, current.c.number == _E.c.version),
            )
            .where(
                _E.c.client_id == client_id,
                _E.c.model == model,
                _A.c.status == ArticleStatus.PUBLISHED.value,
            )
        )
        return [
            LineVectors(
                r.article_id,
                r.version,
                np.frombuffer(r.vectors, dtype="<f4").reshape(r.lines, dimension),
            )
            for r in rows
        ]


class SqlResolutionRepository:
    """Resolved work items with their notes and the articles that helped."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, resolution: Resolution, *, client_id: str, note: str, draft: str | None) -> None:
        self._session.execute(
            insert(_R).values(
                item_id=resolution.item_id,
                client_id=client_id,
                service_line_id=resolution.service_line_id,
                specialist_id=resolution.specialist_id,
                resolved_at=resolution.resolved_at,
                note=note,
                article_ids=list(resolution.article_ids),
                draft_article_id=draft,
            )
        )

    def between(self, client_id: str, start: datetime, end: datetime) -> list[Resolution]:
        rows = self._session.execute(
            select(_R)
            .where(_R.c.client_id == client_id, _R.c.resolved_at >= start, _R.c.resolved_at < end)
            .order_by(_R.c.resolved_at, _R.c.item_id)
        )
        return [
            Resolution(
                item_id=r.item_id,
                service_line_id=r.service_line_id,
                specialist_id=r.specialist_id,
                resolved_at=r.resolved_at,
                article_ids=tuple(r.article_ids),
            )
            for r in rows
        ]

    def exists(self, item_id: str) -> bool:
        return self._session.scalar(select(_R.c.item_id).where(_R.c.item_id == item_id)) is not None
