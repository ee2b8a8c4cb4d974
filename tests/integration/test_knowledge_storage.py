"""Knowledge-base storage and full-text search on SQLite (FTS5) and PostgreSQL: one contract."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from kpo.adapters.db.engine import migrate
from kpo.adapters.db.knowledge import SqlArticleRepository
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.domain.access import Actor
from kpo.domain.errors import Conflict, KpoError
from kpo.domain.knowledge import Article, ArticleStatus
from kpo.knowledge.vectors import LineVectors
from kpo.services import knowledge
from kpo.services.knowledge_io import export_articles, import_articles
from kpo.services.tabular import ImportFailed
from tests import factories

T0 = factories.T0

ARTICLES: list[dict[str, object]] = [
    {
        "id": "card-arrival",
        "title": "My card has not arrived",
        "body": "Cards arrive within 5 working days.\nTrack the delivery in the app.",
        "tags": ["cards"],
    },
    {
        "id": "reset-password",
        "title": "Reset a forgotten password",
        "body": "Open the login page and choose *Forgot password*. A reset link is emailed.",
        "tags": ["login"],
    },
    {
        "id": "card-fees",
        "title": "Card fees",
        "body": "Replacing a lost card costs 5 EUR. Delivery of the card is free.",
        "tags": ["cards", "fees"],
    },
    {
        "id": "ATM/cash?",
        "title": "Cash withdrawal limits",
        "body": "You can withdraw up to 500 EUR a day at any ATM.",
        "tags": [],
    },
]

OPERATOR = Actor.operator()


def _jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def uow(engine: Engine, tmp_path: Path) -> SqlUnitOfWork:
    migrate(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        uow.clients.add(factories.client())
        uow.clients.add(factories.client(id="globex", name="Globex"))
        uow.commit()
    import_articles(uow, "Acme Bank", _jsonl(tmp_path / "a.jsonl", ARTICLES[:3]), at=T0)
    return uow


def test_ids_are_kept_even_with_odd_characters(uow: SqlUnitOfWork, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "odd.jsonl", [{**ARTICLES[3], "id": "ATM-cash?#1"}])
    import_articles(uow, "acme", path, at=T0)
    with uow:
        assert "ATM-cash?#1" in uow.articles.ids("acme")


def test_search_ranks_matching_articles_first(uow: SqlUnitOfWork) -> None:
    hits = knowledge.search_articles(uow, OPERATOR, "acme", "my card did not arrive", limit=10)
    assert hits[0].article_id == "card-arrival"
    assert {h.article_id for h in hits} <= {"card-arrival", "card-fees"}
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert "**" in hits[0].snippet or hits[0].snippet == ""


def test_phrase_must_occur_and_prefix_matches_word_starts(uow: SqlUnitOfWork) -> None:
    hits = knowledge.search_articles(uow, OPERATOR, "acme", '"reset link"', limit=10)
    assert [h.article_id for h in hits] == ["reset-password"]
    assert knowledge.search_articles(uow, OPERATOR, "acme", '"link reset"', limit=10) == []
    prefixed = knowledge.search_articles(uow, OPERATOR, "acme", "passw*", limit=10)
    assert [h.article_id for h in prefixed] == ["reset-password"]


def test_snippets_highlight_matches(uow: SqlUnitOfWork) -> None:
    hits = knowledge.search_articles(uow, OPERATOR, "acme", "emailed", limit=1)
    assert "**emailed**" in hits[0].snippet


def test_stop_words_only_and_punctuation_do_not_break_queries(uow: SqlUnitOfWork) -> None:
    knowledge.search_articles(uow, OPERATOR, "acme", 'AND OR NOT ( ) : * "', limit=5)
    knowledge.search_articles(uow, OPERATOR, "acme", "how do I", limit=5)
    assert knowledge.search_articles(uow, OPERATOR, "acme", "   ", limit=5) == []


def test_a_client_never_sees_another_clients_articles(uow: SqlUnitOfWork, tmp_path: Path) -> None:
    other = [{**ARTICLES[0], "title": "Globex card delivery", "id": "g1"}]
    import_articles(uow, "globex", _jsonl(tmp_path / "g.jsonl", other), at=T0)
    acme = knowledge.search_articles(uow, OPERATOR, "acme", "card delivery", limit=10)
    globex = knowledge.search_articles(uow, OPERATOR, "globex", "card delivery", limit=10)
    assert "g1" not in {h.article_id for h in acme}
    assert [h.article_id for h in globex] == ["g1"]
    assert [r["id"] for r in export_articles(uow, "globex")] == ["g1"]


def test_archive_removes_from_search_and_restore_brings_back(uow: SqlUnitOfWork) -> None:
    knowledge.archive_article(uow, OPERATOR, "acme", "reset-password")
    assert knowledge.search_articles(uow, OPERATOR, "acme", "password", limit=5) == []
    knowledge.restore_article(uow, OPERATOR, "acme", "reset-password")
    assert [
        h.article_id for h in knowledge.search_articles(uow, OPERATOR, "acme", "password", limit=5)
    ] == ["reset-password"]


def test_revision_is_versioned_and_reindexed(uow: SqlUnitOfWork) -> None:
    knowledge.revise_article(
        uow,
        OPERATOR,
        "acme",
        "card-fees",
        author="maria",
        at=T0 + timedelta(days=1),
        body="Replacement cards are free of charge since 2026.",
    )
    article = knowledge.get_article(uow, OPERATOR, "acme", "card-fees")
    assert [v.number for v in article.versions] == [1, 2]
    assert article.versions[1].author == "maria"
    assert (
        knowledge.search_articles(uow, OPERATOR, "acme", "charge", limit=5)[0].article_id
        == "card-fees"
    )
    assert knowledge.search_articles(uow, OPERATOR, "acme", "EUR", limit=5) == []


def test_export_import_round_trip_keeps_ids_versions_and_status(
    uow: SqlUnitOfWork, tmp_path: Path
) -> None:
    knowledge.revise_article(
        uow, OPERATOR, "acme", "card-fees", author="maria", at=T0 + timedelta(hours=2), title="Fees"
    )
    knowledge.archive_article(uow, OPERATOR, "acme", "card-arrival")
    exported = export_articles(uow, "acme")
    path = _jsonl(tmp_path / "export.jsonl", exported)
    result = import_articles(uow, "Initech", path, at=T0 + timedelta(days=3))
    assert result.client_created
    assert export_articles(uow, "Initech") == exported
    moved = knowledge.get_article(uow, OPERATOR, "Initech", "card-fees")
    assert [(v.number, v.author) for v in moved.versions] == [(1, "import"), (2, "maria")]
    assert (
        knowledge.get_article(uow, OPERATOR, "Initech", "card-arrival").status
        is ArticleStatus.ARCHIVED
    )


def test_bad_file_imports_nothing_and_names_line_and_field(
    uow: SqlUnitOfWork, tmp_path: Path
) -> None:
    rows: list[dict[str, object]] = [
        {"id": "new-1", "title": "Fine", "body": "", "tags": []},
        {"id": "new-2", "title": "", "body": "x", "tags": []},
        {"id": "new-3", "title": "T", "tags": "cards"},
    ]
    path = _jsonl(tmp_path / "bad.jsonl", rows)
    with path.open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(ImportFailed) as caught:
        import_articles(uow, "acme", path, at=T0)
    text = str(caught.value)
    assert "line 2, field 'title'" in text
    assert "line 3, field 'tags'" in text
    assert "line 4: not valid JSON" in text
    with uow:
        assert "new-1" not in uow.articles.ids("acme")


def test_unknown_client_is_a_clear_error(uow: SqlUnitOfWork) -> None:
    with pytest.raises(KpoError, match="client 'nobody' does not exist"):
        knowledge.search_articles(uow, OPERATOR, "nobody", "card", limit=5)


def test_embeddings_round_trip_and_go_stale_with_a_new_version(uow: SqlUnitOfWork) -> None:
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    with uow:
        uow.embeddings.put("acme", "m", [LineVectors("card-fees", 1, vectors)])
        uow.commit()
    with uow:
        (loaded,) = uow.embeddings.load("acme", "m", dimension=3)
        assert np.array_equal(loaded.vectors, vectors)
        assert uow.embeddings.versions("acme", "m") == {"card-fees": 1}
    knowledge.revise_article(
        uow, OPERATOR, "acme", "card-fees", author="x", at=T0 + timedelta(1), body="b"
    )
    with uow:
        assert uow.embeddings.load("acme", "m", dimension=3) == []


def test_new_article_is_a_draft_until_published(uow: SqlUnitOfWork) -> None:
    draft = knowledge.create_draft(
        uow,
        OPERATOR,
        "acme",
        article_id="pin-change",
        title="Change your PIN",
        body="Any ATM lets you change the PIN.",
        author="li",
        at=T0,
    )
    assert isinstance(draft, Article)
    assert knowledge.search_articles(uow, OPERATOR, "acme", "PIN", limit=5) == []
    knowledge.publish_article(uow, OPERATOR, "acme", "pin-change")
    assert (
        knowledge.search_articles(uow, OPERATOR, "acme", "PIN", limit=5)[0].article_id
        == "pin-change"
    )


def test_common_words_rank_the_stricter_level_counted_per_client(
    uow: SqlUnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpo.adapters.search import fulltext

    # Three acme articles mention "card", one also "arrived": with at most 2 rows to rank,
    # any-word matching (3 rows) is too many, both words (1 row) too few, so any word is
    # ranked after all; with one more acme article of both words, the stricter level wins.
    monkeypatch.setattr(fulltext, "RANKED_ROWS", 2)
    extra = [{"id": "late", "title": "Card arrived late", "body": "It arrived late."}]
    import_articles(uow, "acme", _jsonl(tmp_path / "late.jsonl", extra), at=T0)
    # Many globex articles with both words must not count towards acme's levels.
    globex = [{"id": f"g{n}", "title": "Card arrived", "body": "card arrived"} for n in range(5)]
    import_articles(uow, "globex", _jsonl(tmp_path / "g.jsonl", globex), at=T0)
    strict = knowledge.search_articles(uow, OPERATOR, "acme", "card arrived", limit=2)
    assert {h.article_id for h in strict} == {"card-arrival", "late"}
    assert all(h.article_id != "card-fees" for h in strict)


def _draft(uow: SqlUnitOfWork, article_id: str) -> Article:
    return knowledge.create_draft(
        uow, OPERATOR, "acme", article_id=article_id, title="T", body="B", author="li", at=T0
    )


def test_an_article_stored_after_the_check_is_a_conflict(
    uow: SqlUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests creating the same id at once: both checks find nothing, the second
    insert breaks the key — a 409 conflict, not a 500."""
    _draft(uow, "pin-change")
    with uow:  # the repository itself, asked twice
        again = Article.create(
            client_id="acme", article_id="pin-change", title="T", body="B", author="li", at=T0
        )
        with pytest.raises(Conflict, match="pin-change"):
            uow.articles.add(again)
    # The service, as if the other request committed between its check and its insert.
    monkeypatch.setattr(SqlArticleRepository, "get", lambda _self, _client, _article: None)
    with pytest.raises(Conflict, match="pin-change"):
        _draft(uow, "pin-change")
    monkeypatch.undo()
    with uow:
        stored = uow.articles.get("acme", "pin-change")
    assert stored is not None
    assert len(stored.versions) == 1
