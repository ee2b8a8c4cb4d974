"""Knowledge-base use cases: search, the article life cycle, capture from resolutions, reports.

Every function opens one unit of work and commits it (reads commit nothing). A client is
named by name or id; one client's calls never see another client's articles. Every function
takes the calling :class:`~kpo.domain.access.Actor` (the CLI acts as the operator); who may
read and edit which client's knowledge is :mod:`kpo.services.knowledge_access`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kpo.domain.access import Actor, Role
from kpo.domain.errors import Conflict, NotFound, ValidationError
from kpo.domain.knowledge import Article, ArticleStatus, SearchHit, parse_article_id
from kpo.domain.work_items import WorkItemState
from kpo.knowledge.reports import CoverageRow, RiskRow, coverage, turnover_risk
from kpo.knowledge.text import parse_query
from kpo.services.knowledge_access import editable_client, readable_client
from kpo.services.ports import UnitOfWork
from kpo.services.resolutions import check_helped, record_resolution

__all__ = [
    "MAX_LIMIT",
    "ArticleMatch",
    "CaptureResult",
    "KnowledgeReport",
    "archive_article",
    "capture_resolution",
    "create_draft",
    "get_article",
    "knowledge_report",
    "list_articles",
    "match_articles",
    "publish_article",
    "restore_article",
    "revise_article",
    "search_articles",
]

MAX_LIMIT = 100


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")


def search_articles(
    uow: UnitOfWork, actor: Actor, client: str, text: str, *, limit: int = 10
) -> list[SearchHit]:
    """Full-text search of the client's published articles, best first.

    ``text`` may hold ``"exact phrases"`` (must occur) and ``prefix*`` words.
    """
    _check_limit(limit)
    query = parse_query(text)
    with uow:
        scope = readable_client(uow, actor, client)
        return uow.article_index.search(scope.client.id, query, limit=limit)


@dataclass(frozen=True, slots=True)
class ArticleMatch:
    """An article as a list shows it; ``hit`` holds its score and snippet in a search."""

    article: Article
    hit: SearchHit | None = None


def match_articles(
    uow: UnitOfWork, actor: Actor, client: str, text: str, *, limit: int = 10
) -> list[ArticleMatch]:
    """:func:`search_articles` with each hit's article (status, tags, versions)."""
    _check_limit(limit)
    query = parse_query(text)
    with uow:
        client_id = readable_client(uow, actor, client).client.id
        hits = uow.article_index.search(client_id, query, limit=limit)
        articles = {a.id: a for a in uow.articles.get_many(client_id, [h.article_id for h in hits])}
    return [ArticleMatch(articles[h.article_id], h) for h in hits if h.article_id in articles]


def get_article(uow: UnitOfWork, actor: Actor, client: str, article_id: str) -> Article:
    """An article with its versions; a reader who may not edit sees published ones only."""
    with uow:
        scope = readable_client(uow, actor, client)
        article = _article(uow, scope.client.id, article_id)
        if not scope.edits and article.status is not ArticleStatus.PUBLISHED:
            raise NotFound("article", article_id)
        return article


