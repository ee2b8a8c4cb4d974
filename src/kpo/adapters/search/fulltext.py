"""Full-text index of published articles: SQLite FTS5 and PostgreSQL full-text search.

Both implement :class:`kpo.services.ports.ArticleIndex` with one results contract
(:class:`~kpo.domain.knowledge.SearchHit`): best first, ``score`` higher is better, snippets with
``**matched**`` words. Queries come parsed (:func:`kpo.knowledge.text.parse_query`): every
``"phrase"`` must occur, ``prefix*`` matches word starts, plain words rank (any may match).
Ranking costs per matching row, so when any-word matching would rank more than
:data:`RANKED_ROWS` rows, the search ranks the articles matching any ``n - 1`` of the ``n``
words, or ``n - 2``, … (:meth:`ParsedQuery.match_levels`, :func:`_choose_level`).

Scores differ between the two: FTS5 gives BM25 (title and tags weigh twice the body), PostgreSQL
gives ``ts_rank_cd`` (cover density; title and tags weight A, body B). Rankings agree on clear
cases; the contract does not promise equal numbers.

Writes go through the session of the unit of work, so the index changes in the same
transaction as the articles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from kpo.domain.knowledge import Article, SearchHit
from kpo.knowledge.text import ParsedQuery

__all__ = ["PostgresArticleIndex", "SqliteArticleIndex", "article_index_for"]

_SNIPPET_WORDS = 24
RANKED_ROWS = 1000
"""Most matching rows a search ranks when a stricter match level can avoid more."""


def _client_key(client_id: str) -> str:
    """One opaque index token per client (letters and digits only, so no tokenizer splits it)."""
    return "k" + hashlib.sha256(client_id.encode()).hexdigest()[:24]


def _tags_text(article: Article) -> str:
    return " ".join(article.tags)


class SqliteArticleIndex:
    """FTS5 virtual table ``kb_search``; a query is confined to its client inside the index by
    the client's token in the ``client_key`` column."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, articles: Sequence[Article]) -> None:
        by_client: dict[str, list[Article]] = {}
        for article in articles:
            by_client.setdefault(article.client_id, []).append(article)
        for client_id, group in by_client.items():
            self.remove(client_id, [a.id for a in group])
            rows = [
                {
                    "key": _client_key(client_id),
                    "client_id": client_id,
                    "article_id": a.id,
                    "title": a.title,
                    "body": a.body,
                    "tags": _tags_text(a),
                }
                for a in group
                if a.is_searchable
            ]
            if rows:
                self._session.execute(
                    text(
                        "INSERT INTO kb_search (client_key, client_id, article_id, title, body, "
                        "tags) VALUES (:key, :client_id, :article_id, :title, :body, :tags)"
                    ),
                    rows,
                )

    def remove(self, client_id: str, article_ids: Iterable[str]) -> None:
        wanted = set(article_ids)
        if not wanted:
            return
        found = self._session.execute(
            text("SELECT rowid, article_id FROM kb_search WHERE kb_search MATCH :m"),
            {"m": f'client_key : "{_client_key(client_id)}"'},
        )
        rowids = [{"r": row.rowid} for row in found if row.article_id in wanted]
        if rowids:
            self._session.execute(text("DELETE FROM kb_search WHERE rowid = :r"), rowids)

    def clear(self, client_id: str) -> None:
        self._session.execute(
            text("DELETE FROM kb_search WHERE kb_search MATCH :m"),
            {"m": f'client_key : "{_client_key(client_id)}"'},
        )

    def search(self, client_id: str, query: ParsedQuery, *, limit: int) -> list[SearchHit]:
        if query.is_empty or limit <= 0:
            return []
        phrases = ['"' + " ".join(p) + '"' for p in query.phrases]

        def term(text: str) -> str:
            return f'"{text[:-1]}"*' if text.endswith("*") else f'"{text}"'

        expressions = []
        for level in query.match_levels() or [[]]:
            groups = ["(" + " AND ".join(term(t) for t in group) + ")" for group in level]
            parts = list(phrases)
            if groups:
                parts.append("(" + " OR ".join(groups) + ")")
            expressions.append(" AND ".join(parts))

        # Counting needs no score, so the client's token joins the MATCH expression: FTS5
        # intersects the doclists without reading a row. Ranking filters on the UNINDEXED
        # column instead: with the token in the expression, bm25() would first count the
        # client's whole document list.
        key = f'client_key : "{_client_key(client_id)}"'

        def count(expression: str) -> int:
            return int(
                self._session.scalar(
                    text(
                        "SELECT count(*) FROM (SELECT 1 FROM kb_search WHERE kb_search "
                        "MATCH :m LIMIT :cap)"
                    ),
                    {"m": f"{key} AND ({expression})", "cap": RANKED_ROWS + 1},
                )
                or 0
            )

        rows = self._session.execute(
            text(
                "SELECT article_id, title, -bm25(kb_search, 0, 0, 0, 2.0, 1.0, 2.0) AS score, "
                f"snippet(kb_search, 4, '**', '**', '…', {_SNIPPET_WORDS}) AS snippet "
                "FROM kb_search WHERE kb_search MATCH :m AND client_id = :c "
                "ORDER BY bm25(kb_search, 0, 0, 0, 2.0, 1.0, 2.0), article_id LIMIT :n"
            ),
            {"m": _choose_level(expressions, count, limit), "c": client_id, "n": limit},
        )
        return [SearchHit(r.article_id, r.title, float(r.score), r.snippet or "") for r in rows]


