"""A running API (in process) over a migrated database with two tenants of every kind.

Tenant A: client ``acme`` (line ``acme-disputes``), vendor ``krakow`` (specialist
``krakow-001``). Tenant B: client ``globex`` (line ``globex-it``), vendor ``lima``
(specialist ``lima-001``). ``keys`` holds one API key per (role, organization).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from kpo.bootstrap import App, connect
from kpo.client import KpoClient
from kpo.domain.access import Role
from kpo.domain.clients import SkillRequirement
from kpo.domain.webhooks import PostResult
from kpo.entrypoints.api import create_app
from kpo.entrypoints.api.runtime import ApiSettings
from kpo.services.api_keys import create_api_key
from kpo.services.setup import initialize
from tests import factories


class MutableClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@dataclass
class RecordingTransport:
    """Webhook transport that records posts and answers with ``status`` (or fails)."""

    status: int | None = 200
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        self.posts.append((url, body, headers))
        if self.status is None:
            return PostResult(None, "ConnectError: refused")
        return PostResult(self.status)


@dataclass
class Api:
    app: App
    http: TestClient
    clock: MutableClock
    transport: RecordingTransport
    keys: dict[tuple[Role, str], str]

    def client(self, role: Role, org: str) -> KpoClient:
        return KpoClient(api_key=self.keys[role, org], http=self.http, retries=0)

    def headers(self, role: Role, org: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role, org]}"}

    @property
    def operator(self) -> KpoClient:
        return self.client(Role.OPERATOR, "network")


def seed(app: App) -> None:
    with app.uow() as uow:
        uow.clients.add(factories.client())
        uow.clients.add(factories.client(id="globex", name="Globex", currency="USD"))
        uow.vendors.add(factories.vendor())
        uow.vendors.add(factories.vendor(id="lima", name="Andes BPO", country="PE"))
        uow.service_lines.add(factories.service_line())
        uow.service_lines.add(
            factories.service_line(
                id="globex-it",
                client_id="globex",
                required_skills=(SkillRequirement("it_support_l1", 2),),
            )
        )
        uow.specialists.add(factories.specialist())
        uow.specialists.add(
            factories.specialist(id="lima-001", vendor_id="lima", skills={"it_support_l1": 3})
        )
        uow.commit()


# Wednesday 11:00 in Warsaw: both specialists are on shift (mon-fri 08:00-16:00 local).
ON_SHIFT = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)

TENANTS: dict[str, list[tuple[Role, str]]] = {
    "a": [(Role.CLIENT, "acme"), (Role.VENDOR, "krakow"), (Role.SPECIALIST, "krakow-001")],
    "b": [(Role.CLIENT, "globex"), (Role.VENDOR, "lima"), (Role.SPECIALIST, "lima-001")],
}


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    app = connect(database_url)
    initialize(app.engine, app.uow())
    seed(app)
    clock = MutableClock(ON_SHIFT)
    keys = {}
    for role, org in [(Role.OPERATOR, "network"), *TENANTS["a"], *TENANTS["b"]]:
        keys[role, org] = create_api_key(app.uow(), role=role, org=org, clock=clock).key
    transport = RecordingTransport()
    fastapi_app = create_app(
        app, settings=ApiSettings(background=False), clock=clock, transport=transport
    )
    with TestClient(fastapi_app) as http:
        yield Api(app, http, clock, transport, keys)
    app.close()


def assign(api: Api, item_id: str, specialist_id: str) -> None:
    """The specialist accepts the offer the routing engine made them."""
    offers = api.http.get(
        f"/v1/specialists/{specialist_id}/offers", headers=api.headers(Role.OPERATOR, "network")
    ).json()
    assert item_id in [o["item"]["id"] for o in offers], offers
    answer = api.http.post(
        f"/v1/specialists/{specialist_id}/offers/{item_id}/accept",
        headers=api.headers(Role.SPECIALIST, specialist_id),
    )
    assert answer.status_code == 200, answer.text
