"""Knowledge base: a plain BM25 baseline (bm25s) on the dev splits, and speed over 100,000
articles — lexical indexing and search on SQLite FTS5, hybrid suggestions, semantic indexing
beside lexical search.

Run with ``make bench`` or ``.venv/bin/python -m bench knowledge``; figures go to
docs/benchmarks.md. The quality of our own modes comes from ``kpo kb evaluate`` (same data).
The datasets are read from ``../shared/data/kb-eval`` (or ``KPO_KB_EVAL``), never copied.

The 100,000 articles are synthetic (fixed seed, Zipf-distributed words) because no public
knowledge base of that size is at hand; their line embeddings are random unit vectors, since
embedding half a million lines with the real model takes hours on two cores. Latency does not
depend on the vectors' values; the query is embedded by the real model when it is installed.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kpo.bootstrap import App, connect, embedder
from kpo.domain.access import Actor
from kpo.knowledge.calibration import calibrate, pseudo_queries
from kpo.knowledge.evaluation import evaluate_rankings
from kpo.knowledge.ranking import IndexedArticle, KnowledgeIndex
from kpo.knowledge.text import article_lines
from kpo.knowledge.vectors import normalize_rows
from kpo.services.knowledge import search_articles
from kpo.services.knowledge_eval import read_qrels, read_queries
from kpo.services.knowledge_io import import_articles
from kpo.services.setup import initialize
from kpo.services.suggestions import LoadedBase, Mode, index_embeddings, suggest

OPERATOR = Actor.operator()

ARTICLES = 100_000
QUERIES = 300
SEMANTIC_SUBSET = 300
DIMENSION = 384
T0 = datetime(2026, 11, 27, tzinfo=UTC)


def _data_root() -> Path:
    found = os.environ.get("KPO_KB_EVAL")
    if found:
        return Path(found)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "kb-eval"


def _percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): the figures depend on it."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} / {fifteen:.1f}"


def _timed(run: Callable[[], object], items: int) -> list[float]:
    times = []
    for _ in range(items):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def bm25_baseline() -> None:
    """bm25s (BM25 Okapi, English stop words, no stemmer) over title + body."""
    import bm25s

    root = _data_root()
    for name in ("stackfaq", "banking77"):
        folder = root / name
        if not folder.is_dir():
            print(f"{name}: dataset not found under {root}; skipped")
            continue
        articles = [json.loads(line) for line in (folder / "articles.jsonl").open()]
        queries = read_queries(folder / "queries.jsonl")
        qrels = read_qrels(folder / "qrels.tsv")
        corpus = [a["title"] + "\n" + a["body"] for a in articles]
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
        )
        tokens = bm25s.tokenize([q.text for q in queries], stopwords="en", show_progress=False)
        found, _ = retriever.retrieve(tokens, k=10, show_progress=False)
        rankings = {
            q.id: [articles[int(i)]["id"] for i in row]
            for q, row in zip(queries, found, strict=True)
        }
        result = evaluate_rankings(rankings, qrels).as_dict()
        print(
            f"bm25s {bm25s.__version__} {name}: recall@1 {result['recall_at_1']}, recall@5 "
            f"{result['recall_at_5']}, MRR@10 {result['mrr_at_10']}, nDCG@10 {result['ndcg_at_10']}"
        )


def synthetic_articles(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """Articles of Zipf-distributed pseudo-words (exponent 1.1 over 50,000 words, the 100
    most frequent left out as the stop words a real query drops): a title of 7 words and
    five body lines of 16 words each."""
    rng = np.random.default_rng(seed)
    size = 50_000
    ranks = rng.zipf(1.1, size=count * 400)
    ranks = ranks[(ranks > 100) & (ranks <= size)][: count * 87]
    words = np.char.add("w", ranks.astype(str))
    articles = []
    position = 0
    for number in range(count):
        title = " ".join(words[position : position + 7])
        position += 7
        lines = []
        for _ in range(5):
            lines.append(" ".join(words[position : position + 16]) + ".")
            position += 16
        articles.append(
            {"id": f"a{number:06d}", "title": title, "body": "\n".join(lines), "tags": ["bench"]}
        )
    return articles


def synthetic_queries(articles: Sequence[dict[str, Any]], count: int) -> list[str]:
    rng = np.random.default_rng(7)
    queries = []
    for _ in range(count):
        article = articles[int(rng.integers(len(articles)))]
        words = (article["title"] + " " + article["body"]).replace(".", "").split()
        picks = rng.choice(len(words), size=4, replace=False)
        queries.append(" ".join(words[int(i)] for i in sorted(picks)))
    return queries


def lexical(
    app: App, path: Path, articles: list[dict[str, Any]], *, database: str = "SQLite"
) -> None:
    start = time.perf_counter()
    result = import_articles(app.uow(), "Bench", path, at=T0)
    elapsed = time.perf_counter() - start
    index = "FTS5 index" if database == "SQLite" else "tsvector with its GIN index"
    print(
        f"{database} lexical indexing: {result.added:,} articles in {elapsed:.1f} s = "
        f"{result.added / elapsed:,.0f} articles/s (JSONL parsing, articles, versions and the "
        f"{index}, one transaction)"
    )
    queries = synthetic_queries(articles, QUERIES)
    iterator = iter(queries)
    times = _timed(
        lambda: search_articles(app.uow(), OPERATOR, "bench", next(iterator), limit=10),
        len(queries),
    )
    p50, p95 = _percentiles(times)
    print(
        f"{database} lexical search over {len(articles):,} articles, {len(queries)} queries "
        "of 4 words, "
        f"top 10 with snippets: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({_load()})"
    )


def hybrid(articles: list[dict[str, Any]]) -> None:
    model = embedder()
    items = [IndexedArticle(a["id"], a["title"], a["body"]) for a in articles]
    rng = np.random.default_rng(11)
    start = time.perf_counter()
    vectors = {
        item.article_id: normalize_rows(
            rng.standard_normal((len(article_lines(item.title, item.body)), DIMENSION))
        )
        for item in items
    }
    index = KnowledgeIndex(items, vectors=vectors)
    built = time.perf_counter() - start
    lines = index.line_vectors.shape[0] if index.line_vectors is not None else 0
    print(
        f"hybrid index: {len(items):,} articles, {lines:,} lines ({built:.1f} s to build in memory)"
    )
    # The threshold's calibration, as load_base runs it: pseudo-questions scored against the
    # base with their line and with their article left out.
    start = time.perf_counter()
    pseudo = pseudo_queries(index)
    rows = [int(index.line_start[p.article]) + p.line for p in pseudo]
    assert index.line_vectors is not None
    calibration = calibrate(
        index, pseudo, weights=Mode.HYBRID.weights, query_vectors=index.line_vectors[rows]
    )
    took = time.perf_counter() - start
    print(
        f"threshold calibration: {calibration.samples} pseudo-questions in {took:.1f} s "
        f"({1000 * took / max(calibration.samples, 1):.1f} ms each; {_load()})"
    )
    if model is None:
        print("hybrid suggestions: skipped (install openkpo[semantic] for the query embedder)")
        return
    model.embed(["warm up"])
    base = LoadedBase("bench", Mode.HYBRID, index, calibration, model)
    queries = synthetic_queries(articles, 200)
    iterator = iter(queries)
    times = _timed(lambda: suggest(base, next(iterator), limit=5), len(queries))
    p50, p95 = _percentiles(times)
    print(
        f"hybrid suggestion (query embedding included) over {len(items):,} articles, "
        f"{len(queries)} queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({_load()})"
    )
    # Distinct texts: the embedder remembers recent ones, which would time nothing.
    texts = iter(f"my card {n} has not arrived yet, what can I do" for n in range(200))
    e50, e95 = _percentiles(_timed(lambda: model.embed([next(texts)]), 200))
    vectors_of = iter(model.embed(queries))
    iterator = iter(queries)
    ranking = _timed(
        lambda: index.rank(
            next(iterator), weights=base.mode.weights, query_vector=next(vectors_of), limit=5
        ),
        len(queries),
    )
    r50, r95 = _percentiles(ranking)
    print(
        f"  the query embedding alone p50 {e50:.1f} ms, p95 {e95:.1f} ms; the ranking alone "
        f"p50 {r50:.1f} ms, p95 {r95:.1f} ms ({_load()})"
    )


def semantic_beside_lexical(app: App, articles: list[dict[str, Any]], folder: Path) -> None:
    """Embed 300 articles in the background while lexical search runs on 100,000."""
    model = embedder()
    if model is None:
        print("semantic indexing: skipped (install openkpo[semantic])")
        return
    subset = folder / "subset.jsonl"
    subset.write_text(
        "".join(json.dumps(a) + "\n" for a in articles[:SEMANTIC_SUBSET]), encoding="utf-8"
    )
    import_articles(app.uow(), "Bench semantic", subset, at=T0)
    progress: list[tuple[int, int]] = []
    worker = threading.Thread(
        target=index_embeddings,
        args=(app.uow, "bench-semantic", model),
        kwargs={"progress": lambda done, total: progress.append((done, total))},
    )
    queries = synthetic_queries(articles, 100_000)
    start = time.perf_counter()
    worker.start()
    times: list[float] = []
    position = 0
    while worker.is_alive():
        began = time.perf_counter()
        search_articles(app.uow(), OPERATOR, "bench", queries[position], limit=10)
        times.append(time.perf_counter() - began)
        position += 1
    worker.join()
    elapsed = time.perf_counter() - start
    lines = sum(len(article_lines(a["title"], a["body"])) for a in articles[:SEMANTIC_SUBSET])
    p50, p95 = _percentiles(times)
    print(
        f"semantic indexing: {SEMANTIC_SUBSET} articles ({lines:,} lines) in {elapsed:.1f} s = "
        f"{SEMANTIC_SUBSET / elapsed:.1f} articles/s, {lines / elapsed:.0f} lines/s, "
        f"{len(progress)} progress reports; meanwhile "
        f"{len(times)} lexical searches on the 100,000-article client: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms (none blocked; both share the two cores)"
    )


def postgres(path: Path, articles: list[dict[str, Any]]) -> None:
    """The same lexical indexing and search on PostgreSQL, when ``KPO_TEST_POSTGRES_URL`` is
    set (``scripts/with-postgres``); its schema is dropped first."""
    url = os.environ.get("KPO_TEST_POSTGRES_URL")
    if not url:
        print("PostgreSQL: skipped (run under scripts/with-postgres for its figures)")
        return
    from bench.api import _reset_postgres

    _reset_postgres(url)
    with connect(url) as app:
        initialize(app.engine, app.uow())
        lexical(app, path, articles, database="PostgreSQL")


def main() -> None:
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    bm25_baseline()
    articles = synthetic_articles(ARTICLES)
    with tempfile.TemporaryDirectory(prefix="kpo-bench-kb-") as folder:
        path = Path(folder) / "articles.jsonl"
        path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
        with connect(f"sqlite:///{Path(folder) / 'kb.sqlite3'}") as app:
            initialize(app.engine, app.uow())
            lexical(app, path, articles)
            semantic_beside_lexical(app, articles, Path(folder))
        postgres(path, articles)
    hybrid(articles)
