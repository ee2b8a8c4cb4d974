"""Importing and exporting a client's knowledge base as JSON Lines.

One article per line::

    {"id": "card-arrival", "title": "…", "body": "Markdown …", "tags": ["cards"]}

Optional fields: ``service_lines`` (list of ids), ``status`` (draft | published | archived;
default published) and ``versions`` (the history, as ``kpo kb export`` writes it: a list of
``{"number", "title", "body", "tags", "service_lines", "author", "at"}``, oldest first; the last
must equal the top-level content). A file with any bad line imports nothing; every problem is
named by line number and field. Ids are kept as given. Importing an id that exists adds a
version when the content differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kpo.domain.clients import Client
from kpo.domain.errors import NotFound, ValidationError
from kpo.domain.knowledge import (
    Article,
    ArticleStatus,
    ArticleVersion,
    parse_article_id,
    parse_tags,
)
from kpo.services.formats import parse_instant
from kpo.services.ports import UnitOfWork
from kpo.services.tabular import ImportFailed, RowError

__all__ = [
    "ArticleRecord",
    "ImportResult",
    "LineError",
    "UnknownClient",
    "article_to_record",
    "export_articles",
    "find_client",
    "import_articles",
    "read_articles",
    "require_client",
]

Progress = Callable[[int, int], None]
_FIELDS = {"id", "title", "body", "tags", "service_lines", "status", "versions"}
_VERSION_FIELDS = {"number", "title", "body", "tags", "service_lines", "author", "at"}
IMPORT_AUTHOR = "import"


@dataclass(frozen=True, slots=True)
class LineError(RowError):
    """A problem on one line of a JSON Lines file (lines count from 1)."""

    def __str__(self) -> str:
        where = f"line {self.row}" + (f", field {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    line: int
    id: str
    title: str
    body: str
    tags: tuple[str, ...]
    service_lines: tuple[str, ...]
    status: ArticleStatus
    versions: tuple[ArticleVersion, ...]


@dataclass(frozen=True, slots=True)
class ImportResult:
    client: Client
    client_created: bool
    added: int
    updated: int
    unchanged: int


def find_client(uow: UnitOfWork, name: str) -> Client | None:
    """The client whose name or id is ``name`` (names compare case-insensitively)."""
    found = uow.clients.get(name)
    if found is not None:
        return found
    wanted = name.strip().casefold()
    return next((c for c in uow.clients.all() if c.name.casefold() == wanted), None)


class UnknownClient(NotFound):
    """No client has that name or id — or the caller may not see it (never told apart)."""

    def __init__(self, name: str) -> None:
        super().__init__("client", name)
        self.message = f"client {name!r} does not exist: give a client's name or id"
        self.args = (self.message,)


def require_client(uow: UnitOfWork, name: str) -> Client:
    found = find_client(uow, name)
    if found is None:
        raise UnknownClient(name)
    return found


def _client_id_for(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:56] or "client"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _text(
    raw: dict[str, Any], name: str, errors: list[LineError], line: int, *, required: bool
) -> str:
    value = raw.get(name, "")
    if not isinstance(value, str):
        errors.append(LineError(line, name, f"must be a string, not {type(value).__name__}"))
        return ""
    if required and not value.strip():
        errors.append(LineError(line, name, "is empty; a value is required"))
    return value


def _strings(raw: dict[str, Any], name: str, errors: list[LineError], line: int) -> tuple[str, ...]:
    try:
        return parse_tags(raw.get(name, []), field=name)
    except ValidationError as error:
        errors.append(LineError(line, name, error.message))
        return ()


def _versions(value: object, line: int, errors: list[LineError]) -> tuple[ArticleVersion, ...]:
    if not isinstance(value, list) or not value:
        errors.append(LineError(line, "versions", "must be a non-empty list of versions"))
        return ()
    versions: list[ArticleVersion] = []
    for position, raw in enumerate(value, start=1):
        where = f"versions[{position - 1}]"
        if not isinstance(raw, dict):
            errors.append(LineError(line, where, "must be an object"))
            continue
        unknown = sorted(set(raw) - _VERSION_FIELDS)
        if unknown:
            errors.append(LineError(line, where, f"unknown field(s) {', '.join(unknown)}"))
            continue
        before = len(errors)
        title = _text(raw, "title", errors, line, required=True)
        body = _text(raw, "body", errors, line, required=False)
        author = _text(raw, "author", errors, line, required=True)
        tags = _strings(raw, "tags", errors, line)
        lines = _strings(raw, "service_lines", errors, line)
        if raw.get("number", position) != position:
            errors.append(LineError(line, where, f"number must be {position} (oldest first)"))
        try:
            at = parse_instant(str(raw.get("at", ""))).astimezone(UTC)
        except ValidationError as error:
            errors.append(LineError(line, f"{where}.at", error.message))
            continue
        if len(errors) > before:
            continue
        try:
            versions.append(ArticleVersion(position, title.strip(), body, tags, lines, author, at))
        except ValidationError as error:
            errors.append(
                LineError(line, f"{where}.{error.field or ''}".rstrip("."), error.message)
            )
    return tuple(versions)


def _record(raw: object, line: int, errors: list[LineError], at: datetime) -> ArticleRecord | None:
    if not isinstance(raw, dict):
        errors.append(LineError(line, None, 'expected a JSON object such as {"id": …, "title": …}'))
        return None
    before = len(errors)
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        errors.append(
            LineError(line, unknown[0], f"unknown field; expected {', '.join(sorted(_FIELDS))}")
        )
    article_id = raw.get("id")
    try:
        article_id = parse_article_id(
            article_id if isinstance(article_id, str) else repr(article_id)
        )
    except ValidationError as error:
        errors.append(LineError(line, "id", error.message))
    title = _text(raw, "title", errors, line, required=True)
    body = _text(raw, "body", errors, line, required=False)
    tags = _strings(raw, "tags", errors, line)
    lines = _strings(raw, "service_lines", errors, line)
    status = ArticleStatus.PUBLISHED
    if "status" in raw:
        try:
            status = ArticleStatus(raw["status"])
        except ValueError:
            errors.append(LineError(line, "status", "must be draft, published or archived"))
    versions: tuple[ArticleVersion, ...] = ()
    if "versions" in raw:
        versions = _versions(raw["versions"], line, errors)
        if versions and (versions[-1].title, versions[-1].body) != (title.strip(), body):
            errors.append(
                LineError(
                    line, "versions", "the last version must have the article's title and body"
                )
            )
    if len(errors) > before:
        return None
    if not versions:
        try:
            versions = (ArticleVersion(1, title.strip(), body, tags, lines, IMPORT_AUTHOR, at),)
        except ValidationError as error:
            errors.append(LineError(line, error.field, error.message))
            return None
    return ArticleRecord(line, str(article_id), title.strip(), body, tags, lines, status, versions)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except FileNotFoundError:
        raise ValidationError(f"file {str(path)!r} does not exist", field="file") from None
    except UnicodeDecodeError as error:
        raise ValidationError(f"{path}: not UTF-8 text ({error.reason})", field="file") from None


def read_articles(path: Path, *, at: datetime) -> list[ArticleRecord]:
    """Every article of a JSONL file, or :class:`ImportFailed` listing every bad line."""
    errors: list[LineError] = []
    records: list[ArticleRecord] = []
    seen: dict[str, int] = {}
    for number, text in _lines(path):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            errors.append(
                LineError(number, None, f"not valid JSON: {error.msg} at column {error.colno}")
            )
            continue
        record = _record(raw, number, errors, at)
        if record is None:
            continue
        if record.id in seen:
            errors.append(
                LineError(number, "id", f"id {record.id!r} repeats line {seen[record.id]}")
            )
            continue
        seen[record.id] = number
        records.append(record)
    if errors:
        raise ImportFailed(str(path), errors)
    return records


def import_articles(
    uow: UnitOfWork,
    client_name: str,
    path: Path,
    *,
    at: datetime,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every article of ``path`` for the client named ``client_name``, or none.

    The client is created when missing (time zone UTC, currency USD: change them with
    ``kpo import clients``); :attr:`ImportResult.client_created` says so.
    """
    records = read_articles(path, at=at)
    with uow:
        client = find_client(uow, client_name)
        created = client is None
        if client is None:
            taken = {c.id for c in uow.clients.all()}
            client = Client(_client_id_for(client_name, taken), client_name.strip(), "UTC", "USD")
            uow.clients.add(client)
        existing = {a.id: a for a in uow.articles.get_many(client.id, [r.id for r in records])}
        new: list[Article] = []
        changed: list[Article] = []
        unchanged = 0
        for done, record in enumerate(records, start=1):
            found = existing.get(record.id)
            if found is None:
                new.append(Article(client.id, record.id, record.status, list(record.versions)))
            elif _revise(found, record, at):
                changed.append(found)
            else:
                unchanged += 1
            if progress is not None and (done % 1000 == 0 or done == len(records)):
                progress(done, len(records))
        uow.articles.add_many(new)
        for article in changed:
            uow.articles.save(article)
        uow.article_index.put(new + changed)
        uow.commit()
    return ImportResult(client, created, len(new), len(changed), unchanged)


