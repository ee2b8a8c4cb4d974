"""A client's knowledge base: articles with their versions, search hits, suggestions and the
knowledge report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from kpo.domain.errors import ValidationError
from kpo.domain.knowledge import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    Article,
    ArticleStatus,
    ArticleVersion,
)
from kpo.entrypoints.api.schemas.common import Id, Strict
from kpo.services.item_suggestions import ItemSuggestions
from kpo.services.knowledge import ArticleMatch, KnowledgeReport

__all__ = [
    "ArticleCreate",
    "ArticleId",
    "ArticlePublic",
    "ArticleRevision",
    "ArticleSummary",
    "CoveragePublic",
    "ItemSuggestionsPublic",
    "KnowledgeReportPublic",
    "RiskPublic",
    "SuggestionPublic",
    "VersionPublic",
]

# Article ids are kept as imported: 1-128 characters without whitespace or slashes.
ArticleId = Annotated[str, StringConstraints(pattern=r"^[^\s/\\]{1,128}$")]
Tag = Annotated[str, StringConstraints(pattern=r"^[^\s,;]{1,64}$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS)]


class ArticleCreate(Strict):
    """A new draft; it is searched and suggested once published."""

    id: ArticleId
    title: Title
    body: Body = ""
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    service_lines: Annotated[list[Id], Field(max_length=50)] = Field(default_factory=list)


class ArticleRevision(Strict):
    """A new version: what is left out is carried over from the current one."""

    title: Title | None = None
    body: Body | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None

    def require_change(self) -> None:
        if self.title is None and self.body is None and self.tags is None:
            raise ValidationError("give at least one of title, body and tags", field="body")


class VersionPublic(BaseModel):
    number: int
    title: str
    body: str
    tags: list[str]
    service_lines: list[str]
    author: str
    at: datetime

    @classmethod
    def of(cls, version: ArticleVersion) -> VersionPublic:
        return cls(
            number=version.number,
            title=version.title,
            body=version.body,
            tags=list(version.tags),
            service_lines=list(version.service_lines),
            author=version.author,
            at=version.at,
        )


class ArticlePublic(BaseModel):
    """An article with its whole history, oldest version first; the content is the newest."""

    id: str
    client_id: str
    status: ArticleStatus
    title: str
    body: str
    tags: list[str]
    service_lines: list[str]
    source_item_id: str | None = Field(
        description="The work item a captured draft was proposed from."
    )
    versions: list[VersionPublic]

    @classmethod
    def of(cls, article: Article) -> ArticlePublic:
        return cls(
            id=article.id,
            client_id=article.client_id,
            status=article.status,
            title=article.title,
            body=article.body,
            tags=list(article.tags),
            service_lines=list(article.service_lines),
            source_item_id=article.source_item_id,
            versions=[VersionPublic.of(v) for v in article.versions],
        )


class ArticleSummary(BaseModel):
    """An article in a list; in a search also its ``score`` (higher is better, comparable
    within one list) and a ``snippet`` with matches marked ``**like this**``."""

    id: str
    status: ArticleStatus
    title: str
    tags: list[str]
    service_lines: list[str]
    version: int
    updated_at: datetime
    source_item_id: str | None
    score: float | None = None
    snippet: str | None = None

    @classmethod
    def of(cls, match: Article | ArticleMatch) -> ArticleSummary:
        found = match if isinstance(match, ArticleMatch) else ArticleMatch(match)
        article = found.article
        return cls(
            id=article.id,
            status=article.status,
            title=article.title,
            tags=list(article.tags),
            service_lines=list(article.service_lines),
            version=article.current.number,
            updated_at=article.current.at,
            source_item_id=article.source_item_id,
            score=None if found.hit is None else found.hit.score,
            snippet=None if found.hit is None else found.hit.snippet,
        )


class SuggestionPublic(BaseModel):
    id: str
    title: str
    score: float
    confidence: float = Field(
        description="The score plus its lead over the best other article: what the "
        "knowledge base's threshold is held to."
    )
    best_line: str = Field(description="The article's line that matched the item best.")


class ItemSuggestionsPublic(BaseModel):
    """Articles whose confidence is at or above the knowledge base's calibrated threshold,
    best first (empty when nothing matches well)."""

    item_id: str
    mode: str = Field(description="lexical, or hybrid when the semantic extra is installed.")
    threshold: float
    articles: list[SuggestionPublic]
    notice: str | None = Field(
        default=None, description="Set when semantic ranking is unavailable, and why."
    )

    @classmethod
    def of(cls, found: ItemSuggestions, *, notice: str | None) -> ItemSuggestionsPublic:
        return cls(
            item_id=found.item_id,
            mode=found.mode.value,
            threshold=found.suggestions.threshold,
            articles=[
                SuggestionPublic(
                    id=r.article_id,
                    title=r.title,
                    score=r.score,
                    confidence=r.confidence,
                    best_line=r.best_line,
                )
                for r in found.suggestions.suggested
            ],
            notice=notice,
        )


class CoveragePublic(BaseModel):
    service_line_id: str
    resolved: int
    with_article: int
    share: float


class RiskPublic(BaseModel):
    kind: str = Field(description="skill or service_line")
    name: str
    resolved: int
    specialists: list[str]


class KnowledgeReportPublic(BaseModel):
    """Coverage (share of resolutions an article helped) per service line, and the skills
    and lines whose resolutions came from few specialists (turnover risk)."""

    client_id: str
    start: datetime
    end: datetime
    coverage: list[CoveragePublic]
    turnover_risk: list[RiskPublic]

    @classmethod
    def of(cls, report: KnowledgeReport) -> KnowledgeReportPublic:
        return cls(
            client_id=report.client_id,
            start=report.start,
            end=report.end,
            coverage=[
                CoveragePublic(
                    service_line_id=r.service_line_id,
                    resolved=r.resolved,
                    with_article=r.with_article,
                    share=r.share,
                )
                for r in report.coverage
            ],
            turnover_risk=[
                RiskPublic(
                    kind=r.kind, name=r.name, resolved=r.resolved, specialists=list(r.specialists)
                )
                for r in report.turnover_risk
            ],
        )
