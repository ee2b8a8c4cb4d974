"""Ranking articles for a query: BM25, best-matching line, embeddings, and their blend.

An article is scored as a whole *and* by its best-matching line (title, or one sentence of the
body), lexically (BM25) and, when embeddings are given, semantically (cosine similarity).
The hybrid score is one weighted sum of these signals, each on a scale that does not depend on
the knowledge base:

- ``lexical``: BM25 of the article divided by the most a document can get for that query
  (``Σ idf · (k1 + 1)``), so 0…1 whatever the query length or collection;
- ``lexical_line``: the same for the best line;
- ``dense_line``: the best line's cosine similarity with the query;
- ``dense_article``: cosine with the article's centroid (mean of its line vectors).

The weights are one setting for every knowledge base (:data:`DEFAULT_WEIGHTS`, chosen on the
development data, see docs/knowledge-base.md). Pure computation: no I/O, no clock.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from kpo.knowledge.text import article_lines, terms
from kpo.knowledge.vectors import Matrix, normalize_rows

__all__ = [
    "DEFAULT_WEIGHTS",
    "LEXICAL_WEIGHTS",
    "SEMANTIC_WEIGHTS",
    "IndexedArticle",
    "KnowledgeIndex",
    "RankedArticle",
    "Weights",
    "blend",
    "confidence",
    "dot",
    "leading_confidence",
    "ranking_terms",
]

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts in the blended score."""

    lexical: float
    lexical_line: float
    dense_line: float
    dense_article: float

    @property
    def uses_vectors(self) -> bool:
        return self.dense_line > 0 or self.dense_article > 0


LEXICAL_WEIGHTS = Weights(lexical=0.3, lexical_line=0.7, dense_line=0.0, dense_article=0.0)
SEMANTIC_WEIGHTS = Weights(lexical=0.0, lexical_line=0.0, dense_line=0.7, dense_article=0.3)
DEFAULT_WEIGHTS = Weights(lexical=0.2, lexical_line=0.1, dense_line=0.55, dense_article=0.15)


_SKETCH_DIMENSION = 64
_SKETCH_POOL = 3
"""The sketch proposes ``_SKETCH_POOL × candidates`` articles; their exact centroid cosine
keeps the best ``candidates``."""


def dot(matrix: Matrix, vector: Vector) -> Vector:
    """``matrix @ vector`` on the calling thread.

    A matrix-vector product is bound by memory, not arithmetic; BLAS splits it over its
    thread pool, whose threads spin and wait for each other when other processes hold the
    cores (16 ms instead of 2 for a few thousand lines on a loaded two-core machine). numpy's
    own ``einsum`` loop runs it on this thread.
    """
    result: Vector = np.einsum("ij,j->i", matrix, vector)
    return result


def ranking_terms(text: str) -> list[str]:
    """Line-level BM25 terms: the stems of :func:`~kpo.knowledge.text.terms` and each pair
    of adjacent stems ("top_up", "exchange_rate"), so that in a short line word order and
    compounds count. (Whole articles are scored by single stems: in long texts pairs are
    mostly noise.)"""
    found = terms(text)
    return found + [f"{a}_{b}" for a, b in itertools.pairwise(found)]


def _is_pair(term: str) -> bool:
    return "_" in term


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    """What the engine needs of an article: its id and text (lines are derived)."""

    article_id: str
    title: str
    body: str = ""
    lines: tuple[str, ...] = field(default=())

    def text_lines(self) -> tuple[str, ...]:
        return self.lines or tuple(article_lines(self.title, self.body)) or ("",)


@dataclass(frozen=True, slots=True)
class RankedArticle:
    """``score``: the blended score that orders the list; ``confidence``: the score plus its
    lead over the best other article (see :func:`confidence`), what the threshold is held to."""

    article_id: str
    title: str
    score: float
    best_line: str
    confidence: float = 0.0


