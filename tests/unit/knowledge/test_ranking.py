import numpy as np
import pytest

from kpo.knowledge.calibration import calibrate, pseudo_queries
from kpo.knowledge.evaluation import evaluate_rankings
from kpo.knowledge.ranking import (
    DEFAULT_WEIGHTS,
    LEXICAL_WEIGHTS,
    IndexedArticle,
    KnowledgeIndex,
    confidence,
    dot,
    leading_confidence,
)
from kpo.services.suggestions import Suggestions
from tests.fakes import FakeEmbedder

ARTICLES = [
    IndexedArticle(
        "card-arrival",
        "Card arrival",
        "My card has not arrived yet\nWhen will my new card be delivered\n"
        "I ordered a card two weeks ago and nothing came",
    ),
    IndexedArticle(
        "pin-blocked",
        "PIN blocked",
        "I typed the wrong PIN three times\nMy PIN is blocked, how do I unblock it\n"
        "The ATM says my PIN is locked",
    ),
    IndexedArticle(
        "exchange-rate",
        "Exchange rate",
        "What exchange rate do you use for euros\nWhy was I charged a bad exchange rate\n"
        "How are foreign currency payments converted",
    ),
    IndexedArticle(
        "top-up",
        "Top up by bank transfer",
        "How do I top up with a bank transfer\nMy top up by transfer has not shown up\n"
        "Can I add money from my bank account",
    ),
]


def _index() -> tuple[KnowledgeIndex, FakeEmbedder]:
    embedder = FakeEmbedder()
    vectors = {a.article_id: embedder.embed(a.text_lines()) for a in ARTICLES}
    return KnowledgeIndex(ARTICLES, vectors=vectors), embedder


def test_lexical_ranking_finds_the_article_and_its_best_line() -> None:
    index, _ = _index()
    (best, *_) = index.rank("my PIN got blocked at the ATM", weights=LEXICAL_WEIGHTS, limit=3)
    assert best.article_id == "pin-blocked"
    assert "PIN" in best.best_line
    assert 0 < best.score <= 1


def test_hybrid_ranking_uses_vectors_and_is_ordered() -> None:
    index, embedder = _index()
    query = "the new card never arrived"
    ranked = index.rank(
        query, weights=DEFAULT_WEIGHTS, query_vector=embedder.embed([query])[0], limit=4
    )
    assert ranked[0].article_id == "card-arrival"
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert len(ranked) == 4


def test_min_score_cuts_the_list() -> None:
    index, _ = _index()
    assert index.rank("card", weights=LEXICAL_WEIGHTS, limit=4, min_score=2.0) == []


def test_empty_index_and_unknown_words_rank_nothing_useful() -> None:
    assert KnowledgeIndex([]).rank("card", weights=LEXICAL_WEIGHTS) == []
    index, _ = _index()
    ranked = index.rank("zzzz qqqq", weights=LEXICAL_WEIGHTS, limit=2)
    assert all(r.score == 0 for r in ranked)


def test_calibrated_threshold_keeps_answerable_and_rejects_off_topic() -> None:
    index, embedder = _index()
    queries = pseudo_queries(index)
    assert queries
    assert all(len(index.lines[q.article]) >= 2 for q in queries)
    rows = [int(index.line_start[q.article]) + q.line for q in queries]
    assert index.line_vectors is not None
    calibration = calibrate(
        index, queries, weights=DEFAULT_WEIGHTS, query_vectors=index.line_vectors[rows]
    )
    assert calibration.threshold >= 0

    def suggested(text: str) -> list[str]:
        vector = embedder.embed([text])[0]
        ranked = index.rank(text, weights=DEFAULT_WEIGHTS, query_vector=vector, limit=3)
        return [r.article_id for r in Suggestions(calibration.threshold, ranked).suggested]

    assert suggested("my card has still not arrived") == ["card-arrival"]
    assert suggested("recipe for a vegetable lasagne with spinach") == []


def test_pseudo_queries_are_the_questions_of_the_base_or_its_titles() -> None:
    articles = [
        IndexedArticle("a", "Reset a password", "Open settings.\nHow do I reset my password?"),
        IndexedArticle("b", "Delete an account", "Open settings.\nPress delete."),
        IndexedArticle("c", "One-liner"),
    ]
    index = KnowledgeIndex(articles)
    texts = {(q.article, q.text) for q in pseudo_queries(index)}
    # a: its question line, not its title nor its answer; b: no question, so its title;
    # c: a single line (nothing would be left of it), never.
    assert texts == {(0, "How do I reset my password?"), (1, "Delete an account")}


