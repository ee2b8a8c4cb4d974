"""Every endpoint, called by every role of another tenant, answers 403 or 404, and a 404
about an existing object is indistinguishable from one about a missing object."""

from __future__ import annotations

from typing import Any

import pytest

from kpo.domain.access import Role
from kpo.entrypoints.api.schemas.knowledge import ArticleCreate
from tests.e2e.api.conftest import TENANTS, Api, assign

# Objects of tenant A, by path parameter.
A_OBJECTS = {
    "client_id": "acme",
    "line_id": "acme-disputes",
    "vendor_id": "krakow",
    "specialist_id": "krakow-001",
}
A_NAMES = ("acme", "krakow")

# Bodies that would be valid for tenant A, so that only tenancy can refuse them.
BODIES: dict[str, Any] = {
    "/v1/clients": {"id": "acme2", "name": "Acme 2", "time_zone": "UTC", "currency": "USD"},
    "/v1/service-lines": {
        "id": "acme-new",
        "client_id": "acme",
        "name": "New",
        "channel": "ticket",
        "required_skills": {"card_disputes": 2},
        "languages": ["en"],
        "coverage": {"time_zone": "UTC", "hours": "mon-fri 09:00-17:00"},
    },
    "/v1/service-lines/{line_id}/routing-policy": [{"ranking": "least_cost"}],
    "/v1/vendors": {
        "id": "krakow2",
        "name": "Krakow 2",
        "country": "PL",
        "time_zone": "Europe/Warsaw",
        "hourly_rate": {"amount": "10", "currency": "USD"},
    },
    "/v1/specialists": {
        "id": "krakow-002",
        "vendor_id": "krakow",
        "name": "Jan",
        "time_zone": "Europe/Warsaw",
        "working_hours": "mon-fri 08:00-16:00",
        "skills": {"card_disputes": 3},
        "languages": ["en"],
        "hourly_cost": {"amount": "20", "currency": "USD"},
        "employment_start": "2025-01-01",
    },
    "/v1/specialists/{specialist_id}/status": {"status": "offline"},
    "/v1/work-items": {"service_line_id": "acme-disputes", "language": "en"},
    "/v1/work-items/{item_id}/comments": {"text": "hello"},
    "/v1/work-items/{item_id}/cancel": {"reason": "x"},
    "/v1/work-items/{item_id}/resolve": {"note": "resolved it for the customer today"},
    "/v1/clients/{client_id}/articles": {"id": "new-article", "title": "New"},
    "/v1/clients/{client_id}/articles/{article_id}/versions": {"body": "edited"},
    "/v1/webhooks/{subscription_id}/rotate-secret": {"overlap_seconds": 60},
}
# Endpoints that only create the caller's own objects or list its own.
OWN_ONLY = {("POST", "/v1/webhooks")}


def _endpoints(api: Api) -> list[tuple[str, str]]:
    paths = api.http.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/")
        for method in operations
    ]


def _a_objects(api: Api) -> dict[str, str]:
    acme = api.client(Role.CLIENT, "acme")
    item = acme.submit_work_item(service_line_id="acme-disputes", language="en")
    assign(api, item.id, "krakow-001")
    hook = acme.subscribe("https://acme.example/hooks", ["*"])
    article = acme.create_article("acme", ArticleCreate(id="card-arrival", title="Card arrival"))
    acme.publish_article("acme", article.id)
    return {**A_OBJECTS, "item_id": item.id, "subscription_id": hook.id, "article_id": article.id}


def _call(api: Api, role: Role, org: str, method: str, template: str, path: str) -> Any:
    body = BODIES.get(template)
    return api.http.request(method, path, json=body, headers=api.headers(role, org))


def test_the_matrix_covers_every_endpoint(api: Api) -> None:
    endpoints = _endpoints(api)
    assert len(endpoints) >= 40
    assert ("GET", "/v1/work-items/{item_id}/suggestions") in endpoints
    assert ("POST", "/v1/clients/{client_id}/articles/{article_id}/publish") in endpoints


@pytest.mark.parametrize("tenant_b", TENANTS["b"], ids=lambda t: f"{t[0].value}")
def test_another_tenant_gets_403_or_404_and_learns_nothing(
    api: Api, tenant_b: tuple[Role, str]
) -> None:
    role, org = tenant_b
    objects = _a_objects(api)
    for method, template in _endpoints(api):
        if (method, template) in OWN_ONLY:
            continue
        path = template.format(**objects)
        answer = _call(api, role, org, method, template, path)
        where = f"{role.value} {method} {path}"
        if "{" not in template and method == "GET":  # a list: only the caller's own objects
            assert answer.status_code in (200, 403), where
            assert not any(name in answer.text for name in A_NAMES), where
            continue
        assert answer.status_code in (403, 404), f"{where}: {answer.status_code} {answer.text}"
        if answer.status_code == 404 and "{" in template:
            missing = template.format(**dict.fromkeys(objects, "no-such-id"))
            twin = _call(api, role, org, method, template, missing)
            assert twin.status_code == 404, where
            got, expected = answer.json(), twin.json()
            for key in ("detail", "instance"):
                for value in sorted(objects.values(), key=len, reverse=True):
                    got[key] = got[key].replace(value, "<id>")
                expected[key] = expected[key].replace("no-such-id", "<id>")
            assert got == expected, where


def test_each_tenant_still_reaches_its_own_objects(api: Api) -> None:
    objects = _a_objects(api)
    for role, org in TENANTS["a"]:
        answer = api.http.get(
            f"/v1/work-items/{objects['item_id']}", headers=api.headers(role, org)
        )
        assert answer.status_code == 200, role
    vendor = api.http.get("/v1/specialists", headers=api.headers(Role.VENDOR, "krakow")).json()
    assert [s["id"] for s in vendor] == ["krakow-001"]
    for role, org in TENANTS["a"]:  # the vendor and specialist hold an item of acme
        for path in (
            "/v1/clients/acme/articles?q=card",
            f"/v1/clients/acme/articles/{objects['article_id']}",
            f"/v1/work-items/{objects['item_id']}/suggestions",
        ):
            answer = api.http.get(path, headers=api.headers(role, org))
            assert answer.status_code == 200, (role, path, answer.text)
