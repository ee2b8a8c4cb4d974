"""Suggested articles for work items, and the semantic index behind them.

A :class:`LoadedBase` is one client's published articles held in memory by the ranking engine
(:class:`kpo.knowledge.ranking.KnowledgeIndex`) with its calibrated threshold; a process loads
it once and answers many suggestions from it. Embeddings are computed by
:func:`index_embeddings` in batches, each committed on its own, so a long semantic indexing run
never holds a lock that would block lexical search and can run beside it (``kpo kb index``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from kpo.domain.errors import KpoError, NotFound, ValidationError
from kpo.domain.knowledge import Article, ArticleStatus
from kpo.knowledge.calibration import DEFAULT_REJECTED, Calibration, calibrate, pseudo_queries
from kpo.knowledge.ranking import (
    DEFAULT_WEIGHTS,
    LEXICAL_WEIGHTS,
    SEMANTIC_WEIGHTS,
    IndexedArticle,
    KnowledgeIndex,
    RankedArticle,
    Weights,
)
from kpo.knowledge.text import article_lines
from kpo.knowledge.vectors import Embedder, LineVectors
from kpo.services.knowledge_io import require_client
from kpo.services.ports import UnitOfWork

__all__ = [
    "IndexingJob",
    "LoadedBase",
    "Mode",
    "SemanticUnavailable",
    "Suggestions",
    "index_embeddings",
    "load_base",
    "start_indexing",
    "suggest",
    "suggest_for_item",
    "suggest_many",
]

Progress = Callable[[int, int], None]
SUGGESTIONS = 5
LEXICAL_REJECTED = 0.5


class Mode(StrEnum):
    LEXICAL = "lexical"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"

    @property
    def weights(self) -> Weights:
        return {
            Mode.LEXICAL: LEXICAL_WEIGHTS,
            Mode.SEMANTIC: SEMANTIC_WEIGHTS,
            Mode.HYBRID: DEFAULT_WEIGHTS,
        }[self]

    @property
    def rejected(self) -> float:
        """The share of the base's unanswerable pseudo-questions the threshold rejects.
        Words alone separate answerable from unanswerable questions less well, so lexical
        ranking rejects fewer, to keep losing at most a tenth of the answerable ones
        (docs/knowledge-base.md)."""
        return LEXICAL_REJECTED if self is Mode.LEXICAL else DEFAULT_REJECTED


class SemanticUnavailable(KpoError):
    def __init__(self, mode: Mode) -> None:
        super().__init__(
            f"{mode} ranking needs the embedding model: install openkpo[semantic] "
            "(or use --mode lexical)"
        )


@dataclass(frozen=True)
class LoadedBase:
    client_id: str
    mode: Mode
    index: KnowledgeIndex
    calibration: Calibration
    embedder: Embedder | None

    @property
    def threshold(self) -> float:
        return self.calibration.threshold


@dataclass(frozen=True, slots=True)
class Suggestions:
    """``ranked``: the best articles regardless of the threshold; ``suggested``: those whose
    confidence (score plus lead over the best other article) is at or above it — empty when
    the base has no good match. An article that scores 0 (nothing in common with the text)
    is never suggested, whatever the threshold."""

    threshold: float
    ranked: list[RankedArticle]

    @property
    def suggested(self) -> list[RankedArticle]:
        return [r for r in self.ranked if r.confidence >= self.threshold and r.score > 0]


def _lines_of(article: Article) -> list[str]:
    return article_lines(article.title, article.body) or [""]


def index_embeddings(
    uow_factory: Callable[[], UnitOfWork],
    client: str,
    embedder: Embedder,
    *,
    batch_articles: int = 64,
    progress: Progress | None = None,
) -> int:
    """Embed the lines of every published article whose stored embeddings are missing or stale.

    Returns the number of articles embedded. Each batch is its own transaction.
    """
    with uow_factory() as uow:
        client_id = require_client(uow, client).id
        articles = uow.articles.all(client_id, status=ArticleStatus.PUBLISHED)
        stored = uow.embeddings.versions(client_id, embedder.name)
    todo = [a for a in articles if stored.get(a.id) != a.current.number]
    if progress is not None:
        progress(0, len(todo))
    for start in range(0, len(todo), batch_articles):
        chunk = todo[start : start + batch_articles]
        lines = [_lines_of(a) for a in chunk]
        vectors = embedder.embed([line for group in lines for line in group])
        result: list[LineVectors] = []
        offset = 0
        for article, group in zip(chunk, lines, strict=True):
            result.append(
                LineVectors(
                    article.id, article.current.number, vectors[offset : offset + len(group)]
                )
            )
            offset += len(group)
        with uow_factory() as uow:
            uow.embeddings.put(client_id, embedder.name, result)
            uow.commit()
        if progress is not None:
            progress(start + len(chunk), len(todo))
    return len(todo)


@dataclass
class IndexingJob:
    """Semantic indexing running in a background thread; read :attr:`done` and :attr:`total`
    for progress. Lexical search is never blocked by it (each batch commits on its own)."""

    thread: threading.Thread | None = None
    done: int = 0
    total: int = 0
    embedded: int | None = None
    error: BaseException | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.thread is not None and not self.thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        assert self.thread is not None
        self.thread.join(timeout)
        if self.error is not None:
            raise self.error

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self.done, self.total = done, total


def start_indexing(
    uow_factory: Callable[[], UnitOfWork], client: str, embedder: Embedder
) -> IndexingJob:
    """Start :func:`index_embeddings` in a daemon thread and return its job."""
    job = IndexingJob()

    def run() -> None:
        try:
            job.embedded = index_embeddings(uow_factory, client, embedder, progress=job._progress)
        except BaseException as error:  # reported by join(), never lost in the thread
            job.error = error

    job.thread = threading.Thread(target=run, name=f"kb-indexing-{client}", daemon=True)
    job.thread.start()
    return job


def load_base(
    uow: UnitOfWork,
    client: str,
    *,
    mode: Mode,
    embedder: Embedder | None,
) -> LoadedBase:
    """Load the client's published articles (and embeddings) and calibrate the threshold."""
    weights = mode.weights
    if weights.uses_vectors and embedder is None:
        raise SemanticUnavailable(mode)
    with uow:
        client_id = require_client(uow, client).id
        articles = uow.articles.all(client_id, status=ArticleStatus.PUBLISHED)
        stored: list[LineVectors] = []
        if weights.uses_vectors and embedder is not None:
            stored = uow.embeddings.load(client_id, embedder.name, dimension=embedder.dimension)
    index = KnowledgeIndex(
        [IndexedArticle(a.id, a.title, a.body) for a in articles],
        vectors={v.article_id: v.vectors for v in stored} or None,
    )
    pseudo = pseudo_queries(index)
    query_vectors = None
    if weights.uses_vectors and index.line_vectors is not None and pseudo:
        rows = [int(index.line_start[p.article]) + p.line for p in pseudo]
        query_vectors = index.line_vectors[rows]
    calibration = calibrate(
        index, pseudo, weights=weights, query_vectors=query_vectors, rejected=mode.rejected
    )
    return LoadedBase(
        client_id, mode, index, calibration, embedder if weights.uses_vectors else None
    )


