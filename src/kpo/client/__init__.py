"""A typed Python client of the OpenKPO API (httpx).

::

    from kpo.client import KpoClient

    with KpoClient("http://127.0.0.1:8000", api_key="kpo_…") as kpo:
        item = kpo.submit_work_item(service_line_id="acme-disputes", language="en",
                                    subject="Card charged twice")
        print(kpo.get_work_item(item.id).state)

Every POST carries an ``Idempotency-Key`` (a fresh one unless given), and is retried with the
same key after a connection failure or a 5xx, so a retry never does the work twice. Errors
raise :class:`ApiError` with the problem details' ``code``.

Modules: :mod:`kpo.client.session` (HTTP, retries, errors), :mod:`kpo.client.knowledge` (the
knowledge-base calls); :class:`KpoClient` joins them with the rest of the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kpo.client.knowledge import KnowledgeBaseCalls
from kpo.client.session import ApiError, HttpResponse, HttpSession
from kpo.entrypoints.api.schemas.common import Page
from kpo.entrypoints.api.schemas.knowledge import ItemSuggestionsPublic
from kpo.entrypoints.api.schemas.network import (
    ClientCreate,
    ClientPublic,
    ServiceLineCreate,
    ServiceLinePublic,
    SpecialistCreate,
    SpecialistPublic,
    VendorCreate,
    VendorPublic,
)
from kpo.entrypoints.api.schemas.reports import LineQueuePublic, LineSlaPublic
from kpo.entrypoints.api.schemas.webhooks import (
    DeliveryPublic,
    SubscriptionPublic,
    SubscriptionWithSecret,
)
from kpo.entrypoints.api.schemas.work_items import (
    EventPublic,
    WorkItemCreate,
    WorkItemPublic,
    WorkItemSla,
)

__all__ = ["ApiError", "HttpResponse", "HttpSession", "KpoClient"]


class KpoClient(KnowledgeBaseCalls):
    """The whole API: network, work items, webhooks and reports here; the knowledge base in
    :class:`~kpo.client.knowledge.KnowledgeBaseCalls`; HTTP, retries and errors in
    :class:`~kpo.client.session.ApiSession`."""

    # -- network ----------------------------------------------------------------------------

    def create_client(
        self, client: ClientCreate, *, idempotency_key: str | None = None
    ) -> ClientPublic:
        return self._one(
            ClientPublic,
            "POST",
            "/v1/clients",
            body=client.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def get_client(self, client_id: str) -> ClientPublic:
        return self._one(ClientPublic, "GET", f"/v1/clients/{client_id}")

    def list_clients(self) -> list[ClientPublic]:
        return self._many(ClientPublic, "/v1/clients")

    def create_service_line(
        self, line: ServiceLineCreate, *, idempotency_key: str | None = None
    ) -> ServiceLinePublic:
        return self._one(
            ServiceLinePublic,
            "POST",
            "/v1/service-lines",
            body=line.model_dump(mode="json", exclude_none=True),
            idempotency_key=idempotency_key,
        )

    def get_service_line(self, line_id: str) -> ServiceLinePublic:
        return self._one(ServiceLinePublic, "GET", f"/v1/service-lines/{line_id}")

    def set_routing_policy(self, line_id: str, steps: list[dict[str, Any]]) -> ServiceLinePublic:
        return self._one(
            ServiceLinePublic, "POST", f"/v1/service-lines/{line_id}/routing-policy", body=steps
        )

    def create_vendor(
        self, vendor: VendorCreate, *, idempotency_key: str | None = None
    ) -> VendorPublic:
        return self._one(
            VendorPublic,
            "POST",
            "/v1/vendors",
            body=vendor.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def get_vendor(self, vendor_id: str) -> VendorPublic:
        return self._one(VendorPublic, "GET", f"/v1/vendors/{vendor_id}")

    def create_specialist(
        self, specialist: SpecialistCreate, *, idempotency_key: str | None = None
    ) -> SpecialistPublic:
        return self._one(
            SpecialistPublic,
            "POST",
            "/v1/specialists",
            body=specialist.model_dump(mode="json", exclude_none=True),
            idempotency_key=idempotency_key,
        )

    def get_specialist(self, specialist_id: str) -> SpecialistPublic:
        return self._one(SpecialistPublic, "GET", f"/v1/specialists/{specialist_id}")

    def set_specialist_status(self, specialist_id: str, status: str) -> SpecialistPublic:
        return self._one(
            SpecialistPublic,
            "POST",
            f"/v1/specialists/{specialist_id}/status",
            body={"status": status},
        )

    # -- work items -------------------------------------------------------------------------

    def submit_work_item(
        self,
        *,
        service_line_id: str,
        language: str,
        subject: str = "",
        description: str = "",
        priority: int = 0,
        external_ref: str | None = None,
        idempotency_key: str | None = None,
    ) -> WorkItemPublic:
        body = WorkItemCreate(
            service_line_id=service_line_id,
            language=language,
            subject=subject,
            description=description,
            priority=priority,
            external_ref=external_ref,
        ).model_dump(mode="json", exclude_none=True)
        return self._one(
            WorkItemPublic, "POST", "/v1/work-items", body=body, idempotency_key=idempotency_key
        )

    def get_work_item(self, item_id: str) -> WorkItemPublic:
        return self._one(WorkItemPublic, "GET", f"/v1/work-items/{item_id}")

    def list_work_items(
        self,
        *,
        state: str | None = None,
        service_line_id: str | None = None,
        created_from: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page[WorkItemPublic]:
        params = {
            "state": state,
            "service_line_id": service_line_id,
            "created_from": None if created_from is None else created_from.isoformat(),
            "cursor": cursor,
            "limit": limit,
        }
        return self._one(Page[WorkItemPublic], "GET", "/v1/work-items", params=params)

    def iter_work_items(
        self, *, state: str | None = None, page_size: int = 200
    ) -> Iterator[WorkItemPublic]:
        """Every visible item, page after page."""
        cursor: str | None = None
        while True:
            page = self.list_work_items(state=state, cursor=cursor, limit=page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def comment(self, item_id: str, text: str) -> WorkItemPublic:
        return self._one(
            WorkItemPublic, "POST", f"/v1/work-items/{item_id}/comments", body={"text": text}
        )

    def wait_on_client(self, item_id: str) -> WorkItemPublic:
        return self._one(WorkItemPublic, "POST", f"/v1/work-items/{item_id}/waiting-on-client")

    def resolve(
        self, item_id: str, *, note: str = "", article_ids: list[str] | None = None
    ) -> WorkItemPublic:
        """Resolve; ``note`` and ``article_ids`` (the articles that helped) feed the client's
        knowledge base — with a note and no article, a draft is proposed from the note."""
        body = {"note": note, "article_ids": article_ids or []}
        return self._one(WorkItemPublic, "POST", f"/v1/work-items/{item_id}/resolve", body=body)

    def cancel(self, item_id: str, reason: str = "") -> WorkItemPublic:
        return self._one(
            WorkItemPublic, "POST", f"/v1/work-items/{item_id}/cancel", body={"reason": reason}
        )

    def item_events(self, item_id: str) -> list[EventPublic]:
        return self._many(EventPublic, f"/v1/work-items/{item_id}/events")

    def item_sla(self, item_id: str) -> WorkItemSla:
        return self._one(WorkItemSla, "GET", f"/v1/work-items/{item_id}/sla")

    def suggestions(self, item_id: str, *, limit: int = 5) -> ItemSuggestionsPublic:
        return self._one(
            ItemSuggestionsPublic,
            "GET",
            f"/v1/work-items/{item_id}/suggestions",
            params={"limit": limit},
        )

    # -- webhooks and reports ---------------------------------------------------------------

    def subscribe(self, url: str, event_types: list[str]) -> SubscriptionWithSecret:
        return self._one(
            SubscriptionWithSecret,
            "POST",
            "/v1/webhooks",
            body={"url": url, "event_types": event_types},
        )

    def list_subscriptions(self) -> list[SubscriptionPublic]:
        return self._many(SubscriptionPublic, "/v1/webhooks")

    def rotate_secret(
        self, subscription_id: str, *, overlap_seconds: int = 86_400
    ) -> SubscriptionWithSecret:
        return self._one(
            SubscriptionWithSecret,
            "POST",
            f"/v1/webhooks/{subscription_id}/rotate-secret",
            body={"overlap_seconds": overlap_seconds},
        )

    def deliveries(self, subscription_id: str) -> list[DeliveryPublic]:
        return self._many(DeliveryPublic, f"/v1/webhooks/{subscription_id}/deliveries")

    def queue_report(self) -> list[LineQueuePublic]:
        return self._many(LineQueuePublic, "/v1/reports/queues")

    def sla_report(self) -> list[LineSlaPublic]:
        return self._many(LineSlaPublic, "/v1/reports/sla")