def list_articles(
    uow: UnitOfWork,
    actor: Actor,
    client: str,
    *,
    status: ArticleStatus | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[Article]:
    """The client's articles by id (those after ``after``, at most ``limit``); a reader who may
    not edit sees published ones only."""
    with uow:
        scope = readable_client(uow, actor, client)
        if not scope.edits:
            if status not in (None, ArticleStatus.PUBLISHED):
                return []
            status = ArticleStatus.PUBLISHED
        return uow.articles.all(scope.client.id, status=status, after=after, limit=limit)


def _article(uow: UnitOfWork, client_id: str, article_id: str) -> Article:
    article = uow.articles.get(client_id, article_id)
    if article is None:
        raise NotFound("article", article_id)
    return article


def create_draft(
    uow: UnitOfWork,
    actor: Actor,
    client: str,
    *,
    article_id: str,
    title: str,
    body: str,
    tags: Sequence[str] = (),
    service_lines: Sequence[str] = (),
    author: str,
    at: datetime,
) -> Article:
    """A new draft article (not searchable until published)."""
    parse_article_id(article_id)
    with uow:
        found = editable_client(uow, actor, client)
        if uow.articles.get(found.id, article_id) is not None:
            raise Conflict("article", article_id)
        lines = {line.id for line in uow.service_lines.all(client_id=found.id)}
        unknown = [line for line in service_lines if line not in lines]
        if unknown:
            raise ValidationError(
                f"service line(s) {', '.join(unknown)} are not this client's", field="service_lines"
            )
        article = Article.create(
            client_id=found.id,
            article_id=article_id,
            title=title,
            body=body,
            tags=tuple(tags),
            service_lines=tuple(service_lines),
            author=author,
            at=at,
        )
        uow.articles.add(article)
        uow.commit()
    return article


def revise_article(
    uow: UnitOfWork,
    actor: Actor,
    client: str,
    article_id: str,
    *,
    author: str,
    at: datetime,
    title: str | None = None,
    body: str | None = None,
    tags: Sequence[str] | None = None,
) -> Article:
    """Save a new version; a published article stays published and is re-indexed."""
    with uow:
        found = editable_client(uow, actor, client)
        article = _article(uow, found.id, article_id)
        article.revise(
            author=author,
            at=at,
            title=title,
            body=body,
            tags=tuple(tags) if tags is not None else None,
        )
        uow.articles.save(article)
        uow.article_index.put([article])
        uow.commit()
    return article


def _transition(
    uow: UnitOfWork, actor: Actor, client: str, article_id: str, action: str
) -> Article:
    with uow:
        found = editable_client(uow, actor, client)
        article = _article(uow, found.id, article_id)
        getattr(article, action)()
        uow.articles.save(article)
        uow.article_index.put([article])
        uow.commit()
    return article


def publish_article(uow: UnitOfWork, actor: Actor, client: str, article_id: str) -> Article:
    """Review done: a draft becomes searchable and suggestible."""
    return _transition(uow, actor, client, article_id, "publish")


def archive_article(uow: UnitOfWork, actor: Actor, client: str, article_id: str) -> Article:
    """Take an article out of search and suggestions; its history is kept."""
    return _transition(uow, actor, client, article_id, "archive")


def restore_article(uow: UnitOfWork, actor: Actor, client: str, article_id: str) -> Article:
    """Bring an archived article back to the status it had."""
    return _transition(uow, actor, client, article_id, "restore")


@dataclass(frozen=True, slots=True)
class CaptureResult:
    item_id: str
    draft: Article | None


def capture_resolution(
    uow: UnitOfWork,
    item_id: str,
    *,
    note: str,
    helped: Sequence[str] = (),
    author: str | None = None,
    at: datetime,
) -> CaptureResult:
    """Record how a resolved work item was resolved; propose a draft when no article helped.

    For items resolved outside the API (whose ``resolve`` records this itself). ``helped``:
    ids of the client's articles the specialist used. The draft (id ``draft-<item id>``) is
    authored by the resolving specialist unless ``author`` is given.
    """
    with uow:
        item = uow.work_items.get(item_id)
        if item is None:
            raise NotFound("work item", item_id)
        if item.state is not WorkItemState.RESOLVED:
            raise ValidationError(
                f"work item {item_id!r} is {item.state}; record knowledge once it is resolved",
                field="item_id",
            )
        if uow.resolutions.exists(item_id):
            raise ValidationError(f"resolution of {item_id!r} is already recorded", field="item_id")
        line = uow.service_lines.get(item.service_line_id)
        if line is None:
            raise NotFound("service line", item.service_line_id)
        used = check_helped(uow, line.client_id, helped, field="helped")
        resolved_at = item.transitions[-1].at if item.transitions else at
        draft = record_resolution(
            uow,
            item,
            client_id=line.client_id,
            note=note,
            helped=used,
            resolved_at=resolved_at,
            author=author,
            at=at,
        )
        uow.commit()
    return CaptureResult(item_id, draft)


@dataclass(frozen=True, slots=True)
class KnowledgeReport:
    client_id: str
    start: datetime
    end: datetime
    coverage: list[CoverageRow]
    turnover_risk: list[RiskRow]


def knowledge_report(
    uow: UnitOfWork,
    actor: Actor,
    client: str,
    *,
    start: datetime,
    end: datetime,
    max_specialists: int = 2,
) -> KnowledgeReport:
    """Coverage per service line and turnover risk over resolutions in ``[start, end)``."""
    if end <= start:
        raise ValidationError("the period's end must be after its start", field="end")
    actor.require(Role.CLIENT, action="read knowledge reports")
    with uow:
        found = editable_client(uow, actor, client)
        records = uow.resolutions.between(found.id, start, end)
        skills = {
            line.id: [r.skill for r in line.required_skills]
            for line in uow.service_lines.all(client_id=found.id)
        }
    return KnowledgeReport(
        found.id,
        start,
        end,
        coverage(records),
        turnover_risk(records, skills=skills, max_specialists=max_specialists),
    )