def suggest(base: LoadedBase, text: str, *, limit: int = SUGGESTIONS) -> Suggestions:
    """The best ``limit`` articles for a work item's text (subject and description)."""
    if limit < 1:
        raise ValidationError("limit must be at least 1", field="limit")
    vector = None
    if base.embedder is not None:
        vector = base.embedder.embed([text])[0]
    ranked = base.index.rank(text, weights=base.mode.weights, query_vector=vector, limit=limit)
    return Suggestions(base.threshold, ranked)


def suggest_for_item(
    uow: UnitOfWork, base: LoadedBase, item_id: str, *, limit: int = SUGGESTIONS
) -> Suggestions:
    """Suggestions for a stored work item from its subject and description; the item must
    belong to a service line of the base's client."""
    with uow:
        item = uow.work_items.get(item_id)
        line = uow.service_lines.get(item.service_line_id) if item is not None else None
    if item is None or line is None or line.client_id != base.client_id:
        raise NotFound("work item", item_id)
    return suggest(base, f"{item.subject}\n{item.description}".strip(), limit=limit)


def suggest_many(
    base: LoadedBase, texts: Sequence[str], *, limit: int = SUGGESTIONS, batch: int = 64
) -> list[Suggestions]:
    """:func:`suggest` for many texts, embedding them in batches."""
    results: list[Suggestions] = []
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        vectors = (
            base.embedder.embed(list(chunk))
            if base.embedder is not None
            else np.zeros((len(chunk), 0), dtype=np.float32)
        )
        for position, text in enumerate(chunk):
            vector = vectors[position] if base.embedder is not None else None
            ranked = base.index.rank(
                text, weights=base.mode.weights, query_vector=vector, limit=limit
            )
            results.append(Suggestions(base.threshold, ranked))
    return results
