"""Knowledge-base articles: a client's own knowledge, versioned and reviewed before use.

An article belongs to one client and keeps the ``id`` it was given (imports keep ids so that a
client can move its knowledge between installations and vendors). Every edit adds an
:class:`ArticleVersion` with its author and time; nothing is overwritten.

Status::

    draft ──publish──▶ published ──archive──▶ archived
      │                                          │
      └──────────────archive─────────────────────┤
                     restore: back to the status it had before archiving

Only published articles are searched and suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kpo.domain.errors import IllegalTransition, KpoError, ValidationError
from kpo.domain.instants import require_utc

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_TITLE_CHARS",
    "Article",
    "ArticleStatus",
    "ArticleStatusConflict",
    "ArticleVersion",
    "SearchHit",
    "parse_article_id",
    "parse_tags",
]

MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 200_000
_ID = re.compile(r"[^\s/\\]{1,128}")
_TAG = re.compile(r"[^\s,;]{1,64}")


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


def parse_article_id(text: str, *, field: str | None = "id") -> str:
    """Article ids are kept as given: 1–128 characters without whitespace or slashes."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise ValidationError(
            f"article id {text!r} is not valid: use 1-128 characters without spaces or slashes",
            field=field,
        )
    return text


def parse_tags(values: object, *, field: str = "tags") -> tuple[str, ...]:
    """Tags: a list of short words without spaces, commas or semicolons; duplicates dropped."""
    if not isinstance(values, list | tuple):
        raise ValidationError('tags must be a list of strings, e.g. ["cards"]', field=field)
    tags: list[str] = []
    for value in values:
        if not isinstance(value, str) or not _TAG.fullmatch(value.strip()):
            raise ValidationError(
                f"tag {value!r} is not valid: 1-64 characters without spaces, ',' or ';'",
                field=field,
            )
        if value.strip() not in tags:
            tags.append(value.strip())
    return tuple(tags)


class ArticleStatusConflict(IllegalTransition):
    """The article's status forbids the change (e.g. publishing an article that is not a
    draft); the API answers 409 ``illegal_transition``."""

    def __init__(self, message: str, *, current: str, target: str) -> None:
        KpoError.__init__(self, message)
        self.current = current
        self.target = target


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """One immutable revision: the content as ``author`` saved it at ``at``."""

    number: int
    title: str
    body: str
    tags: tuple[str, ...]
    service_lines: tuple[str, ...]
    author: str
    at: datetime

    def __post_init__(self) -> None:
        require_utc(self.at, "at")
        if not self.title.strip():
            raise ValidationError("an article needs a title", field="title")
        if len(self.title) > MAX_TITLE_CHARS:
            raise ValidationError(
                f"title is {len(self.title)} characters long; at most {MAX_TITLE_CHARS}",
                field="title",
            )
        if len(self.body) > MAX_BODY_CHARS:
            raise ValidationError(
                f"body is {len(self.body)} characters long; at most {MAX_BODY_CHARS}",
                field="body",
            )
        if not self.author.strip():
            raise ValidationError("a version needs an author", field="author")


@dataclass(slots=True)
class Article:
    """A knowledge-base entry of one client. Content is that of the newest version."""

    client_id: str
    id: str
    status: ArticleStatus
    versions: list[ArticleVersion]
    archived_from: ArticleStatus | None = None
    source_item_id: str | None = field(default=None)

    def __post_init__(self) -> None:
        parse_article_id(self.id)
        if not self.versions:
            raise ValidationError(f"article {self.id!r} has no version", field="versions")
        numbers = [v.number for v in self.versions]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError(
                f"article {self.id!r} has versions {numbers}; expected 1, 2, 3, …",
                field="versions",
            )

    @classmethod
    def create(
        cls,
        *,
        client_id: str,
        article_id: str,
        title: str,
        body: str,
        tags: tuple[str, ...] = (),
        service_lines: tuple[str, ...] = (),
        author: str,
        at: datetime,
        status: ArticleStatus = ArticleStatus.DRAFT,
        source_item_id: str | None = None,
    ) -> Article:
        version = ArticleVersion(1, title.strip(), body, tags, service_lines, author, at)
        return cls(client_id, article_id, status, [version], source_item_id=source_item_id)

    @property
    def current(self) -> ArticleVersion:
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def body(self) -> str:
        return self.current.body

    @property
    def tags(self) -> tuple[str, ...]:
        return self.current.tags

    @property
    def service_lines(self) -> tuple[str, ...]:
        return self.current.service_lines

    @property
    def is_searchable(self) -> bool:
        return self.status is ArticleStatus.PUBLISHED

    def revise(
        self,
        *,
        author: str,
        at: datetime,
        title: str | None = None,
        body: str | None = None,
        tags: tuple[str, ...] | None = None,
        service_lines: tuple[str, ...] | None = None,
    ) -> ArticleVersion:
        """Add a version; what is not given is carried over from the current one."""
        if self.status is ArticleStatus.ARCHIVED:
            raise ArticleStatusConflict(
                f"article {self.id!r} is archived: restore it before editing",
                current=self.status.value,
                target="revised",
            )
        now = self.current
        if at < now.at:
            raise ValidationError(
                f"version time {at.isoformat()} is before the current version's "
                f"{now.at.isoformat()}",
                field="at",
            )
        version = ArticleVersion(
            now.number + 1,
            (title if title is not None else now.title).strip(),
            body if body is not None else now.body,
            tags if tags is not None else now.tags,
            service_lines if service_lines is not None else now.service_lines,
            author,
            at,
        )
        self.versions.append(version)
        return version

    def publish(self) -> None:
        if self.status is not ArticleStatus.DRAFT:
            raise ArticleStatusConflict(
                f"article {self.id!r} is {self.status}; only drafts can be published",
                current=self.status.value,
                target=ArticleStatus.PUBLISHED.value,
            )
        self.status = ArticleStatus.PUBLISHED

    def archive(self) -> None:
        if self.status is ArticleStatus.ARCHIVED:
            raise ArticleStatusConflict(
                f"article {self.id!r} is already archived",
                current=self.status.value,
                target=ArticleStatus.ARCHIVED.value,
            )
        self.archived_from = self.status
        self.status = ArticleStatus.ARCHIVED

    def restore(self) -> None:
        if self.status is not ArticleStatus.ARCHIVED:
            raise ArticleStatusConflict(
                f"article {self.id!r} is {self.status}, not archived; nothing to restore",
                current=self.status.value,
                target="restored",
            )
        self.status = self.archived_from or ArticleStatus.DRAFT
        self.archived_from = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the same contract on every index and database.

    ``score``: higher is better; comparable within one result list only. ``snippet``: a short
    extract of the body with matched words marked as ``**word**`` (Markdown bold).
    """

    article_id: str
    title: str
    score: float
    snippet: str = ""
