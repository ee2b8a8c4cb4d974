from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from kpo.client import HttpResponse
from kpo.domain.access import Role
from kpo.services.idempotency import LEASE
from tests.e2e.api.conftest import Api

ITEM: dict[str, str] = {"service_line_id": "acme-disputes", "language": "en", "subject": "Refund"}


def _post(api: Api, key: str, body: Mapping[str, object], org: str = "acme") -> HttpResponse:
    headers = {**api.headers(Role.CLIENT, org), "Idempotency-Key": key}
    answer: HttpResponse = api.http.post(
        "/v1/work-items", json=dict(body), headers=headers, follow_redirects=False
    )
    return answer


def test_the_same_key_and_body_replays_the_first_response(api: Api) -> None:
    first = _post(api, "k-1", ITEM)
    again = _post(api, "k-1", ITEM)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(api.operator.list_work_items().items) == 1


def test_the_same_key_with_another_body_is_a_conflict(api: Api) -> None:
    _post(api, "k-1", ITEM)
    other = _post(api, "k-1", {**ITEM, "subject": "Other"})
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert len(api.operator.list_work_items().items) == 1


def test_keys_are_per_api_key_and_errors_replay_too(api: Api) -> None:
    assert _post(api, "k-1", ITEM).status_code == 201
    globex = _post(api, "k-1", {**ITEM, "service_line_id": "globex-it"}, org="globex")
    assert globex.status_code == 201
    bad = {**ITEM, "language": "de"}
    assert _post(api, "k-2", bad).status_code == 422
    assert _post(api, "k-2", bad).headers["idempotent-replayed"] == "true"


def test_a_request_still_running_or_lost_after_commit(api: Api) -> None:
    key_id = api.keys[Role.CLIENT, "acme"].split("_")[1]
    first = _post(api, "k-1", ITEM).json()
    with api.app.uow() as uow:  # as if the server died between commit and response
        record = uow.idempotency.get(key_id, "k-1")
        assert record is not None
        assert record.committed
        assert record.location == f"/v1/work-items/{first['id']}"
        uow.idempotency.save(replace(record, response_status=None, response_body=None))
        uow.commit()
    busy = _post(api, "k-1", ITEM)
    assert busy.json()["code"] == "request_in_progress"
    api.clock.advance(LEASE + timedelta(seconds=1))
    lost = _post(api, "k-1", ITEM)
    assert lost.status_code == 303
    assert lost.headers["location"] == f"/v1/work-items/{first['id']}"
    assert len(api.operator.list_work_items().items) == 1


def test_a_claim_that_never_committed_runs_again_after_its_lease(api: Api) -> None:
    key_id = api.keys[Role.CLIENT, "acme"].split("_")[1]
    assert _post(api, "k-9", {**ITEM, "language": "de"}).status_code == 422
    with api.app.uow() as uow:  # as if the server died before its change committed
        record = uow.idempotency.get(key_id, "k-9")
        assert record is not None
        assert not record.committed
        uow.idempotency.save(replace(record, response_status=None, response_body=None))
        uow.commit()
    assert _post(api, "k-9", {**ITEM, "language": "de"}).status_code == 409
    api.clock.advance(LEASE + timedelta(seconds=1))
    assert _post(api, "k-9", {**ITEM, "language": "de"}).status_code == 422


def test_the_client_retries_with_one_key(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    one = acme.submit_work_item(
        idempotency_key="same", service_line_id="acme-disputes", language="en"
    )
    two = acme.submit_work_item(
        idempotency_key="same", service_line_id="acme-disputes", language="en"
    )
    assert one == two
