"""The "no good match" threshold of one knowledge base, calibrated from its own content.

A fixed score cut does not carry over between knowledge bases: a base of short intent
phrasings scores queries higher than one of long answers. So each base is asked how its own
*questions* score. What arrives as a work item is a question or a problem, so the pseudo-queries
are the lines of the base's articles that read as questions (a title "How do I delete my
account?", an example utterance "Where is my card?"; an article with none lends its title).
Answer sentences would not do: they score far lower than real questions against the rest of
the base, and a cut taken from them sits too low. Each pseudo-query is scored twice:

- *answerable*: against the base with that line left out of its own article (as if the article
  had been written without it) — the best score is what a question the base answers gets;
- *unanswerable*: against the base without its own article at all — the best score is what a
  question on the same subjects that the base does not answer gets.

Both are scored as *confidences* (:func:`~kpo.knowledge.ranking.confidence`: the best score
plus its lead over the runner-up), what suggestions are held to. The threshold rejects the
share ``rejected`` (two thirds) of the unanswerable pseudo-queries — "most questions the base
cannot answer get no suggestion" — but never rises above the ``kept_floor`` quantile (25 %) of
the answerable ones, a guard for bases whose articles all look alike. On the evaluation
datasets (halves and whole bases) this lost at most 8.7 % of real answerable questions while
rejecting 53–77 % of same-subject unanswerable ones (docs/knowledge-base.md).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kpo.knowledge.ranking import KnowledgeIndex, Vector, Weights, blend, leading_confidence
from kpo.knowledge.text import looks_like_question
from kpo.knowledge.vectors import Matrix, normalize_rows

__all__ = [
    "DEFAULT_KEPT_FLOOR",
    "DEFAULT_REJECTED",
    "Calibration",
    "PseudoQuery",
    "calibrate",
    "pseudo_queries",
]

DEFAULT_REJECTED = 2 / 3
DEFAULT_KEPT_FLOOR = 0.25
MAX_PSEUDO_QUERIES = 400
_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class PseudoQuery:
    """Line ``line`` (index within the article's lines) of article number ``article``."""

    article: int
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """``scores``: the confidence (:func:`~kpo.knowledge.ranking.confidence`) of each
    pseudo-query's best match with its article there (line left out); ``unanswerable``: the
    same with its whole article left out. The threshold applies to confidences."""

    threshold: float
    samples: int
    rejected: float = DEFAULT_REJECTED
    kept_floor: float = DEFAULT_KEPT_FLOOR
    scores: tuple[float, ...] = ()
    unanswerable: tuple[float, ...] = ()


def _question_lines(lines: Sequence[str]) -> list[int]:
    """The lines of one article that can serve as pseudo-queries: those that read as
    questions, else its title; none when the article has a single line (nothing would be
    left of it) or only one-word candidates."""
    if len(lines) < 2:
        return []
    found = [i for i, line in enumerate(lines) if _usable(line) and looks_like_question(line)]
    return found or ([0] if _usable(lines[0]) else [])


def _usable(line: str) -> bool:
    return len(line.split()) >= 2


def pseudo_queries(index: KnowledgeIndex, *, limit: int = MAX_PSEUDO_QUERIES) -> list[PseudoQuery]:
    """Up to ``limit`` question lines, spread over the articles (one per article per round,
    up to ten rounds); fixed seed, so a base always calibrates the same way. Articles are
    visited in a shuffled order and only until ``limit`` of them have a question, so that a
    large base is not read whole."""
    rng = random.Random(20261127)
    order = list(range(len(index.lines)))
    rng.shuffle(order)
    eligible: list[tuple[int, list[int]]] = []
    for article in order:
        found = _question_lines(index.lines[article])
        if found:
            eligible.append((article, found))
            if len(eligible) >= limit:
                break
    picks: list[PseudoQuery] = []
    for _ in range(_ROUNDS):
        for article, found in eligible:
            if len(picks) >= limit:
                return picks
            line = found[rng.randrange(len(found))]
            picks.append(PseudoQuery(article, line, index.lines[article][line]))
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
    rejected: float = DEFAULT_REJECTED,
    kept_floor: float = DEFAULT_KEPT_FLOOR,
) -> Calibration:
    """The threshold for ``index``: the ``rejected`` quantile of its unanswerable
    pseudo-queries' best scores, at most the ``kept_floor`` quantile of the answerable ones.

    ``query_vectors`` holds the embedding of each pseudo-query (rows in ``queries`` order)
    when ``weights`` use embeddings. With no pseudo-query (a base of one-line articles), the
    threshold is 0: everything with any match is suggested.
    """
    for name, share in (("rejected", rejected), ("kept_floor", kept_floor)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {share}")
    best_scores: list[float] = []
    others_best: list[float] = []
    for position, query in enumerate(queries):
        vector = query_vectors[position] if query_vectors is not None else None
        use_vector = vector if weights.uses_vectors else None
        signals = index.signals(query.text, use_vector, include=[query.article])
        blended = blend(signals, weights)
        blended[query.article] = _left_out_score(index, query, signals, weights, use_vector)
        best_scores.append(leading_confidence(blended))
        blended[query.article] = -np.inf
        others_best.append(leading_confidence(blended))
    if not best_scores:
        return Calibration(0.0, 0, rejected, kept_floor)
    threshold = min(
        float(np.quantile(others_best, rejected)), float(np.quantile(best_scores, kept_floor))
    )
    return Calibration(
        threshold,
        len(best_scores),
        rejected,
        kept_floor,
        tuple(best_scores),
        tuple(others_best),
    )
