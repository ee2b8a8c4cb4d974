"""Property-based requests from /openapi.json (schemathesis): no 5xx, no response that breaks
the documented schema, status code or content type. A bounded number of examples per
operation keeps it inside `make test`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kpo.bootstrap import connect
from kpo.domain.access import Role
from kpo.entrypoints.api import create_app
from kpo.entrypoints.api.runtime import ApiSettings
from kpo.services.api_keys import create_api_key
from kpo.services.setup import initialize
from tests.e2e.api.conftest import ON_SHIFT, MutableClock, RecordingTransport, seed

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[Any]:
    app = connect(f"sqlite:///{tmp_path / 'kpo.sqlite3'}")
    initialize(app.engine, app.uow())
    seed(app)
    clock = MutableClock(ON_SHIFT)
    key = create_api_key(app.uow(), role=Role.OPERATOR, org="network", clock=clock).key
    api = create_app(
        app, settings=ApiSettings(background=False), clock=clock, transport=RecordingTransport()
    )
    api.state.operator_key = key
    yield api
    app.close()


def test_no_server_errors_and_no_schema_violations(api_app: Any) -> None:
    headers = {"Authorization": f"Bearer {api_app.state.operator_key}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 30
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        check()
    assert len(statuses) >= 3 * len(operations)
    assert {200, 404, 422} <= set(statuses)  # the examples reach past validation
