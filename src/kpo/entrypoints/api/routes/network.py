"""Clients, service lines (with SLA and routing policies), vendors and specialists."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from kpo.entrypoints.api.deps import ActorDep, RoutingDep, UowDep, locate
from kpo.entrypoints.api.routes import PROBLEMS
from kpo.entrypoints.api.schemas.common import Id
from kpo.entrypoints.api.schemas.network import (
    ClientCreate,
    ClientPublic,
    ServiceLineCreate,
    ServiceLinePublic,
    SpecialistCreate,
    SpecialistPublic,
    SpecialistStatusUpdate,
    VendorCreate,
    VendorPublic,
)
from kpo.entrypoints.api.schemas.work_items import OfferPublic, WorkItemPublic
from kpo.services import network, offers

__all__ = ["router"]

router = APIRouter(responses=PROBLEMS)


@router.post("/clients", status_code=201, tags=["clients"])
def create_client(body: ClientCreate, actor: ActorDep, uow: UowDep) -> ClientPublic:
    """Add a client (operator)."""
    locate(uow, f"/v1/clients/{body.id}")
    return ClientPublic.of(network.create_client(uow, actor, body.to_domain()))


@router.get("/clients", tags=["clients"])
def list_clients(actor: ActorDep, uow: UowDep) -> list[ClientPublic]:
    return [ClientPublic.of(c) for c in network.list_clients(uow, actor)]


@router.get("/clients/{client_id}", tags=["clients"])
def get_client(client_id: Id, actor: ActorDep, uow: UowDep) -> ClientPublic:
    return ClientPublic.of(network.get_client(uow, actor, client_id))


@router.post("/service-lines", status_code=201, tags=["service lines"])
def create_service_line(
    body: ServiceLineCreate, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> ServiceLinePublic:
    """Add a service line with its SLA targets and coverage hours (operator, or the client)."""
    locate(uow, f"/v1/service-lines/{body.id}")
    line = network.create_service_line(uow, actor, body.to_domain(), routing=routing)
    return ServiceLinePublic.of(line)


@router.get("/service-lines", tags=["service lines"])
def list_service_lines(
    actor: ActorDep, uow: UowDep, client_id: Annotated[Id | None, Query()] = None
) -> list[ServiceLinePublic]:
    return [
        ServiceLinePublic.of(line)
        for line in network.list_service_lines(uow, actor, client_id=client_id)
    ]


@router.get("/service-lines/{line_id}", tags=["service lines"])
def get_service_line(line_id: Id, actor: ActorDep, uow: UowDep) -> ServiceLinePublic:
    return ServiceLinePublic.of(network.get_service_line(uow, actor, line_id))


@router.post("/service-lines/{line_id}/routing-policy", tags=["service lines"])
def set_routing_policy(
    line_id: Id,
    actor: ActorDep,
    uow: UowDep,
    routing: RoutingDep,
    steps: Annotated[
        list[dict[str, Any]],
        Body(
            min_length=1,
            max_length=20,
            examples=[[{"filter": None, "ranking": "cost_sla", "timeout_seconds": None}]],
        ),
    ],
) -> ServiceLinePublic:
    """Set the routing policy (the steps of docs/routing-policies.md); checked completely
    before anything is stored."""
    locate(uow, f"/v1/service-lines/{line_id}")
    document = json.dumps(steps)
    line = network.set_line_routing_policy(uow, actor, line_id, document, routing=routing)
    return ServiceLinePublic.of(line)


@router.delete("/service-lines/{line_id}/routing-policy", tags=["service lines"])
def clear_routing_policy(
    line_id: Id, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> ServiceLinePublic:
    """Route the line by the default policy again."""
    line = network.set_line_routing_policy(uow, actor, line_id, None, routing=routing)
    return ServiceLinePublic.of(line)


@router.post("/vendors", status_code=201, tags=["vendors"])
def create_vendor(body: VendorCreate, actor: ActorDep, uow: UowDep) -> VendorPublic:
    """Add a vendor (operator)."""
    locate(uow, f"/v1/vendors/{body.id}")
    return VendorPublic.of(network.create_vendor(uow, actor, body.to_domain()))


@router.get("/vendors", tags=["vendors"])
def list_vendors(actor: ActorDep, uow: UowDep) -> list[VendorPublic]:
    return [VendorPublic.of(v) for v in network.list_vendors(uow, actor)]


@router.get("/vendors/{vendor_id}", tags=["vendors"])
def get_vendor(vendor_id: Id, actor: ActorDep, uow: UowDep) -> VendorPublic:
    return VendorPublic.of(network.get_vendor(uow, actor, vendor_id))


@router.post("/specialists", status_code=201, tags=["specialists"])
def create_specialist(
    body: SpecialistCreate, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> SpecialistPublic:
    """Add a specialist (operator, or the specialist's vendor)."""
    locate(uow, f"/v1/specialists/{body.id}")
    specialist = network.create_specialist(uow, actor, body.to_domain(), routing=routing)
    return SpecialistPublic.of(specialist)


@router.get("/specialists", tags=["specialists"])
def list_specialists(
    actor: ActorDep, uow: UowDep, vendor_id: Annotated[Id | None, Query()] = None
) -> list[SpecialistPublic]:
    return [
        SpecialistPublic.of(s) for s in network.list_specialists(uow, actor, vendor_id=vendor_id)
    ]


@router.get("/specialists/{specialist_id}", tags=["specialists"])
def get_specialist(specialist_id: Id, actor: ActorDep, uow: UowDep) -> SpecialistPublic:
    return SpecialistPublic.of(network.get_specialist(uow, actor, specialist_id))


@router.post("/specialists/{specialist_id}/status", tags=["specialists"])
def set_specialist_status(
    specialist_id: Id,
    body: SpecialistStatusUpdate,
    actor: ActorDep,
    uow: UowDep,
    routing: RoutingDep,
) -> SpecialistPublic:
    """Available, on a break or offline (the specialist, their vendor or the operator)."""
    locate(uow, f"/v1/specialists/{specialist_id}")
    specialist = network.set_specialist_status(
        uow, actor, specialist_id, body.status, routing=routing
    )
    return SpecialistPublic.of(specialist)


@router.get("/specialists/{specialist_id}/offers", tags=["offers"])
def list_offers(
    specialist_id: Id, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> list[OfferPublic]:
    """The specialist's open offers (the specialist, their vendor or the operator)."""
    timeout = routing.settings.offer_timeout
    return [
        OfferPublic(
            item=WorkItemPublic.of(o.item),
            offered_at=o.offered_at,
            expires_at=o.offered_at + timeout,
        )
        for o in offers.list_offers(uow, actor, specialist_id)
    ]


@router.post("/specialists/{specialist_id}/offers/{item_id}/accept", tags=["offers"])
def accept_offer(
    specialist_id: Id, item_id: Id, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> WorkItemPublic:
    """Take the item: it is assigned to the specialist."""
    locate(uow, f"/v1/work-items/{item_id}")
    item = offers.accept_offer(uow, actor, specialist_id, item_id, routing=routing)
    return WorkItemPublic.of(item)


@router.post("/specialists/{specialist_id}/offers/{item_id}/reject", tags=["offers"])
def reject_offer(
    specialist_id: Id, item_id: Id, actor: ActorDep, uow: UowDep, routing: RoutingDep
) -> WorkItemPublic:
    """Decline: the item goes to the next best specialist, never back to this one."""
    locate(uow, f"/v1/work-items/{item_id}")
    item = offers.reject_offer(uow, actor, specialist_id, item_id, routing=routing)
    return WorkItemPublic.of(item)
