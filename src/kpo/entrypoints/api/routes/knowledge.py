"""A client's knowledge base: articles (list, search, read, draft, revise, publish, archive,
restore), the knowledge report, and the articles suggested for a work item.

Who may read and edit whose knowledge: :mod:`kpo.services.knowledge_access`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc
from kpo.domain.knowledge import Article, ArticleStatus
from kpo.entrypoints.api.deps import ActorDep, ClockDep, RuntimeDep, UowDep, locate
from kpo.entrypoints.api.routes import PROBLEMS
from kpo.entrypoints.api.schemas.common import Id, Page
from kpo.entrypoints.api.schemas.knowledge import (
    ArticleCreate,
    ArticleId,
    ArticlePublic,
    ArticleRevision,
    ArticleSummary,
    ItemSuggestionsPublic,
    KnowledgeReportPublic,
)
from kpo.services import knowledge
from kpo.services.item_suggestions import suggest_for_visible_item

__all__ = ["router"]

router = APIRouter(tags=["knowledge base"], responses=PROBLEMS)

REPORT_PERIOD = timedelta(days=30)
LimitQuery = Annotated[int, Query(ge=1, le=knowledge.MAX_LIMIT)]


def _cursor(article_id: str) -> str:
    return base64.urlsafe_b64encode(article_id.encode()).decode().rstrip("=")


def _after(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError):
        raise ValidationError(
            "cursor is not one this API returned; pass next_cursor unchanged", field="cursor"
        ) from None


def _at(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(f"{field} needs a time zone, e.g. Z or +02:00", field=field)
    return require_utc(value, field)


@router.get("/clients/{client_id}/articles")
def list_articles(
    client_id: Id,
    actor: ActorDep,
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=500, description="Search text")] = None,
    status: ArticleStatus | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: LimitQuery = 50,
) -> Page[ArticleSummary]:
    """Without ``q``: the client's articles by id, ``limit`` per page (``status=draft`` lists
    the drafts to review). With ``q``: full-text search of the published articles, best first
    (words, ``"exact phrases"``, ``prefix*``), one page. Vendors and specialists see the
    published articles of clients whose items they hold or held."""
    if q is not None:
        if status not in (None, ArticleStatus.PUBLISHED) or cursor is not None:
            raise ValidationError("a search covers published articles only, one page", field="q")
        found = knowledge.match_articles(uow, actor, client_id, q, limit=limit)
        return Page[ArticleSummary](items=[ArticleSummary.of(m) for m in found], next_cursor=None)
    after = None if cursor is None else _after(cursor)
    articles = knowledge.list_articles(
        uow, actor, client_id, status=status, after=after, limit=limit
    )
    next_cursor = _cursor(articles[-1].id) if len(articles) == limit else None
    return Page[ArticleSummary](
        items=[ArticleSummary.of(a) for a in articles], next_cursor=next_cursor
    )


@router.post("/clients/{client_id}/articles", status_code=201)
def create_article(
    client_id: Id,
    body: ArticleCreate,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> ArticlePublic:
    """Write a draft (the client or the operator); the caller is its author."""
    locate(uow, f"/v1/clients/{client_id}/articles/{body.id}")
    article = knowledge.create_draft(
        uow,
        actor,
        client_id,
        article_id=body.id,
        title=body.title,
        body=body.body,
        tags=body.tags,
        service_lines=body.service_lines,
        author=actor.label,
        at=clock.now(),
    )
    return _changed(runtime, article)


def _changed(runtime: RuntimeDep, article: Article) -> ArticlePublic:
    runtime.knowledge.invalidate(article.client_id)
    return ArticlePublic.of(article)


@router.get("/clients/{client_id}/articles/{article_id}")
def get_article(
    client_id: Id, article_id: ArticleId, actor: ActorDep, uow: UowDep
) -> ArticlePublic:
    """The article with every version (author and time of each)."""
    return ArticlePublic.of(knowledge.get_article(uow, actor, client_id, article_id))


@router.post("/clients/{client_id}/articles/{article_id}/versions")
def revise_article(
    client_id: Id,
    article_id: ArticleId,
    body: ArticleRevision,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> ArticlePublic:
    """Save a new version (nothing is overwritten); a published article stays published."""
    body.require_change()
    locate(uow, f"/v1/clients/{client_id}/articles/{article_id}")
    article = knowledge.revise_article(
        uow,
        actor,
        client_id,
        article_id,
        author=actor.label,
        at=clock.now(),
        title=body.title,
        body=body.body,
        tags=body.tags,
    )
    return _changed(runtime, article)


@router.post("/clients/{client_id}/articles/{article_id}/publish")
def publish_article(
    client_id: Id, article_id: ArticleId, actor: ActorDep, uow: UowDep, runtime: RuntimeDep
) -> ArticlePublic:
    """Review done: a draft becomes searchable and suggestible."""
    locate(uow, f"/v1/clients/{client_id}/articles/{article_id}")
    return _changed(runtime, knowledge.publish_article(uow, actor, client_id, article_id))


@router.post("/clients/{client_id}/articles/{article_id}/archive")
def archive_article(
    client_id: Id, article_id: ArticleId, actor: ActorDep, uow: UowDep, runtime: RuntimeDep
) -> ArticlePublic:
    """Out of search and suggestions; the history is kept."""
    locate(uow, f"/v1/clients/{client_id}/articles/{article_id}")
    return _changed(runtime, knowledge.archive_article(uow, actor, client_id, article_id))


@router.post("/clients/{client_id}/articles/{article_id}/restore")
def restore_article(
    client_id: Id, article_id: ArticleId, actor: ActorDep, uow: UowDep, runtime: RuntimeDep
) -> ArticlePublic:
    """Back to the status it had before it was archived."""
    locate(uow, f"/v1/clients/{client_id}/articles/{article_id}")
    return _changed(runtime, knowledge.restore_article(uow, actor, client_id, article_id))


@router.get("/clients/{client_id}/knowledge-report")
def knowledge_report(
    client_id: Id,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    start: datetime | None = None,
    end: datetime | None = None,
    max_specialists: Annotated[int, Query(ge=1, le=100)] = 2,
) -> KnowledgeReportPublic:
    """Over resolutions in ``[start, end)`` (default: the 30 days up to now): coverage per
    service line and turnover risk (the client or the operator)."""
    until = clock.now() if end is None else _at(end, "end")
    since = until - REPORT_PERIOD if start is None else _at(start, "start")
    report = knowledge.knowledge_report(
        uow, actor, client_id, start=since, end=until, max_specialists=max_specialists
    )
    return KnowledgeReportPublic.of(report)


@router.get("/work-items/{item_id}/suggestions", tags=["work items"])
def item_suggestions(
    item_id: Id,
    actor: ActorDep,
    uow: UowDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> ItemSuggestionsPublic:
    """The client's articles that best match the item's subject and description, above the
    knowledge base's calibrated threshold (anyone who may see the item)."""
    found = suggest_for_visible_item(uow, actor, item_id, bases=runtime.knowledge, limit=limit)
    return ItemSuggestionsPublic.of(found, notice=runtime.semantic_notice)
