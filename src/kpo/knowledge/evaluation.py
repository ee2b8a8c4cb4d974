"""Retrieval quality measures over a set of judged queries.

``rankings`` maps a query id to the article ids returned, best first; ``qrels`` maps a query id
to its relevant article ids (an empty set or a missing entry: the knowledge base has no answer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import asdict, dataclass

__all__ = ["Evaluation", "evaluate_rankings"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Means over answerable queries; the two threshold rates where they apply.

    ``no_suggestion_rate``: share of answerable queries for which nothing cleared the threshold.
    ``false_suggestion_rate``: share of unanswerable queries for which something was suggested
    (``None`` when the set has no unanswerable query).
    """

    queries: int
    answerable: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float
    ndcg_at_10: float
    no_suggestion_rate: float | None = None
    false_suggestion_rate: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _recall(ranked: Sequence[str], relevant: Set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def _reciprocal_rank(ranked: Sequence[str], relevant: Set[str], k: int) -> float:
    for position, article_id in enumerate(ranked[:k], start=1):
        if article_id in relevant:
            return 1.0 / position
    return 0.0


def _ndcg(ranked: Sequence[str], relevant: Set[str], k: int) -> float:
    gain = sum(
        1.0 / math.log2(position + 1)
        for position, article_id in enumerate(ranked[:k], start=1)
        if article_id in relevant
    )
    ideal = sum(1.0 / math.log2(position + 1) for position in range(1, min(len(relevant), k) + 1))
    return gain / ideal


def evaluate_rankings(
    rankings: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Set[str]],
    *,
    suggestions: Mapping[str, Sequence[str]] | None = None,
) -> Evaluation:
    """Recall@1, recall@5, MRR@10 and nDCG@10 of ``rankings`` (no threshold applied).

    With ``suggestions`` (the thresholded lists), also the share of answerable queries left
    without a suggestion and the share of unanswerable ones that got one.
    """
    answerable = [q for q in rankings if qrels.get(q)]
    unanswerable = [q for q in rankings if not qrels.get(q)]
    count = len(answerable) or 1

    def mean(measure: float) -> float:
        return measure / count

    r1 = mean(sum(_recall(rankings[q], qrels[q], 1) for q in answerable))
    r5 = mean(sum(_recall(rankings[q], qrels[q], 5) for q in answerable))
    mrr = mean(sum(_reciprocal_rank(rankings[q], qrels[q], 10) for q in answerable))
    ndcg = mean(sum(_ndcg(rankings[q], qrels[q], 10) for q in answerable))
    no_suggestion: float | None = None
    false_suggestion: float | None = None
    if suggestions is not None:
        no_suggestion = sum(1 for q in answerable if not suggestions.get(q)) / count
        if unanswerable:
            false_suggestion = sum(1 for q in unanswerable if suggestions.get(q)) / len(
                unanswerable
            )
    return Evaluation(
        queries=len(rankings),
        answerable=len(answerable),
        recall_at_1=r1,
        recall_at_5=r5,
        mrr_at_10=mrr,
        ndcg_at_10=ndcg,
        no_suggestion_rate=no_suggestion,
        false_suggestion_rate=false_suggestion,
    )
