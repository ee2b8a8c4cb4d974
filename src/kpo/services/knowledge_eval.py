"""Evaluating suggestions on a judged dataset: ``articles.jsonl``, ``queries.jsonl``, ``qrels.tsv``.

The articles are imported into the (scratch) database given, exactly as ``kpo kb import`` does,
and every query is answered as ``kpo kb suggest-batch`` would: measures come from the same code
path users get.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kpo.domain.errors import ValidationError
from kpo.knowledge.evaluation import Evaluation, evaluate_rankings
from kpo.knowledge.text import parse_query
from kpo.knowledge.vectors import Embedder
from kpo.services.knowledge_io import import_articles
from kpo.services.ports import UnitOfWork
from kpo.services.suggestions import Mode, index_embeddings, load_base, suggest_many

__all__ = [
    "FULLTEXT",
    "DatasetEvaluation",
    "Query",
    "evaluate_dataset",
    "read_qrels",
    "read_queries",
]

FULLTEXT = "fulltext"
"""Evaluation mode that scores the full-text index (``kpo kb search``) instead of suggestions."""

Stage = Callable[[str, int, int], None]
_CLIENT = "evaluation"


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class DatasetEvaluation:
    dataset: str
    mode: str
    articles: int
    threshold: float | None
    evaluation: Evaluation

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "mode": self.mode,
            "articles": self.articles,
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            **self.evaluation.as_dict(),
        }


def read_queries(path: Path) -> list[Query]:
    """``{"id", "text"}`` per line; problems named by line number."""
    queries: list[Query] = []
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"file {str(path)!r} does not exist", field="file") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValidationError(
                    f"{path}: line {number}: not valid JSON ({error.msg})"
                ) from None
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                raise ValidationError(f'{path}: line {number}: expected {{"id": …, "text": …}}')
            if not isinstance(raw.get("text"), str):
                raise ValidationError(f"{path}: line {number}, field 'text': must be a string")
            queries.append(Query(raw["id"], raw["text"]))
    return queries


def read_qrels(path: Path) -> dict[str, set[str]]:
    """``query_id<TAB>article_id<TAB>relevance`` with a header; relevance > 0 counts."""
    qrels: dict[str, set[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ValidationError(f"file {str(path)!r} does not exist", field="file") from None
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValidationError(f"{path}: line {number}: expected 3 tab-separated columns")
        try:
            relevance = float(parts[2])
        except ValueError:
            raise ValidationError(
                f"{path}: line {number}: relevance {parts[2]!r} is not a number"
            ) from None
        if relevance > 0:
            qrels.setdefault(parts[0], set()).add(parts[1])
    return qrels


def evaluate_dataset(
    uow_factory: Callable[[], UnitOfWork],
    directory: Path,
    *,
    mode: str,
    embedder: Embedder | None,
    at: datetime,
    stage: Stage | None = None,
) -> DatasetEvaluation:
    """Import the dataset's articles into the database behind ``uow_factory`` (which should be
    empty) and measure ranking quality of ``mode`` (a :class:`Mode` or :data:`FULLTEXT`)."""
    if mode != FULLTEXT:
        mode = Mode(mode)
    queries = read_queries(directory / "queries.jsonl")
    qrels = read_qrels(directory / "qrels.tsv")

    def report(name: str) -> Callable[[int, int], None] | None:
        if stage is None:
            return None
        return lambda done, total: stage(name, done, total)

    imported = import_articles(
        uow_factory(), _CLIENT, directory / "articles.jsonl", at=at, progress=report("import")
    )
    if mode == FULLTEXT:
        from kpo.domain.access import Actor
        from kpo.services.knowledge import search_articles

        rankings = {}
        for done, query in enumerate(queries, start=1):
            hits = (
                search_articles(uow_factory(), Actor.operator(), _CLIENT, query.text, limit=10)
                if not parse_query(query.text).is_empty
                else []
            )
            rankings[query.id] = [h.article_id for h in hits]
            if stage is not None and done % 100 == 0:
                stage("queries", done, len(queries))
        return DatasetEvaluation(
            directory.name, FULLTEXT, imported.added, None, evaluate_rankings(rankings, qrels)
        )
    assert isinstance(mode, Mode)
    if mode.weights.uses_vectors and embedder is not None:
        index_embeddings(uow_factory, _CLIENT, embedder, progress=report("embeddings"))
    base = load_base(uow_factory(), _CLIENT, mode=mode, embedder=embedder)
    results = suggest_many(base, [q.text for q in queries], limit=10)
    rankings = {
        q.id: [r.article_id for r in s.ranked] for q, s in zip(queries, results, strict=True)
    }
    suggested = {
        q.id: [r.article_id for r in s.suggested] for q, s in zip(queries, results, strict=True)
    }
    return DatasetEvaluation(
        directory.name,
        mode.value,
        imported.added,
        base.threshold,
        evaluate_rankings(rankings, qrels, suggestions=suggested),
    )