def confidence(score: float, best_other: float) -> float:
    """How sure a match is: its score plus its lead over the best *other* article.

    A question the knowledge base answers usually has one article well ahead of the rest; a
    question it does not answer matches several articles on the same subject about equally.
    So a clear winner needs a lower score than a near-tie to be suggested (measured on the
    evaluation sets, this separates answerable from unanswerable questions better than the
    score alone). A runner-up's lead is negative, so it is suggested only when it is nearly as
    good as the winner and both are good.
    """
    return score + (score - best_other)


def leading_confidence(scores: npt.NDArray[Any]) -> float:
    """The :func:`confidence` of the best finite score in ``scores`` (0 when there is none;
    with a single finite score, its lead is taken as 0)."""
    finite = scores[np.isfinite(scores)]
    if len(finite) == 0:
        return 0.0
    if len(finite) == 1:
        return float(finite[0])
    second, first = np.partition(finite, len(finite) - 2)[-2:]
    return confidence(float(first), float(second))


class _Bm25:
    """BM25 weights of a collection of texts as a sparse (terms × texts) matrix."""

    def __init__(
        self, token_lists: Sequence[Sequence[int]], vocabulary: int, *, k1: float, b: float
    ) -> None:
        rows: list[int] = []
        cols: list[int] = []
        for position, tokens in enumerate(token_lists):
            rows.extend(tokens)
            cols.extend([position] * len(tokens))
        count = len(token_lists)
        ones = np.ones(len(rows), dtype=np.float32)
        tf = sparse.csr_matrix(
            (ones, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(vocabulary, count),
            dtype=np.float32,
        )
        tf.sum_duplicates()
        lengths = np.asarray([len(t) for t in token_lists], dtype=np.float32)
        average = float(lengths.mean()) if count and lengths.mean() > 0 else 1.0
        df = np.diff(tf.indptr).astype(np.float64)
        self.idf = np.log1p((count - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * lengths / average)
        coo = tf.tocoo()
        data = coo.data * (k1 + 1) / (coo.data + norm[coo.col]) * self.idf[coo.row]
        self.weights = sparse.csr_matrix(
            (data.astype(np.float32), (coo.row, coo.col)), shape=tf.shape
        )
        self.k1 = k1
        self.b = b
        self.average = average
        self.count = count

    def score_text(self, term_ids: Sequence[int], counts: Mapping[int, int], length: int) -> float:
        """The normalised score of one text given by its term ``counts`` and ``length``
        (collection statistics unchanged): for leaving one line out of an article."""
        if not term_ids:
            return 0.0
        most = float(self.idf[list(term_ids)].sum()) * (self.k1 + 1)
        if most <= 0:
            return 0.0
        norm = self.k1 * (1 - self.b + self.b * length / self.average)
        total = 0.0
        for term in term_ids:
            tf = counts.get(term, 0)
            if tf > 0:
                total += float(self.idf[term]) * tf * (self.k1 + 1) / (tf + norm)
        return total / most

    def scores_of(self, term_ids: Sequence[int], texts: npt.NDArray[np.int64]) -> Vector:
        """:meth:`scores` of the texts numbered ``texts`` only."""
        if not term_ids or len(texts) == 0:
            return np.zeros(len(texts), dtype=np.float32)
        ids = np.asarray(term_ids, dtype=np.int64)
        most = float(self.idf[ids].sum()) * (self.k1 + 1)
        if most <= 0:
            return np.zeros(len(texts), dtype=np.float32)
        selected = self.weights[ids][:, texts]
        total = np.asarray(selected.sum(axis=0), dtype=np.float32).ravel()
        return total / np.float32(most)

    def scores(self, term_ids: Sequence[int]) -> Vector:
        """Scores of every text for the terms, divided by the most any text can score."""
        if not term_ids:
            return np.zeros(self.count, dtype=np.float32)
        ids = np.asarray(term_ids, dtype=np.int64)
        most = float(self.idf[ids].sum()) * (self.k1 + 1)
        if most <= 0:
            return np.zeros(self.count, dtype=np.float32)
        selected = self.weights[ids]
        total = np.asarray(selected.sum(axis=0), dtype=np.float32).ravel()
        return total / np.float32(most)


class KnowledgeIndex:
    """An immutable in-memory index of one knowledge base's published articles.

    ``vectors`` maps an article id to its line embeddings (rows in :meth:`text_lines` order);
    articles without vectors get semantic scores of 0. Build a new index when articles change.
    """

    def __init__(
        self,
        articles: Sequence[IndexedArticle],
        *,
        vectors: Mapping[str, Matrix] | None = None,
        k1: float = 1.2,
        b: float = 0.75,
        line_k1: float = 1.5,
        line_b: float = 0.5,
        exhaustive_lines: int = 100_000,
        candidates: int = 300,
    ) -> None:
        self.exhaustive_lines = exhaustive_lines
        self.candidates = candidates
        self.articles = list(articles)
        self.ids = [a.article_id for a in self.articles]
        self.lines: list[tuple[str, ...]] = [a.text_lines() for a in self.articles]
        counts = np.asarray([len(lines) for lines in self.lines], dtype=np.int64)
        self.line_count = counts
        self.line_start = (np.cumsum(counts) - counts).astype(np.int64)
        self.line_article = np.repeat(np.arange(len(self.articles)), counts)
        self.vocabulary: dict[str, int] = {}
        self.pairs: set[int] = set()
        line_tokens = [
            [self._term_id(t) for t in ranking_terms(line)]
            for lines in self.lines
            for line in lines
        ]
        self.line_tokens = line_tokens
        article_tokens: list[list[int]] = []
        for start, count in zip(self.line_start.tolist(), counts.tolist(), strict=True):
            article_tokens.append(
                [
                    t
                    for tokens in line_tokens[start : start + count]
                    for t in tokens
                    if t not in self.pairs
                ]
            )
        size = max(len(self.vocabulary), 1)
        self.article_bm25 = _Bm25(article_tokens, size, k1=k1, b=b)
        self._lines_bm25 = _Bm25(line_tokens, size, k1=line_k1, b=line_b)
        self.line_vectors: Matrix | None = None
        self.centroids: Matrix | None = None
        self._projection: Matrix | None = None
        self._sketch: Matrix | None = None
        self.has_vectors = np.zeros(len(self.articles), dtype=bool)
        if vectors:
            self._set_vectors(vectors)

    def _term_id(self, term: str) -> int:
        found = self.vocabulary.get(term)
        if found is None:
            found = self.vocabulary[term] = len(self.vocabulary)
            if _is_pair(term):
                self.pairs.add(found)
        return found

    def _set_vectors(self, vectors: Mapping[str, Matrix]) -> None:
        dimension = next(iter(vectors.values())).shape[1]
        total = int(self.line_article.shape[0])
        lines = np.zeros((total, dimension), dtype=np.float32)
        for position, article_id in enumerate(self.ids):
            found = vectors.get(article_id)
            start = int(self.line_start[position])
            count = len(self.lines[position])
            if found is not None and found.shape == (count, dimension):
                lines[start : start + count] = found
                self.has_vectors[position] = True
        self.line_vectors = lines
        sums = np.add.reduceat(lines, self.line_start, axis=0) if total else lines
        self.centroids = normalize_rows(sums)
        self._build_sketch()

    def _build_sketch(self) -> None:
        centroids = self.centroids
        if centroids is None or not self.is_large:
            return
        if centroids.shape[1] > _SKETCH_DIMENSION and len(centroids) > 4 * _SKETCH_DIMENSION:
            # Candidates are proposed on a principal-component sketch of the centroids: a
            # sixth of the memory per query, small enough to stay in the processor's cache;
            # the pool it proposes is then scored on the exact centroids.
            rng = np.random.default_rng(0)
            size = min(5000, len(centroids))
            sample = centroids[rng.choice(len(centroids), size, replace=False)]
            _, _, basis = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
            self._projection = np.ascontiguousarray(basis[:_SKETCH_DIMENSION], np.float32)
            self._sketch = np.ascontiguousarray(centroids @ self._projection.T)

    def __len__(self) -> int:
        return len(self.articles)

    def query_terms(self, text: str) -> list[int]:
        """Known term ids of ``text`` for line scoring (stems and stem pairs)."""
        return sorted({self.vocabulary[t] for t in ranking_terms(text) if t in self.vocabulary})

    def article_terms(self, term_ids: Sequence[int]) -> list[int]:
        """The single-stem ids among ``term_ids``: what whole articles are scored by."""
        return [t for t in term_ids if t not in self.pairs]

    @property
    def is_large(self) -> bool:
        """Large bases score lines of candidate articles only (see :meth:`signals`)."""
        return int(self.line_article.shape[0]) > self.exhaustive_lines

    def signals(
        self,
        text: str,
        query_vector: Vector | None = None,
        *,
        include: Sequence[int] = (),
    ) -> dict[str, npt.NDArray[Any]]:
        """Every signal for every article (arrays in index order) and the best line of each.

        Also ``line_lexical`` and ``line_dense`` (per line) and ``candidate`` (per article).
        In a large base (more than ``exhaustive_lines`` lines) only the lines of candidate
        articles are scored: the ``candidates`` best by BM25 and the ``candidates`` best by
        centroid, plus ``include``; the others are marked ``candidate = False`` and cannot
        rank. The best line of a relevant article almost always sits in an article whose
        words or centroid already put it near the top, and comparing the query with every
        line would cost more than the rest of a suggestion.
        """
        count = len(self.articles)
        total = int(self.line_article.shape[0])
        ids = self.query_terms(text)
        lexical = self.article_bm25.scores(self.article_terms(ids))
        vector = query_vector.astype(np.float32) if query_vector is not None else None
        dense_article: npt.NDArray[np.float32] | None = None
        sketch: npt.NDArray[np.float32] | None = None
        if vector is not None and self.centroids is not None:
            if self._sketch is not None and self._projection is not None:
                sketch = dot(self._sketch, dot(self._projection, vector))
            else:
                dense_article = dot(self.centroids, vector)
        if count == 0 or not self.is_large:
            chosen = np.arange(count)
            rows = np.arange(total)
            line_lexical = self._lines_bm25.scores(ids)
        else:
            take = min(self.candidates, count)
            picks = [_top(lexical, take, sparse=True), np.asarray(include, dtype=np.int64)]
            if sketch is not None and vector is not None and self.centroids is not None:
                pool = _top(sketch, min(_SKETCH_POOL * take, count))
                exact = dot(self.centroids[pool], vector)
                picks.append(pool[_top(exact, min(take, len(pool)))])
            elif dense_article is not None:
                picks.append(_top(dense_article, take))
            chosen = np.unique(np.concatenate(picks))
            if sketch is not None and vector is not None and self.centroids is not None:
                dense_article = np.full(count, -1.0, dtype=np.float32)
                dense_article[chosen] = dot(self.centroids[chosen], vector)
            counts = self.line_count[chosen]
            rows = np.repeat(self.line_start[chosen] - np.cumsum(counts) + counts, counts) + (
                np.arange(int(counts.sum()))
            )
            line_lexical = np.zeros(total, dtype=np.float32)
            line_lexical[rows] = self._lines_bm25.scores_of(ids, rows)
        candidate = np.zeros(count, dtype=bool)
        candidate[chosen] = True
        result: dict[str, npt.NDArray[Any]] = {
            "lexical": lexical,
            "candidate": candidate,
            "line_lexical": line_lexical,
        }
        if count == 0:
            result |= {"lexical_line": lexical, "dense_line": lexical, "dense_article": lexical}
            result["best_line"] = np.zeros(0, dtype=np.int64)
            return result
        starts = self.line_start[chosen]
        local_starts = np.searchsorted(rows, starts)
        lexical_line = np.zeros(count, dtype=np.float32)
        lexical_line[chosen] = line_max(line_lexical[rows], local_starts)
        result["lexical_line"] = lexical_line
        best = line_lexical[rows]
        if vector is not None and self.line_vectors is not None and dense_article is not None:
            line_dense = np.full(total, -1.0, dtype=np.float32)
            line_dense[rows] = dot(
                self.line_vectors if not self.is_large else self.line_vectors[rows], vector
            )
            dense_line = np.full(count, -1.0, dtype=np.float32)
            dense_line[chosen] = line_max(line_dense[rows], local_starts)
            result |= {"line_dense": line_dense, "dense_line": dense_line}
            result["dense_article"] = dense_article
            best = line_dense[rows] + best
        else:
            zeros = np.zeros(count, dtype=np.float32)
            result["dense_line"] = zeros
            result["dense_article"] = zeros
        best_line = np.full(count, -1, dtype=np.int64)
        group = np.repeat(np.arange(len(chosen)), np.diff(np.append(local_starts, len(rows))))
        best_line[chosen] = rows[_argmax_per_group(best, local_starts, group)]
        result["best_line"] = best_line
        return result

    def scores(
        self, text: str, weights: Weights, query_vector: Vector | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """The blended score of every article and the index of its best line."""
        found = self.signals(text, query_vector if weights.uses_vectors else None)
        return blend(found, weights), found["best_line"]

    def rank(
        self,
        text: str,
        *,
        weights: Weights,
        query_vector: Vector | None = None,
        limit: int = 10,
        min_score: float = -math.inf,
    ) -> list[RankedArticle]:
        """The best ``limit`` articles scoring at least ``min_score``, best first."""
        if not self.articles or limit <= 0:
            return []
        blended, best_line = self.scores(text, weights, query_vector)
        take = min(max(limit, 2), len(blended))
        top = np.argpartition(-blended, take - 1)[:take]
        top = top[np.lexsort((top, -blended[top]))]
        leaders = [float(blended[p]) for p in top[:2].tolist()]
        leaders = [v for v in leaders if v != -math.inf]
        ranked: list[RankedArticle] = []
        for rank, position in enumerate(top[:limit].tolist()):
            score = float(blended[position])
            if score < min_score or score == -math.inf:
                break
            others = leaders[1:] if rank == 0 else leaders[:1]
            line = int(best_line[position]) - int(self.line_start[position])
            ranked.append(
                RankedArticle(
                    self.ids[position],
                    self.articles[position].title,
                    score,
                    self.lines[position][line],
                    confidence(score, others[0]) if others else score,
                )
            )
        return ranked


def blend(signals: Mapping[str, npt.NDArray[Any]], weights: Weights) -> npt.NDArray[np.float32]:
    """The weighted sum of the signals; articles that are not candidates get -inf."""
    blended = (
        weights.lexical * signals["lexical"]
        + weights.lexical_line * signals["lexical_line"]
        + weights.dense_line * signals["dense_line"]
        + weights.dense_article * signals["dense_article"]
    ).astype(np.float32)
    blended[~signals["candidate"]] = -np.inf
    return blended


def _top(values: npt.NDArray[Any], take: int, *, sparse: bool = False) -> npt.NDArray[np.int64]:
    """Positions of the ``take`` largest values, in no order. ``sparse``: only positive
    values count (BM25 scores are mostly zero, and a zero-score article is no candidate)."""
    if sparse:
        positive = np.flatnonzero(values > 0)
        if len(positive) <= take:
            return positive
        return positive[np.argpartition(-values[positive], take - 1)[:take]]
    if take >= len(values):
        return np.arange(len(values), dtype=np.int64)
    return np.argpartition(-values, take - 1)[:take]


def line_max(values: npt.NDArray[Any], starts: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """The maximum of each group of consecutive values starting at ``starts``."""
    return np.maximum.reduceat(values, starts)


def _argmax_per_group(
    values: npt.NDArray[Any], starts: npt.NDArray[np.int64], group: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """For each group of consecutive values starting at ``starts`` (``group`` gives each
    value's group), the position of its maximum."""
    best = np.maximum.reduceat(values, starts)
    hits = np.flatnonzero(values == best[group])
    first = np.full(len(starts), -1, dtype=np.int64)
    # The first hit of each group: assign in reverse so the earliest position wins.
    first[group[hits[::-1]]] = hits[::-1]
    return first