def _pg_lexeme(word: str) -> str:
    # Words are letters and digits only (see kpo.knowledge.text.words); quoting keeps
    # to_tsquery from reading them as operators.
    return "'" + word.replace("'", "") + "'"


class PostgresArticleIndex:
    """Table ``kb_search`` with a generated weighted ``tsvector`` and a GIN index."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, articles: Sequence[Article]) -> None:
        searchable = [a for a in articles if a.is_searchable]
        hidden = [a for a in articles if not a.is_searchable]
        for article in hidden:
            self.remove(article.client_id, [article.id])
        if not searchable:
            return
        self._session.execute(
            text(
                "INSERT INTO kb_search (client_id, article_id, title, body, tags) "
                "VALUES (:client_id, :article_id, :title, :body, :tags) "
                "ON CONFLICT (client_id, article_id) DO UPDATE SET title = excluded.title, "
                "body = excluded.body, tags = excluded.tags"
            ),
            [
                {
                    "client_id": a.client_id,
                    "article_id": a.id,
                    "title": a.title,
                    "body": a.body,
                    "tags": _tags_text(a),
                }
                for a in searchable
            ],
        )

    def remove(self, client_id: str, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        if ids:
            self._session.execute(
                text("DELETE FROM kb_search WHERE client_id = :c AND article_id = ANY(:ids)"),
                {"c": client_id, "ids": ids},
            )

    def clear(self, client_id: str) -> None:
        self._session.execute(text("DELETE FROM kb_search WHERE client_id = :c"), {"c": client_id})

    def search(self, client_id: str, query: ParsedQuery, *, limit: int) -> list[SearchHit]:
        if query.is_empty or limit <= 0:
            return []
        phrases = ["(" + " <-> ".join(_pg_lexeme(w) for w in p) + ")" for p in query.phrases]

        def term(word: str) -> str:
            return _pg_lexeme(word[:-1]) + ":*" if word.endswith("*") else _pg_lexeme(word)

        expressions = []
        for level in query.match_levels() or [[]]:
            groups = ["(" + " & ".join(term(t) for t in group) + ")" for group in level]
            parts = list(phrases)
            if groups:
                parts.append("(" + " | ".join(groups) + ")")
            expressions.append(" & ".join(parts))

        def count(expression: str) -> int:
            return int(
                self._session.scalar(
                    text(
                        "SELECT count(*) FROM (SELECT 1 FROM kb_search WHERE client_id = :c "
                        "AND document @@ to_tsquery('english', :q) LIMIT :cap) AS found"
                    ),
                    {"q": expression, "c": client_id, "cap": RANKED_ROWS + 1},
                )
                or 0
            )

        rows = self._session.execute(
            text(
                "SELECT hit.article_id, hit.title, hit.score, ts_headline('english', hit.body, "
                "hit.q, 'StartSel=**, StopSel=**, MaxFragments=1, FragmentDelimiter=…, "
                f"MaxWords={_SNIPPET_WORDS}, MinWords=8') AS snippet FROM ("
                " SELECT article_id, title, body, q, ts_rank_cd(document, q) AS score"
                " FROM kb_search, to_tsquery('english', :q) AS q"
                " WHERE client_id = :c AND document @@ q"
                " ORDER BY score DESC, article_id LIMIT :n) AS hit "
                "ORDER BY hit.score DESC, hit.article_id"
            ),
            {"q": _choose_level(expressions, count, limit), "c": client_id, "n": limit},
        )
        return [SearchHit(r.article_id, r.title, float(r.score), r.snippet or "") for r in rows]


def _choose_level(expressions: list[str], count: Callable[[str], int], limit: int) -> str:
    """The loosest match level (any word) whose matches can be ranked cheaply.

    ``expressions`` go from strictest (all words) to loosest (any word). Ranking costs per
    matching row, so the loosest level with at most :data:`RANKED_ROWS` matches is ranked —
    plain BM25 over every match in any base of that size. When that level has fewer than
    ``limit`` matches, the next looser one is ranked instead (costlier, rare).
    """
    if len(expressions) == 1:
        return expressions[0]
    for position in range(len(expressions) - 1, -1, -1):
        found = count(expressions[position])
        if found <= RANKED_ROWS:
            if found < limit and position < len(expressions) - 1:
                return expressions[position + 1]
            return expressions[position]
    return expressions[0]


def article_index_for(session: Session) -> SqliteArticleIndex | PostgresArticleIndex:
    """The index implementation for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return SqliteArticleIndex(session)
    if dialect == "postgresql":
        return PostgresArticleIndex(session)
    raise NotImplementedError(f"no full-text index for the {dialect} database")
