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

from kpo.domain.access import Actor
from kpo.domain.errors import ValidationError
from kpo.knowledge.evaluation import Evaluation, evaluate_rankings
from kpo.knowledge.text import parse_query
from kpo.knowledge.vectors import Embedder
from kpo.services.knowledge import archive_article
from kpo.services.knowledge_io import import_articles
from kpo.services.ports import UnitOfWork
from kpo.services.suggestions import Mode, index_embeddings, load_base, suggest_many

__all__ = [
    "FULLTEXT",
    "HALVES",
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


HALVES = ("even", "odd")
"""``half="even"`` keeps the 1st, 3rd, … article of ``articles.jsonl``; ``"odd"`` the others."""


@dataclass(frozen=True, slots=True)
class DatasetEvaluation:
    """``articles``: those searched (after ``half`` held the others out).
    ``off_topic_suggestion_rate``: share of the ``off_topic`` queries (none of them about the
    base) that got a suggestion; ``None`` when none were given."""

    dataset: str
    mode: str
    articles: int
    threshold: float | None
    evaluation: Evaluation
    half: str | None = None
    off_topic_queries: int = 0
    off_topic_suggestion_rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "mode": self.mode,
            "half": self.half,
            "articles": self.articles,
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            **self.evaluation.as_dict(),
            "off_topic_queries": self.off_topic_queries,
            "off_topic_suggestion_rate": (
                None
                if self.off_topic_suggestion_rate is None
                else round(self.off_topic_suggestion_rate, 4)
            ),
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
    half: str | None = None,
    off_topic: Path | None = None,
) -> DatasetEvaluation:
    """Import the dataset's articles into the database behind ``uow_factory`` (which should be
    empty) and measure ranking quality of ``mode`` (a :class:`Mode` or :data:`FULLTEXT`).

    ``half`` (one of :data:`HALVES`) keeps every other article only: the rest are archived
    after the import, and their queries become unanswerable — a knowledge base that lacks
    answers on its own subjects, to measure the threshold's false-suggestion rate.
    ``off_topic`` (a ``{"id","text"}`` JSONL file, e.g. another dataset's ``queries.jsonl``)
    adds queries about other subjects altogether; they are answered like the others but
    measured apart (the share with a suggestion), never mixed into the dataset's measures.
    """
    if mode != FULLTEXT:
        mode = Mode(mode)
    if half is not None and half not in HALVES:
        raise ValidationError(f"half must be one of {', '.join(HALVES)}", field="half")
    queries = read_queries(directory / "queries.jsonl")
    qrels = read_qrels(directory / "qrels.tsv")
    if off_topic is not None and mode == FULLTEXT:
        raise ValidationError(
            "off-topic queries measure the threshold, which fulltext mode does not have",
            field="off_topic",
        )
    extra = read_queries(off_topic) if off_topic is not None else []

    def report(name: str) -> Callable[[int, int], None] | None:
        if stage is None:
            return None
        return lambda done, total: stage(name, done, total)

    imported = import_articles(
        uow_factory(), _CLIENT, directory / "articles.jsonl", at=at, progress=report("import")
    )
    held = _held_out(directory / "articles.jsonl", half) if half is not None else set()
    for article_id in sorted(held):
        archive_article(uow_factory(), Actor.operator(), _CLIENT, article_id)
    qrels = {query: relevant - held for query, relevant in qrels.items()}
    searched = imported.added - len(held)
    if mode == FULLTEXT:
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
            directory.name, FULLTEXT, searched, None, evaluate_rankings(rankings, qrels), half
        )
    assert isinstance(mode, Mode)
    if mode.weights.uses_vectors and embedder is not None:
        index_embeddings(uow_factory, _CLIENT, embedder, progress=report("embeddings"))
    base = load_base(uow_factory(), _CLIENT, mode=mode, embedder=embedder)
    results = suggest_many(base, [q.text for q in queries], limit=10)
    off_topic_rate = None
    if extra:
        answered = suggest_many(base, [q.text for q in extra], limit=10)
        off_topic_rate = sum(1 for s in answered if s.suggested) / len(extra)
    rankings = {
        q.id: [r.article_id for r in s.ranked] for q, s in zip(queries, results, strict=True)
    }
    suggested = {
        q.id: [r.article_id for r in s.suggested] for q, s in zip(queries, results, strict=True)
    }
    return DatasetEvaluation(
        directory.name,
        mode.value,
        searched,
        base.threshold,
        evaluate_rankings(rankings, qrels, suggestions=suggested),
        half,
        len(extra),
        off_topic_rate,
    )


def _held_out(path: Path, half: str) -> set[str]:
    """Ids of the articles that ``half`` leaves out (file order; the file imported fine)."""
    ids = [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    kept = HALVES.index(half)
    return {article_id for position, article_id in enumerate(ids) if position % 2 != kept}
