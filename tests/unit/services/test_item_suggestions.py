"""The per-process cache of loaded knowledge bases, against the fakes."""

from __future__ import annotations

from kpo.domain.access import Actor
from kpo.services import knowledge
from kpo.services.item_suggestions import KnowledgeBases
from kpo.services.suggestions import Mode
from tests import factories
from tests.fakes import FakeUnitOfWork

OPERATOR = Actor.operator()


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _base() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.clients.add(factories.client())
        uow.commit()
    return uow


def _publish(uow: FakeUnitOfWork, article_id: str, title: str) -> None:
    knowledge.create_draft(
        uow,
        OPERATOR,
        "acme",
        article_id=article_id,
        title=title,
        body=title,
        author="a",
        at=factories.T0,
    )
    knowledge.publish_article(uow, OPERATOR, "acme", article_id)


def test_a_base_is_kept_until_it_expires_or_is_invalidated() -> None:
    uow, ticks = _base(), Ticks()
    bases = KnowledgeBases(lambda: uow, embedder=lambda: None, ttl=60.0, monotonic=ticks)
    assert bases.mode is Mode.LEXICAL
    _publish(uow, "pin", "PIN blocked")
    first = bases.get("acme")
    _publish(uow, "card", "Card arrival")
    assert bases.get("acme") is first  # cached
    ticks.now = 61.0
    second = bases.get("acme")
    assert second is not first
    assert {a.article_id for a in second.index.articles} == {"pin", "card"}
    bases.invalidate("acme")
    assert bases.get("acme") is not second


def test_the_embedder_is_asked_once() -> None:
    asked: list[bool] = []

    def missing() -> None:
        asked.append(True)

    bases = KnowledgeBases(_base, embedder=missing)
    assert (bases.mode, bases.mode, bases.embedder) == (Mode.LEXICAL, Mode.LEXICAL, None)
    assert asked == [True]
