"""The API's storage on SQLite and PostgreSQL: keys, idempotency records, the webhook outbox
written with the events, claims, pages of items."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from kpo.adapters.db.engine import migrate
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.domain.access import ApiKey, Role, hash_secret
from kpo.domain.idempotency import IdempotencyRecord
from kpo.domain.queries import ItemQuery
from kpo.domain.webhooks import DeliveryStatus, Subscription
from kpo.domain.work_items import WorkItemState
from tests import factories
from tests.factories import T0


@pytest.fixture
def uow(engine: Engine) -> SqlUnitOfWork:
    migrate(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        for skill in ("card_disputes", "payments"):
            uow.skills.add(skill)
        uow.clients.add(factories.client())
        uow.clients.add(factories.client(id="globex", name="Globex"))
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.service_lines.add(factories.service_line(id="globex-it", client_id="globex"))
        uow.specialists.add(factories.specialist())
        uow.commit()
    return uow


def _subscription(sub_id: str, role: str, owner: str, types: frozenset[str]) -> Subscription:
    return Subscription(sub_id, role, owner, f"https://{owner}.example", types, "s", T0)


def test_events_write_outbox_rows_for_interested_owners(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.webhooks.add(_subscription("a", "client", "acme", frozenset({"*"})))
        uow.webhooks.add(_subscription("g", "client", "globex", frozenset({"*"})))
        uow.webhooks.add(_subscription("k", "vendor", "krakow", frozenset({"ItemAssigned"})))
        item = factories.work_item()
        item.record_queued()
        item.offer(specialist_id="krakow-001", at=T0)
        item.accept(at=T0)
        uow.work_items.add(item)
        uow.events.append(item.events)
        uow.commit()
    with uow:
        acme = uow.webhooks.deliveries("a", limit=10)
        assert sorted(d.event_name for d in acme) == [
            "ItemAssigned",
            "ItemQueued",
            "ItemStateChanged",
            "ItemStateChanged",
        ]
        assert uow.webhooks.deliveries("g", limit=10) == []
        [vendor] = uow.webhooks.deliveries("k", limit=10)
        assert vendor.event_name == "ItemAssigned"
        assert vendor.event_id in {d.event_id for d in acme}  # one id per event, all copies


def test_claims_hold_rows_until_released(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.webhooks.add(_subscription("a", "client", "acme", frozenset({"*"})))
        item = factories.work_item()
        item.record_queued()
        uow.work_items.add(item)
        uow.events.append(item.events)
        uow.commit()
    with uow:
        [claimed] = uow.webhooks.claim_due(T0, limit=10, lease_until=T0 + timedelta(minutes=2))
        uow.commit()
    with uow:
        assert uow.webhooks.claim_due(T0, limit=10, lease_until=T0) == []
        assert uow.webhooks.pending_count() == 1
        uow.webhooks.record(claimed.succeeded(at=T0, status=204))
        uow.commit()
    with uow:
        assert uow.webhooks.pending_count() == 0
        [done] = uow.webhooks.deliveries("a", limit=1)
        assert (done.status, done.attempts, done.last_status) == (DeliveryStatus.DELIVERED, 1, 204)


def test_keys_and_idempotency_records_round_trip(uow: SqlUnitOfWork) -> None:
    salt = b"0123456789abcdef"
    key = ApiKey(
        "k1", Role.SPECIALIST, "krakow-001", salt, hash_secret("x", salt), T0, "n", "krakow"
    )
    record = IdempotencyRecord("k1", "i-1", "f" * 64, T0, T0 + timedelta(seconds=30))
    with uow:
        uow.api_keys.add(key)
        uow.idempotency.add(record)
        uow.commit()
    with uow:
        assert uow.api_keys.get("k1") == key
        uow.api_keys.revoke("k1", T0)
        uow.idempotency.save(
            replace(record, committed=True, response_status=201, response_body="{}")
        )
        uow.commit()
    with uow:
        assert uow.api_keys.all()[0].revoked_at == T0
        stored = uow.idempotency.get("k1", "i-1")
        assert stored is not None
        assert (stored.committed, stored.response_status) == (True, 201)


def test_pages_filter_by_owner_and_continue_after_a_cursor(uow: SqlUnitOfWork) -> None:
    with uow:
        items = [
            factories.work_item(id=f"W{n}", created_at=T0 + timedelta(minutes=n // 2))
            for n in range(6)
        ]
        items.append(factories.work_item(id="G1", service_line_id="globex-it"))
        items[0].offer(specialist_id="krakow-001", at=T0)
        uow.work_items.add_many(items)
        uow.commit()
    with uow:
        first = uow.work_items.page(ItemQuery(client_id="acme", limit=4))
        assert [i.id for i in first] == ["W0", "W1", "W2", "W3"]
        last = first[-1]
        rest = uow.work_items.page(ItemQuery(client_id="acme", after=(last.created_at, last.id)))
        assert [i.id for i in rest] == ["W4", "W5"]
        assert [i.id for i in uow.work_items.page(ItemQuery(vendor_id="krakow"))] == ["W0"]
        offered = ItemQuery(state=WorkItemState.OFFERED, specialist_id="krakow-001")
        assert [i.id for i in uow.work_items.page(offered)] == ["W0"]
        owner = uow.work_items.ownership("W0")
        assert owner is not None
        assert (owner.client_id, owner.vendor_id) == ("acme", "krakow")
        assert uow.work_items.state_counts()[("acme-disputes", WorkItemState.QUEUED)] == 5
