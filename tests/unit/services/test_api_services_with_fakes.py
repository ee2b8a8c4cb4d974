from datetime import datetime, timedelta

import pytest

from kpo.domain.access import Actor, Role
from kpo.domain.errors import (
    IdempotencyConflict,
    NotFound,
    RequestInProgress,
    Unauthenticated,
)
from kpo.domain.webhooks import Delivery, DeliveryStatus, PostResult
from kpo.services.api_keys import authenticate, create_api_key, revoke_api_key
from kpo.services.idempotency import LEASE, MarkingUnitOfWork, begin_request, finish_request
from kpo.services.webhooks import deliver_due, subscribe
from kpo.services.work_items import SubmitWorkItem, submit_work_item
from tests import factories
from tests.fakes import FakeUnitOfWork


class Clock:
    def __init__(self) -> None:
        self.at = factories.T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.clients.add(factories.client())
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.specialists.add(factories.specialist())
        uow.commit()
    return uow


def test_keys_authenticate_until_revoked(uow: FakeUnitOfWork) -> None:
    clock = Clock()
    created = create_api_key(uow, role=Role.SPECIALIST, org="krakow-001", clock=clock)
    assert authenticate(uow, created.key) == Actor(Role.SPECIALIST, "krakow-001", "krakow")
    assert created.key not in repr(uow.committed.api_keys)
    with pytest.raises(Unauthenticated):
        authenticate(uow, created.key[:-1] + "x")
    revoke_api_key(uow, created.record.id, clock=clock)
    with pytest.raises(Unauthenticated):
        authenticate(uow, created.key)


def test_keys_need_an_existing_organization(uow: FakeUnitOfWork) -> None:
    assert (
        create_api_key(uow, role=Role.CLIENT, org="Acme Bank", clock=Clock()).record.org_id
        == "acme"
    )
    with pytest.raises(NotFound):
        create_api_key(uow, role=Role.VENDOR, org="nobody", clock=Clock())


def test_idempotency_claims(uow: FakeUnitOfWork) -> None:
    clock = Clock()
    assert begin_request(uow, key_id="k", key="1", fingerprint="f", clock=clock).record is None
    with pytest.raises(RequestInProgress):
        begin_request(uow, key_id="k", key="1", fingerprint="f", clock=clock)
    with pytest.raises(IdempotencyConflict):
        begin_request(uow, key_id="k", key="1", fingerprint="other", clock=clock)
    clock.at += LEASE
    assert begin_request(uow, key_id="k", key="1", fingerprint="f", clock=clock).record is None
    marking = MarkingUnitOfWork(uow, key_id="k", key="1")
    marking.location = "/v1/work-items/x"
    submit_work_item(
        marking,
        Actor(Role.CLIENT, "acme"),
        SubmitWorkItem(service_line_id="acme-disputes", language="en", id="x"),
        clock=clock,
    )
    record = uow.committed.idempotency["k", "1"]
    assert (record.committed, record.location) == (True, "/v1/work-items/x")
    finish_request(uow, key_id="k", key="1", status=201, body="{}")
    replay = begin_request(uow, key_id="k", key="1", fingerprint="f", clock=clock).record
    assert replay is not None
    assert replay.response_status == 201


class FlakyTransport:
    def __init__(self, answers: list[PostResult]) -> None:
        self.answers = answers
        self.sent: list[dict[str, str]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        self.sent.append(headers)
        return self.answers.pop(0)


def test_deliveries_retry_then_succeed(uow: FakeUnitOfWork) -> None:
    clock = Clock()
    hook = subscribe(
        uow,
        Actor(Role.CLIENT, "acme"),
        url="https://acme.example/h",
        event_types=["*"],
        clock=clock,
    )
    with uow:
        uow.webhooks.queue(
            Delivery(
                1,
                hook.subscription.id,
                "e1",
                "ItemQueued",
                "{}",
                DeliveryStatus.PENDING,
                0,
                clock.at,
                clock.at,
            )
        )
        uow.commit()
    transport = FlakyTransport([PostResult(None, "refused"), PostResult(200)])
    assert deliver_due(uow, transport, clock=clock) == 1
    assert deliver_due(uow, transport, clock=clock) == 0
    clock.at += timedelta(seconds=30)
    assert deliver_due(uow, transport, clock=clock) == 1
    [delivery] = uow.committed.deliveries.values()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        2,
        None,
    )
    assert transport.sent[0]["Kpo-Event-Id"] == transport.sent[1]["Kpo-Event-Id"] == "e1"
