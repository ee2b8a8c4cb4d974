from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from kpo.adapters.db.engine import migrate
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.domain.money import Money
from kpo.domain.specialists import SpecialistStatus
from kpo.domain.work_items import WorkItemState
from tests import factories


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
        uow.commit()
    return uow


def test_round_trips_every_entity(uow: SqlUnitOfWork) -> None:
    specialist = factories.specialist(
        hourly_cost=Money(Decimal("24.125"), "USD"), employment_end=date(2027, 1, 31)
    )
    with uow:
        uow.specialists.add(specialist)
        uow.work_items.add(factories.work_item())
        uow.commit()
    with uow:
        assert uow.clients.get("acme") == factories.client()
        assert uow.vendors.get("krakow") == factories.vendor()
        assert uow.service_lines.get("acme-disputes") == factories.service_line()
        assert uow.specialists.get(specialist.id) == specialist
        loaded = uow.work_items.get("W000001")
        assert loaded == factories.work_item()
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert uow.specialists.get("nobody") is None


def test_decimal_keeps_its_scale_exactly(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.specialists.add(factories.specialist(hourly_cost=Money(Decimal("0.10"), "USD")))
        uow.commit()
    with uow:
        loaded = uow.specialists.get("krakow-001")
        assert loaded is not None
        assert str(loaded.hourly_cost.amount) == "0.10"


def test_saves_state_changes_and_history(uow: SqlUnitOfWork) -> None:
    t0 = datetime(2026, 10, 23, 14, 30, tzinfo=UTC)
    with uow:
        uow.specialists.add(factories.specialist())
        uow.work_items.add(factories.work_item())
        uow.commit()
    with uow:
        item = uow.work_items.get("W000001")
        assert item is not None
        item.offer(specialist_id="krakow-001", at=t0 + timedelta(minutes=1))
        item.accept(at=t0 + timedelta(minutes=2))
        uow.work_items.save(item)
        uow.events.append(item.events)
        uow.commit()
    with uow:
        item = uow.work_items.get("W000001")
        assert item is not None
        item.start(at=t0 + timedelta(minutes=3))
        uow.work_items.save(item)
        uow.commit()
    with uow:
        item = uow.work_items.get("W000001")
        assert item is not None
        assert item.state is WorkItemState.IN_PROGRESS
        assert item.specialist_id == "krakow-001"
        assert [t.to_state for t in item.transitions] == [
            WorkItemState.OFFERED,
            WorkItemState.ASSIGNED,
            WorkItemState.IN_PROGRESS,
        ]
        assert [name for name, _, _ in uow.events.for_item("W000001")] == [
            "ItemStateChanged",
            "ItemStateChanged",
            "ItemAssigned",
        ]
        assert uow.work_items.all(state=WorkItemState.IN_PROGRESS)[0].id == "W000001"
        assert uow.work_items.all(state=WorkItemState.QUEUED) == []


def test_specialist_update_replaces_children(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.specialists.add(factories.specialist())
        uow.commit()
    with uow:
        person = uow.specialists.get("krakow-001")
        assert person is not None
        person.skills = {"payments": 5}
        person.status = SpecialistStatus.OFFLINE
        uow.specialists.save(person)
        uow.commit()
    with uow:
        person = uow.specialists.get("krakow-001")
        assert person is not None
        assert person.skills == {"payments": 5}
        assert person.status is SpecialistStatus.OFFLINE
        assert uow.specialists.all(vendor_id="krakow") == [person]


def test_leaving_without_commit_rolls_back(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.specialists.add(factories.specialist())
    with uow:
        assert uow.specialists.count() == 0


def test_foreign_keys_are_enforced(uow: SqlUnitOfWork) -> None:
    def add_orphan() -> None:
        with uow:
            uow.specialists.add(factories.specialist(vendor_id="nowhere"))
            uow.commit()

    with pytest.raises(IntegrityError):
        add_orphan()


def test_bulk_insert_beyond_one_chunk(uow: SqlUnitOfWork) -> None:
    items = [factories.work_item(id=f"W{n:06d}") for n in range(1, 1203)]
    with uow:
        uow.work_items.add_many(items)
        uow.commit()
    with uow:
        assert uow.work_items.count() == 1202
        assert len(uow.work_items.all(service_line_id="acme-disputes")) == 1202


def test_routing_policy_is_stored_and_cleared(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.service_lines.set_routing_policy("acme-disputes", '[{"ranking": "cost_sla"}]')
        uow.commit()
    with uow:
        line = uow.service_lines.get("acme-disputes")
        assert line is not None
        assert line.routing_policy == '[{"ranking": "cost_sla"}]'
        uow.service_lines.set_routing_policy("acme-disputes", None)
        uow.commit()
    with uow:
        line = uow.service_lines.get("acme-disputes")
        assert line is not None
        assert line.routing_policy is None
