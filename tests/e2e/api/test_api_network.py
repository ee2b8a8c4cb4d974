from datetime import date

import pytest

from kpo.client import ApiError
from kpo.domain.access import Role
from kpo.domain.channels import Channel
from kpo.entrypoints.api.schemas.common import MoneyIn
from kpo.entrypoints.api.schemas.network import (
    ClientCreate,
    CoverageSpec,
    ServiceLineCreate,
    SlaSpec,
    SpecialistCreate,
    VendorCreate,
)
from tests.e2e.api.conftest import Api


def test_operator_builds_the_network_over_http(api: Api) -> None:
    kpo = api.operator
    client = kpo.create_client(
        ClientCreate(id="initech", name="Initech", time_zone="America/Chicago", currency="usd")
    )
    assert client.currency == "USD"
    line = kpo.create_service_line(
        ServiceLineCreate(
            id="initech-l1",
            client_id="initech",
            name="L1 help desk",
            channel=Channel.TICKET,
            required_skills={"it_support_l1": 2},
            languages=["en"],
            sla=SlaSpec(first_response_minutes=60, resolution_minutes=480),
            coverage=CoverageSpec(time_zone="America/Chicago", hours="mon-fri 08:00-18:00"),
        )
    )
    assert line.sla["first_response_minutes"] == 60
    assert kpo.get_service_line("initech-l1") == line
    vendor = kpo.create_vendor(
        VendorCreate(
            id="manila",
            name="Pasig Support",
            country="PH",
            time_zone="Asia/Manila",
            hourly_rate=MoneyIn(amount="14.00", currency="USD"),
        )
    )
    assert vendor.hourly_rate.amount == "14.00"
    person = kpo.create_specialist(
        SpecialistCreate(
            id="manila-001",
            vendor_id="manila",
            name="Maria Santos",
            time_zone="Asia/Manila",
            working_hours="mon-fri 21:00-05:00",
            skills={"it_support_l1": 3},
            languages=["en", "tl"],
            hourly_cost=MoneyIn(amount="6.25", currency="USD"),
            employment_start=date(2025, 1, 6),
        )
    )
    assert person.capacity["ticket"] == 1
    assert kpo.set_specialist_status("manila-001", "break").status == "break"
    policy = [{"ranking": "least_cost"}]
    assert kpo.set_routing_policy("initech-l1", policy).routing_policy == [
        {"filter": None, "ranking": "least_cost", "relax_levels": 0, "timeout_seconds": None}
    ]


def test_every_validation_error_names_its_field(api: Api) -> None:
    headers = api.headers(Role.OPERATOR, "network")
    body = {"id": "x", "name": "X", "time_zone": "Mars/Olympus", "currency": "USD"}
    answer = api.http.post("/v1/clients", json=body, headers=headers)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "unknown_time_zone"
    assert [e["field"] for e in problem["errors"]] == ["time_zone"]

    body = {"id": "x y", "name": "", "time_zone": "UTC", "currency": "US", "colour": "red"}
    problem = api.http.post("/v1/clients", json=body, headers=headers).json()
    assert problem["code"] == "validation_error"
    assert {e["field"] for e in problem["errors"]} == {"id", "name", "currency", "colour"}

    line = {
        "id": "acme-2",
        "client_id": "acme",
        "name": "Chat",
        "channel": "chat",
        "required_skills": {"card_disputes": 3},
        "languages": ["en"],
        "coverage": {"time_zone": "Europe/London", "hours": "mon-fri 25:00-26:00"},
    }
    problem = api.http.post("/v1/service-lines", json=line, headers=headers).json()
    assert [e["field"] for e in problem["errors"]] == ["coverage.hours"]
    line["coverage"] = {"time_zone": "Europe/London", "hours": "mon-fri 08:00-18:00"}
    line["sla"] = {"answer_within_seconds": 20}
    problem = api.http.post("/v1/service-lines", json=line, headers=headers).json()
    assert [e["field"] for e in problem["errors"]] == ["sla.answer_target"]
    line["sla"] = {}
    line["required_skills"] = {"underwater_basketry": 2}
    problem = api.http.post("/v1/service-lines", json=line, headers=headers).json()
    assert [e["field"] for e in problem["errors"]] == ["required_skills"]

    policy = [{"ranking": "cheapest"}]
    answer = api.http.post(
        "/v1/service-lines/acme-disputes/routing-policy", json=policy, headers=headers
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"].startswith("steps[0]")


def test_duplicates_conflict_and_nothing_changes(api: Api) -> None:
    kpo = api.operator
    with pytest.raises(ApiError) as raised:
        kpo.create_client(ClientCreate(id="acme", name="Other", time_zone="UTC", currency="EUR"))
    assert (raised.value.status, raised.value.code) == (409, "conflict")
    assert kpo.get_client("acme").name == "Acme Bank"


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    answer = api.http.get("/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    answer = api.http.delete("/v1/clients", headers=api.headers(Role.OPERATOR, "network"))
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
