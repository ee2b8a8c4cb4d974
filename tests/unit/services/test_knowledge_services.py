"""Knowledge-base services against the in-memory fakes (a bag-of-words fake embedder stands in
for the sentence-embedding model)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from kpo.domain.access import Actor
from kpo.domain.errors import NotFound, ValidationError
from kpo.domain.knowledge import ArticleStatus
from kpo.domain.work_items import WorkItem
from kpo.services import knowledge
from kpo.services.knowledge_io import export_articles, import_articles
from kpo.services.suggestions import (
    Mode,
    SemanticUnavailable,
    index_embeddings,
    load_base,
    start_indexing,
    suggest,
    suggest_for_item,
)
from tests import factories
from tests.fakes import FakeEmbedder, FakeUnitOfWork

T0 = factories.T0

BANK = [
    ("card-arrival", "Card arrival", ["My card has not arrived yet", "When will my card come"]),
    ("pin-blocked", "PIN blocked", ["My PIN is blocked", "I typed the wrong PIN three times"]),
    ("exchange", "Exchange rate", ["Which exchange rate do you use", "I got a bad rate"]),
    ("top-up", "Top up", ["How do I top up by transfer", "My top up has not shown"]),
]

OPERATOR = Actor.operator()


def _write(path: Path, rows: list[tuple[str, str, list[str]]]) -> Path:
    lines = [
        json.dumps({"id": i, "title": t, "body": "\n".join(body), "tags": ["bank"]})
        for i, t, body in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def uow(tmp_path: Path) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    import_articles(uow, "Acme Bank", _write(tmp_path / "bank.jsonl", BANK), at=T0)
    return uow


def test_import_creates_the_missing_client_and_says_so(tmp_path: Path) -> None:
    uow = FakeUnitOfWork()
    result = import_articles(uow, "Acme Bank", _write(tmp_path / "b.jsonl", BANK), at=T0)
    assert result.client_created
    assert result.client.id == "acme-bank"
    assert result.added == 4
    again = import_articles(uow, "acme bank", _write(tmp_path / "b.jsonl", BANK), at=T0)
    assert not again.client_created
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_reimport_with_changed_content_adds_a_version(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    changed = [(i, t + " (new)", b) for i, t, b in BANK[:1]]
    result = import_articles(
        uow, "acme-bank", _write(tmp_path / "c.jsonl", changed), at=T0 + timedelta(days=1)
    )
    assert result.updated == 1
    (record,) = [r for r in export_articles(uow, "acme-bank") if r["id"] == "card-arrival"]
    assert [v["title"] for v in record["versions"]] == ["Card arrival", "Card arrival (new)"]


def test_suggestions_hybrid_find_the_article_and_stay_silent_off_topic(
    uow: FakeUnitOfWork,
) -> None:
    embedder = FakeEmbedder()
    assert index_embeddings(lambda: uow, "acme-bank", embedder) == 4
    assert index_embeddings(lambda: uow, "acme-bank", embedder) == 0  # nothing stale
    base = load_base(uow, "acme-bank", mode=Mode.HYBRID, embedder=embedder)
    found = suggest(base, "Dispute: my new card has still not arrived")
    assert found.suggested[0].article_id == "card-arrival"
    assert len(found.ranked) <= 5
    off_topic = suggest(base, "Printer on floor 3 is out of toner again")
    assert off_topic.suggested == []
    assert off_topic.ranked  # ranked, but nothing clears the threshold


def test_semantic_modes_need_an_embedder(uow: FakeUnitOfWork) -> None:
    with pytest.raises(SemanticUnavailable, match=r"install openkpo\[semantic\]"):
        load_base(uow, "acme-bank", mode=Mode.SEMANTIC, embedder=None)
    lexical = load_base(uow, "acme-bank", mode=Mode.LEXICAL, embedder=None)
    assert suggest(lexical, "PIN blocked").suggested[0].article_id == "pin-blocked"


def test_suggestions_never_cross_clients(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    other = [("other-pin", "PIN help", ["Forgot PIN", "PIN blocked at the ATM"])]
    import_articles(uow, "Globex", _write(tmp_path / "g.jsonl", other), at=T0)
    base = load_base(uow, "acme-bank", mode=Mode.LEXICAL, embedder=None)
    ranked = suggest(base, "PIN blocked at the ATM", limit=10).ranked
    assert "other-pin" not in {r.article_id for r in ranked}
    assert {
        h.article_id for h in knowledge.search_articles(uow, OPERATOR, "globex", "PIN", limit=10)
    } == {"other-pin"}


def _resolved_item(uow: FakeUnitOfWork, item_id: str, specialist: str, hours: int) -> None:
    item: WorkItem = factories.work_item(
        id=item_id,
        created_at=T0 + timedelta(hours=hours),
        subject="Refund to a closed card",
        description="The customer's card was closed before the refund arrived.",
    )
    at = item.created_at
    item.offer(specialist_id=specialist, at=at + timedelta(minutes=1))
    item.accept(at=at + timedelta(minutes=2))
    item.start(at=at + timedelta(minutes=3))
    item.resolve(at=at + timedelta(minutes=30))
    with uow:
        uow.work_items.add(item)
        uow.commit()


@pytest.fixture
def desk(uow: FakeUnitOfWork) -> FakeUnitOfWork:
    with uow:
        client = uow.clients.get("acme-bank")
        assert client is not None
        uow.service_lines.add(factories.service_line(id="acme-disputes", client_id="acme-bank"))
        uow.commit()
    return uow


def test_capture_proposes_a_draft_that_is_reviewed_and_published(desk: FakeUnitOfWork) -> None:
    _resolved_item(desk, "W1", "ana", 0)
    result = knowledge.capture_resolution(
        desk,
        "W1",
        note="Refunds to a closed card go back to the customer's account within 5 days.",
        at=T0 + timedelta(hours=1),
    )
    assert result.draft is not None
    draft = knowledge.get_article(desk, OPERATOR, "acme-bank", "draft-W1")
    assert draft.status is ArticleStatus.DRAFT
    assert draft.current.author == "ana"
    assert draft.service_lines == ("acme-disputes",)
    hidden = knowledge.search_articles(desk, OPERATOR, "acme-bank", "refund closed card", limit=5)
    assert "draft-W1" not in {h.article_id for h in hidden}
    knowledge.revise_article(
        desk,
        OPERATOR,
        "acme-bank",
        "draft-W1",
        author="lead",
        at=T0 + timedelta(hours=2),
        title="Refunds",
    )
    knowledge.publish_article(desk, OPERATOR, "acme-bank", "draft-W1")
    hits = knowledge.search_articles(desk, OPERATOR, "acme-bank", "refund closed card", limit=5)
    assert hits[0].article_id == "draft-W1"


def test_capture_without_draft_when_an_article_helped_and_refuses_twice(
    desk: FakeUnitOfWork,
) -> None:
    _resolved_item(desk, "W2", "bo", 1)
    result = knowledge.capture_resolution(
        desk, "W2", note="Explained the exchange rate.", helped=["exchange"], at=T0
    )
    assert result.draft is None
    with pytest.raises(ValidationError, match="already recorded"):
        knowledge.capture_resolution(desk, "W2", note="again", at=T0)
    _resolved_item(desk, "W3", "bo", 2)
    with pytest.raises(ValidationError, match="do not exist"):
        knowledge.capture_resolution(desk, "W3", note="n", helped=["nope"], at=T0)


def test_capture_refuses_unresolved_items(desk: FakeUnitOfWork) -> None:
    with desk:
        desk.work_items.add(factories.work_item(id="W9"))
        desk.commit()
    with pytest.raises(ValidationError, match="once it is resolved"):
        knowledge.capture_resolution(desk, "W9", note="n", at=T0)


def test_report_on_a_small_known_history(desk: FakeUnitOfWork) -> None:
    for n, (who, helped) in enumerate(
        [("ana", ["exchange"]), ("ana", []), ("bo", ["top-up"]), ("ana", [])]
    ):
        _resolved_item(desk, f"W{n}", who, n)
        knowledge.capture_resolution(
            desk, f"W{n}", note="Resolved it for the customer today.", helped=helped, at=T0
        )
    report = knowledge.knowledge_report(
        desk, OPERATOR, "Acme Bank", start=T0, end=T0 + timedelta(days=1)
    )
    (line,) = report.coverage
    assert (line.service_line_id, line.resolved, line.with_article) == ("acme-disputes", 4, 2)
    risky = {(r.kind, r.name): r.specialists for r in report.turnover_risk}
    assert risky == {
        ("service_line", "acme-disputes"): ("ana", "bo"),
        ("skill", "card_disputes"): ("ana", "bo"),
    }
    assert (
        knowledge.knowledge_report(
            desk, OPERATOR, "acme-bank", start=T0, end=T0 + timedelta(days=1), max_specialists=1
        ).turnover_risk
        == []
    )


def test_background_indexing_reports_progress_then_suggests_for_a_stored_item(
    desk: FakeUnitOfWork,
) -> None:
    embedder = FakeEmbedder()
    job = start_indexing(lambda: desk, "acme-bank", embedder)
    job.join(timeout=30)
    assert job.finished
    assert (job.embedded, job.done, job.total) == (4, 4, 4)
    with desk:
        desk.work_items.add(
            factories.work_item(id="W7", subject="PIN blocked", description="Typed it wrong")
        )
        desk.commit()
    base = load_base(desk, "acme-bank", mode=Mode.HYBRID, embedder=embedder)
    assert suggest_for_item(desk, base, "W7").suggested[0].article_id == "pin-blocked"
    with pytest.raises(NotFound):
        suggest_for_item(desk, base, "W404")
