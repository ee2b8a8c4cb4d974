"""The "no good match" threshold of one knowledge base, calibrated from its own content.

A fixed score cut does not carry over between knowledge bases: a base of short intent
phrasings scores queries higher than one of long answers. So each base is asked how its own
questions score. Lines of its articles (titles and sentences) serve as pseudo-queries, each
scored twice:

- *answerable*: against the base with that line left out of its own article (as if the article
  had been written without it) — the best score is what a question the base answers gets;
- *unanswerable*: against the base without its own article at all — the best score is what a
  question on the same subjects that the base does not answer gets.

The threshold is the cut that best separates the two (most answerable kept plus most
unanswerable rejected), but never above the ``quantile`` of the answerable scores, so that at
least ``1 - quantile`` of answerable pseudo-queries clear it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kpo.knowledge.ranking import KnowledgeIndex, Vector, Weights, blend
from kpo.knowledge.vectors import Matrix, normalize_rows

__all__ = ["DEFAULT_QUANTILE", "Calibration", "PseudoQuery", "calibrate", "pseudo_queries"]

DEFAULT_QUANTILE = 0.08
MAX_PSEUDO_QUERIES = 400


@dataclass(frozen=True, slots=True)
class PseudoQuery:
    """Line ``line`` (index within the article's lines) of article number ``article``."""

    article: int
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """``scores``: best score of each pseudo-query with its article (line left out);
    ``unanswerable``: its best score with its whole article left out."""

    threshold: float
    samples: int
    quantile: float
    scores: tuple[float, ...] = ()
    unanswerable: tuple[float, ...] = ()


def pseudo_queries(index: KnowledgeIndex, *, limit: int = MAX_PSEUDO_QUERIES) -> list[PseudoQuery]:
    """Up to ``limit`` lines, spread over the articles that have at least two lines; fixed
    seed, so a base always calibrates the same way."""
    rng = random.Random(20261127)
    eligible = [i for i, lines in enumerate(index.lines) if len(lines) >= 2]
    rng.shuffle(eligible)
    picks: list[PseudoQuery] = []
    rounds = 0
    while eligible and len(picks) < limit and rounds < 3:
        for article in eligible:
            if len(picks) >= limit:
                break
            lines = index.lines[article]
            line = rng.randrange(len(lines))
            if len(lines[line].split()) >= 2:
                picks.append(PseudoQuery(article, line, lines[line]))
        rounds += 1
    return picks


def _left_out_score(
    index: KnowledgeIndex,
    query: PseudoQuery,
    signals: dict[str, np.ndarray],
    weights: Weights,
    query_vector: Vector | None,
) -> float:
    """The blended score of the query's own article without the query's line."""
    start = int(index.line_start[query.article])
    count = len(index.lines[query.article])
    own = start + query.line
    others = [p for p in range(start, start + count) if p != own]
    term_ids = index.article_terms(index.query_terms(query.text))
    counts: Counter[int] = Counter()
    for position in others:
        counts.update(t for t in index.line_tokens[position] if t not in index.pairs)
    lexical = index.article_bm25.score_text(term_ids, counts, sum(counts.values()))
    lexical_line = float(signals["line_lexical"][others].max())
    dense_line = dense_article = 0.0
    if query_vector is not None and "line_dense" in signals and index.line_vectors is not None:
        dense_line = float(signals["line_dense"][others].max())
        rest: Matrix = normalize_rows(index.line_vectors[others].sum(axis=0, keepdims=True))
        dense_article = float(rest[0] @ query_vector)
    return (
        weights.lexical * lexical
        + weights.lexical_line * lexical_line
        + weights.dense_line * dense_line
        + weights.dense_article * dense_article
    )


def calibrate(
    index: KnowledgeIndex,
    queries: Sequence[PseudoQuery],
    *,
    weights: Weights,
    query_vectors: Matrix | None = None,
    quantile: float = DEFAULT_QUANTILE,
) -> Calibration:
    """The threshold for ``index``: the ``quantile`` of its pseudo-queries' best scores.

    ``query_vectors`` holds the embedding of each pseudo-query (rows in ``queries`` order)
    when ``weights`` use embeddings. With no pseudo-query (a base of one-line articles), the
    threshold is 0: everything with any match is suggested.
    """
    best_scores: list[float] = []
    others_best: list[float] = []
    for position, query in enumerate(queries):
        vector = query_vectors[position] if query_vectors is not None else None
        use_vector = vector if weights.uses_vectors else None
        signals = index.signals(query.text, use_vector, include=[query.article])
        blended = blend(signals, weights)
        own = _left_out_score(index, query, signals, weights, use_vector)
        blended[query.article] = -np.inf
        rest = float(blended.max()) if len(blended) > 1 else 0.0
        best_scores.append(max(own, rest))
        others_best.append(rest)
    if not best_scores:
        return Calibration(0.0, 0, quantile)
    threshold = _separating_cut(np.asarray(best_scores), np.asarray(others_best), quantile)
    return Calibration(
        threshold, len(best_scores), quantile, tuple(best_scores), tuple(others_best)
    )


def _separating_cut(answerable: np.ndarray, unanswerable: np.ndarray, quantile: float) -> float:
    """The cut maximising kept answerable + rejected unanswerable shares, at most the
    ``quantile`` of the answerable scores."""
    ceiling = float(np.quantile(answerable, quantile))
    candidates = np.unique(np.concatenate([answerable, unanswerable, [ceiling]]))
    candidates = candidates[candidates <= ceiling]
    answered = np.sort(answerable)
    other = np.sort(unanswerable)
    kept = 1 - np.searchsorted(answered, candidates, side="left") / len(answered)
    rejected = np.searchsorted(other, candidates, side="left") / len(other)
    return float(candidates[int(np.argmax(kept + rejected))])
