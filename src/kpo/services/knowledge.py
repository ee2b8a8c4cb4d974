"""Knowledge-base use cases: search, the article life cycle, capture from resolutions, reports.

Every function opens one unit of work and commits it (reads commit nothing). A client is
named by name or id; one client's calls never see another client's articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kpo.domain.errors import NotFound, ValidationError
from kpo.domain.knowledge import Article, ArticleStatus, SearchHit, parse_article_id
from kpo.domain.work_items import WorkItemState
from kpo.knowledge.capture import propose_draft
from kpo.knowledge.records import Resolution
from kpo.knowledge.reports import CoverageRow, RiskRow, coverage, turnover_risk
from kpo.knowledge.text import parse_query
from kpo.services.knowledge_io import require_client
from kpo.services.ports import UnitOfWork

__all__ = [
    "CaptureResult",
    "KnowledgeReport",
    "archive_article",
    "capture_resolution",
    "create_draft",
    "get_article",
    "knowledge_report",
    "list_articles",
    "publish_article",
    "restore_article",
    "revise_article",
    "search_articles",
]

MAX_LIMIT = 100


def search_articles(uow: UnitOfWork, client: str, text: str, *, limit: int = 10) -> list[SearchHit]:
    """Full-text search of the client's published articles, best first.

    ``text`` may hold ``"exact phrases"`` (must occur) and ``prefix*`` words.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    query = parse_query(text)
    with uow:
        found = require_client(uow, client)
        return uow.article_index.search(found.id, query, limit=limit)


def get_article(uow: UnitOfWork, client: str, article_id: str) -> Article:
    with uow:
        found = require_client(uow, client)
        return _article(uow, found.id, article_id)


def list_articles(
    uow: UnitOfWork, client: str, *, status: ArticleStatus | None = None
) -> list[Article]:
    with uow:
        found = require_client(uow, client)
        return uow.articles.all(found.id, status=status)


def _article(uow: UnitOfWork, client_id: str, article_id: str) -> Article:
    article = uow.articles.get(client_id, article_id)
    if article is None:
        raise NotFound("article", article_id)
    return article


def create_draft(
    uow: UnitOfWork,
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
        found = require_client(uow, client)
        if uow.articles.get(found.id, article_id) is not None:
            raise ValidationError(f"article {article_id!r} already exists", field="id")
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
        found = require_client(uow, client)
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


def _transition(uow: UnitOfWork, client: str, article_id: str, action: str) -> Article:
    with uow:
        found = require_client(uow, client)
        article = _article(uow, found.id, article_id)
        getattr(article, action)()
        uow.articles.save(article)
        uow.article_index.put([article])
        uow.commit()
    return article


def publish_article(uow: UnitOfWork, client: str, article_id: str) -> Article:
    """Review done: a draft becomes searchable and suggestible."""
    return _transition(uow, client, article_id, "publish")


def archive_article(uow: UnitOfWork, client: str, article_id: str) -> Article:
    """Take an article out of search and suggestions; its history is kept."""
    return _transition(uow, client, article_id, "archive")


def restore_article(uow: UnitOfWork, client: str, article_id: str) -> Article:
    """Bring an archived article back to the status it had."""
    return _transition(uow, client, article_id, "restore")


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

    ``helped``: ids of the client's articles the specialist used. The draft (id
    ``draft-<item id>``) is authored by the resolving specialist unless ``author`` is given.
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
        known = uow.articles.ids(line.client_id)
        unknown = [a for a in helped if a not in known]
        if unknown:
            raise ValidationError(
                f"article(s) {', '.join(unknown)} do not exist for this client", field="helped"
            )
        resolved_at = item.transitions[-1].at if item.transitions else at
        record = Resolution(
            item_id, line.id, item.specialist_id, resolved_at, tuple(dict.fromkeys(helped))
        )
        proposal = propose_draft(
            item_id=item_id,
            subject=item.subject,
            description=item.description,
            note=note,
            helped=record.article_ids,
        )
        draft: Article | None = None
        if proposal is not None and proposal.article_id not in known:
            draft = Article.create(
                client_id=line.client_id,
                article_id=proposal.article_id,
                title=proposal.title,
                body=proposal.body,
                tags=proposal.tags,
                service_lines=(line.id,),
                author=author or item.specialist_id or "unknown",
                at=at,
                source_item_id=item_id,
            )
            uow.articles.add(draft)
        uow.resolutions.add(
            record,
            client_id=line.client_id,
            note=note,
            draft=draft.id if draft else None,
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
    client: str,
    *,
    start: datetime,
    end: datetime,
    max_specialists: int = 2,
) -> KnowledgeReport:
    """Coverage per service line and turnover risk over resolutions in ``[start, end)``."""
    if end <= start:
        raise ValidationError("the period's end must be after its start", field="end")
    with uow:
        found = require_client(uow, client)
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
