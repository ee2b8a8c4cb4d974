"""The routing service against a real database: rebuild, route, store, explain."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from kpo.adapters.db.engine import migrate
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.bootstrap import calendar_for, holidays_for
from kpo.domain.work_items import WorkItemState
from kpo.routing.explain import Trigger
from kpo.services.routing import build_router, explain_item, route_queued
from tests import factories

NOW = datetime(2026, 10, 22, 9, 0, tzinfo=UTC)  # Thursday 11:00 in Warsaw: on shift


@pytest.fixture
def uow(engine: Engine) -> SqlUnitOfWork:
    migrate(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        for skill in ("card_disputes", "payments"):
            uow.skills.add(skill)
        uow.clients.add(factories.client())
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.specialists.add(factories.specialist())
        uow.work_items.add(factories.work_item(id="W1", created_at=NOW))
        uow.work_items.add(factories.work_item(id="W2", created_at=NOW))
        uow.commit()
    return uow


def test_rebuild_route_and_store_decisions_and_events(uow: SqlUnitOfWork) -> None:
    router = build_router(uow, NOW, holidays_for, calendar_for=calendar_for)
    result = route_queued(uow, router, NOW)
    assert (result.offered, result.queued) == (1, 1)
    with uow:
        first = uow.work_items.get("W1")
        assert first is not None
        assert first.state is WorkItemState.OFFERED
        assert first.specialist_id == "krakow-001"
        names = [name for name, _, _ in uow.events.for_item("W1")]
        assert names == ["ItemStateChanged", "ItemOffered"]
    item, decisions = explain_item(uow, "W1")
    assert item.id == "W1"
    (decision,) = decisions
    assert decision.trigger is Trigger.RESTORED
    assert decision.winner == "krakow-001"
    assert decision.candidates[0].specialist_id == "krakow-001"
    assert decision.eligible_count == 1


def test_a_rebuilt_router_knows_who_holds_what(uow: SqlUnitOfWork) -> None:
    route_queued(uow, build_router(uow, NOW, holidays_for, calendar_for=calendar_for), NOW)
    again = build_router(uow, NOW, holidays_for, calendar_for=calendar_for)
    assert again.held("krakow-001") == {"W1": WorkItemState.OFFERED}
    assert again.queued() == 1


def test_a_rebuilt_router_does_not_offer_an_item_back_to_who_refused_it(
    uow: SqlUnitOfWork,
) -> None:
    router = build_router(uow, NOW, holidays_for, calendar_for=calendar_for)
    route_queued(uow, router, NOW)
    router.reject("W1", specialist_id="krakow-001", now=NOW)  # W2 is offered instead
    with uow:
        for item_id in ("W1", "W2"):
            live = router.find(item_id)
            assert live is not None
            uow.work_items.save(live)
        uow.events.append(router.drain_events())
        uow.commit()
        assert uow.events.refused_offers() == {"W1": {"krakow-001"}}
    router.reject("W2", specialist_id="krakow-001", now=NOW)  # not stored: forgotten
    again = build_router(uow, NOW, holidays_for, calendar_for=calendar_for)
    again.reject("W2", specialist_id="krakow-001", now=NOW)
    assert again.rebalance(now=NOW) == 0  # W1 was refused before the restart, W2 just now
    assert again.queued() == 2
