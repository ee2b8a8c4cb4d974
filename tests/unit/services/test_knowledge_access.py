"""Who reads and edits whose knowledge, and resolution recording, against the fakes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kpo.domain.access import Actor, Role
from kpo.domain.errors import Forbidden, NotFound, ValidationError
from kpo.domain.knowledge import ArticleStatus
from kpo.domain.work_items import WorkItemState
from kpo.services import knowledge
from kpo.services.knowledge_access import editable_client, readable_client
from kpo.services.work_items import resolve_item
from tests import factories
from tests.fakes import FakeUnitOfWork

T0 = factories.T0
ACME = Actor(Role.CLIENT, "acme")
GLOBEX = Actor(Role.CLIENT, "globex")
VENDOR = Actor(Role.VENDOR, "krakow")
SPECIALIST = Actor(Role.SPECIALIST, "krakow-001", "krakow")
NOTE = "Refunds to a closed card go back to the current account within five days."


class Clock:
    def now(self) -> datetime:
        return T0 + timedelta(hours=1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.clients.add(factories.client())
        uow.clients.add(factories.client(id="globex", name="Globex"))
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.specialists.add(factories.specialist())
        uow.commit()
    knowledge.create_draft(
        uow, ACME, "acme", article_id="faq", title="FAQ", body="", author="a", at=T0
    )
    knowledge.publish_article(uow, ACME, "acme", "faq")
    knowledge.create_draft(
        uow, ACME, "acme", article_id="wip", title="WIP", body="", author="a", at=T0
    )
    return uow


def _hold_item(uow: FakeUnitOfWork, item_id: str = "W1") -> None:
    item = factories.work_item(id=item_id)
    item.offer(specialist_id="krakow-001", at=T0)
    item.accept(at=T0 + timedelta(minutes=1))
    with uow:
        uow.work_items.add(item)
        uow.commit()


def _scope(uow: FakeUnitOfWork, actor: Actor, client: str = "acme") -> bool:
    with uow:
        return readable_client(uow, actor, client).edits


def test_the_client_and_the_operator_edit_others_are_not_told_it_exists(
    uow: FakeUnitOfWork,
) -> None:
    assert _scope(uow, ACME)
    assert _scope(uow, Actor.operator())
    for outsider in (GLOBEX, VENDOR, SPECIALIST):
        with pytest.raises(NotFound, match="client 'acme' does not exist"):
            _scope(uow, outsider)
    with pytest.raises(NotFound, match="client 'nobody' does not exist"):
        _scope(uow, ACME, "nobody")


def test_vendors_and_specialists_read_the_published_knowledge_of_clients_they_serve(
    uow: FakeUnitOfWork,
) -> None:
    _hold_item(uow)
    assert not _scope(uow, VENDOR)
    assert not _scope(uow, SPECIALIST)
    for reader in (VENDOR, SPECIALIST):
        assert [a.id for a in knowledge.list_articles(uow, reader, "acme")] == ["faq"]
        assert knowledge.list_articles(uow, reader, "acme", status=ArticleStatus.DRAFT) == []
        with pytest.raises(NotFound):
            knowledge.get_article(uow, reader, "acme", "wip")
        with pytest.raises(Forbidden):
            knowledge.publish_article(uow, reader, "acme", "wip")
    with uow, pytest.raises(Forbidden):
        editable_client(uow, VENDOR, "acme")


def test_resolving_records_the_resolution_and_proposes_a_draft(uow: FakeUnitOfWork) -> None:
    _hold_item(uow)
    item = resolve_item(uow, SPECIALIST, "W1", clock=Clock(), note=NOTE)
    assert item.state is WorkItemState.RESOLVED
    draft = knowledge.get_article(uow, ACME, "acme", "draft-W1")
    assert (draft.status, draft.source_item_id, draft.current.author) == (
        ArticleStatus.DRAFT,
        "W1",
        "krakow-001",
    )
    with uow:
        assert uow.resolutions.exists("W1")


def test_resolving_with_an_unknown_article_changes_nothing(uow: FakeUnitOfWork) -> None:
    _hold_item(uow)
    with pytest.raises(ValidationError) as error:
        resolve_item(uow, SPECIALIST, "W1", clock=Clock(), note=NOTE, helped=["nope"])
    assert error.value.field == "article_ids"
    with uow:
        stored = uow.work_items.get("W1")
        assert stored is not None
        assert stored.state is WorkItemState.ASSIGNED
        assert not uow.resolutions.exists("W1")
    resolve_item(uow, SPECIALIST, "W1", clock=Clock(), note=NOTE, helped=["faq", "faq"])
    with pytest.raises(NotFound):
        knowledge.get_article(uow, ACME, "acme", "draft-W1")