def _revise(article: Article, record: ArticleRecord, at: datetime) -> bool:
    content = (record.title, record.body, record.tags, record.service_lines)
    now = article.current
    touched = False
    if (now.title, now.body, now.tags, now.service_lines) != content:
        if article.status is ArticleStatus.ARCHIVED:
            article.restore()
        article.revise(
            author=IMPORT_AUTHOR,
            at=max(at, now.at),
            title=record.title,
            body=record.body,
            tags=record.tags,
            service_lines=record.service_lines,
        )
        touched = True
    if article.status is not record.status:
        article.status = record.status
        article.archived_from = None
        touched = True
    return touched


def article_to_record(article: Article) -> dict[str, Any]:
    """The JSON object of one article, as ``kpo kb export`` writes it and import reads it."""
    return {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "tags": list(article.tags),
        "service_lines": list(article.service_lines),
        "status": article.status.value,
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "body": v.body,
                "tags": list(v.tags),
                "service_lines": list(v.service_lines),
                "author": v.author,
                "at": v.at.isoformat().replace("+00:00", "Z"),
            }
            for v in article.versions
        ],
    }


def export_articles(uow: UnitOfWork, client_name: str) -> list[dict[str, Any]]:
    """Every article of the client (all statuses, full history), ordered by id."""
    with uow:
        client = require_client(uow, client_name)
        return [article_to_record(a) for a in uow.articles.all(client.id)]
