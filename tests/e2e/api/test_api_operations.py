import gc
import json
import logging

import pytest

from kpo.domain.access import Role
from kpo.entrypoints.api import freeze_startup_heap
from kpo.entrypoints.api.logs import JsonFormatter
from tests.e2e.api.conftest import Api


def test_health_and_readiness(api: Api) -> None:
    assert api.http.get("/healthz").json() == {"status": "ok", "detail": ""}
    assert api.http.get("/readyz").json()["status"] == "ok"


def test_metrics_count_requests_and_read_the_queues(api: Api) -> None:
    api.client(Role.CLIENT, "acme").submit_work_item(service_line_id="acme-disputes", language="en")
    text = api.http.get("/metrics").text
    assert 'kpo_http_requests_total{method="POST",route="/v1/work-items",status="201"} 1.0' in text
    assert 'kpo_queue_length{line="acme-disputes",state="offered"} 1.0' in text
    assert "kpo_routing_decisions_total 1.0" in text
    assert 'kpo_sla_at_risk{line="acme-disputes"} 0.0' in text
    assert "kpo_webhook_deliveries_pending 0.0" in text


def test_bodies_over_the_limit_are_refused(api: Api) -> None:
    big = {"text": "x" * (2 << 20)}
    answer = api.http.post(
        "/v1/work-items/x/comments", json=big, headers=api.headers(Role.OPERATOR, "network")
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"


def test_requests_are_logged_as_json_with_an_id(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kpo.api"):
        answer = api.http.get(
            "/v1/clients", headers={**api.headers(Role.CLIENT, "acme"), "X-Request-Id": "abc"}
        )
    assert answer.headers["x-request-id"] == "abc"
    [record] = [r for r in caplog.records if r.getMessage() == "request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/clients", 200)
    assert line["actor"] is None or line["actor"] == "client:acme"


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.http.get("/openapi.json").json()
    assert "/v1/work-items" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "swagger" in api.http.get("/docs").text.lower()


def test_a_server_process_freezes_its_startup_heap() -> None:
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0  # startup objects are out of full collections
    finally:
        gc.unfreeze()