def test_a_clear_winner_is_more_confident_than_a_near_tie() -> None:
    assert confidence(0.6, 0.3) > confidence(0.6, 0.58) > confidence(0.58, 0.6)
    assert leading_confidence(np.array([0.3, 0.6, -np.inf], dtype=np.float32)) == (
        pytest.approx(confidence(0.6, 0.3))
    )
    assert leading_confidence(np.array([0.4, -np.inf])) == pytest.approx(0.4)
    assert leading_confidence(np.array([-np.inf])) == 0.0
    index, _ = _index()
    first, second = index.rank("my PIN got blocked at the ATM", weights=LEXICAL_WEIGHTS, limit=2)
    assert first.confidence == pytest.approx(confidence(first.score, second.score))
    assert second.confidence == pytest.approx(confidence(second.score, first.score))
    (alone,) = index.rank("my PIN got blocked at the ATM", weights=LEXICAL_WEIGHTS, limit=1)
    assert alone.confidence == pytest.approx(first.confidence)


def test_threshold_rejects_the_chosen_share_of_unanswerable_pseudo_questions() -> None:
    index, _ = _index()
    queries = pseudo_queries(index)
    for rejected in (0.0, 0.5, 2 / 3, 1.0):
        calibration = calibrate(index, queries, weights=LEXICAL_WEIGHTS, rejected=rejected)
        unanswerable = np.asarray(calibration.unanswerable)
        floor = float(np.quantile(calibration.scores, calibration.kept_floor))
        assert calibration.threshold == pytest.approx(
            min(float(np.quantile(unanswerable, rejected)), floor)
        )
    with pytest.raises(ValueError, match="rejected"):
        calibrate(index, queries, weights=LEXICAL_WEIGHTS, rejected=1.5)


def test_left_out_line_scores_lower_than_with_it() -> None:
    index, _ = _index()
    queries = pseudo_queries(index)
    lexical = calibrate(index, queries, weights=LEXICAL_WEIGHTS)
    direct = [index.rank(q.text, weights=LEXICAL_WEIGHTS, limit=1)[0].confidence for q in queries]
    assert np.mean(lexical.scores) < np.mean(direct)


def test_evaluation_measures() -> None:
    rankings = {"q1": ["a", "b"], "q2": ["b", "a"], "q3": ["c"], "q4": []}
    qrels = {"q1": {"a"}, "q2": {"a"}, "q3": set()}
    result = evaluate_rankings(rankings, qrels, suggestions={"q1": ["a"], "q2": [], "q3": ["c"]})
    assert result.answerable == 2
    assert result.recall_at_1 == 0.5
    assert result.recall_at_5 == 1.0
    assert result.mrr_at_10 == 0.75
    assert round(result.ndcg_at_10, 4) == round((1 + 1 / np.log2(3)) / 2, 4)
    assert result.no_suggestion_rate == 0.5
    assert result.false_suggestion_rate == 0.5


def test_large_bases_score_lines_of_candidates_only_with_the_same_winner() -> None:
    embedder = FakeEmbedder()
    vectors = {a.article_id: embedder.embed(a.text_lines()) for a in ARTICLES}
    exhaustive = KnowledgeIndex(ARTICLES, vectors=vectors)
    pruned = KnowledgeIndex(ARTICLES, vectors=vectors, exhaustive_lines=1, candidates=1)
    for query in ("the new card never arrived", "bad exchange rate for euros", "PIN locked"):
        vector = embedder.embed([query])[0]
        full = exhaustive.rank(query, weights=DEFAULT_WEIGHTS, query_vector=vector, limit=1)
        fast = pruned.rank(query, weights=DEFAULT_WEIGHTS, query_vector=vector, limit=1)
        assert fast[0].article_id == full[0].article_id
        assert fast[0].score == full[0].score


def test_dot_is_the_matrix_vector_product() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((50, 8)).astype(np.float32)
    vector = rng.standard_normal(8).astype(np.float32)
    assert np.allclose(dot(matrix, vector), matrix @ vector, atol=1e-5)


def test_zero_bm25_articles_are_no_lexical_candidates() -> None:
    index = KnowledgeIndex(ARTICLES, exhaustive_lines=1, candidates=3)
    found = index.signals("PIN blocked")
    assert found["candidate"].tolist() == [False, True, False, False]


def test_large_base_with_a_sketch_keeps_the_exhaustive_winner() -> None:
    rng = np.random.default_rng(3)
    articles = [
        IndexedArticle(f"a{n}", f"title {n}", f"line one {n}\nline two {n}") for n in range(400)
    ]
    vectors = {
        a.article_id: (rng.standard_normal((3, 96)) * 0.1 + rng.standard_normal(96)).astype(
            np.float32
        )
        for a in articles
    }
    vectors = {k: v / np.linalg.norm(v, axis=1, keepdims=True) for k, v in vectors.items()}
    exhaustive = KnowledgeIndex(articles, vectors=vectors)
    pruned = KnowledgeIndex(articles, vectors=vectors, exhaustive_lines=10, candidates=20)
    assert pruned._sketch is not None
    for target in ("a7", "a123", "a399"):
        query = vectors[target][1]
        full = exhaustive.rank("line", weights=DEFAULT_WEIGHTS, query_vector=query, limit=1)
        fast = pruned.rank("line", weights=DEFAULT_WEIGHTS, query_vector=query, limit=1)
        assert fast[0].article_id == full[0].article_id == target
