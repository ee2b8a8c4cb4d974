"""A specialist's offers over HTTP: list, accept, reject; and why an item went where it went.

Offers are made by the routing engine (:mod:`kpo.services.live_routing`); answering one goes
through the engine so the specialist's capacity, the next best candidate and the offer's
timeout stay right. Each answer is stored with what the engine did about it.
"""

from __future__ import annotations

from datetime import datetime

from kpo.domain.access import Actor, Role
from kpo.domain.errors import NotFound, OfferNotPending
from kpo.domain.queries import ItemQuery
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.engine import Router
from kpo.routing.explain import Decision
from kpo.services.live_routing import LiveRouting, Stored
from kpo.services.ports import UnitOfWork
from kpo.services.routing import explain_item
from kpo.services.work_items import visible_item

__all__ = ["Offer", "accept_offer", "explain_routing", "list_offers", "reject_offer"]


class Offer:
    """An open offer: the item and when it was offered (it lapses after the engine's
    offer timeout)."""

    def __init__(self, item: WorkItem) -> None:
        self.item = item
        self.offered_at: datetime = item.transitions[-1].at if item.transitions else item.created_at


def _specialist(uow: UnitOfWork, actor: Actor, specialist_id: str) -> None:
    actor.require(Role.VENDOR, Role.SPECIALIST, action="answer offers")
    with uow:
        vendor_id = uow.specialists.vendor_of(specialist_id)
    if vendor_id is None or not actor.sees_specialist(specialist_id, vendor_id=vendor_id):
        raise NotFound("specialist", specialist_id)


def list_offers(uow: UnitOfWork, actor: Actor, specialist_id: str) -> list[Offer]:
    """The specialist's open offers, oldest item first."""
    _specialist(uow, actor, specialist_id)
    query = ItemQuery(state=WorkItemState.OFFERED, specialist_id=specialist_id, limit=500)
    with uow:
        return [Offer(item) for item in uow.work_items.page(query)]


def _answer(
    uow: UnitOfWork,
    actor: Actor,
    specialist_id: str,
    item_id: str,
    *,
    routing: LiveRouting,
    accept: bool,
) -> WorkItem:
    _specialist(uow, actor, specialist_id)

    def answer(router: Router, now: datetime, store: UnitOfWork) -> tuple[WorkItem, Stored]:
        live = router.find(item_id)
        if live is None or live.specialist_id != specialist_id:
            owner = store.work_items.ownership(item_id)
            if owner is None or owner.specialist_id != specialist_id:
                raise NotFound("offer of work item", item_id)
            raise OfferNotPending(item_id, specialist_id, "no longer offered")
        if accept:
            router.accept(item_id, specialist_id=specialist_id, now=now)
        else:
            router.reject(item_id, specialist_id=specialist_id, now=now)
        return live, Stored(touched=[live])

    return routing.run(answer, uow=uow)


def accept_offer(
    uow: UnitOfWork, actor: Actor, specialist_id: str, item_id: str, *, routing: LiveRouting
) -> WorkItem:
    """The specialist takes the item: it is assigned to them."""
    return _answer(uow, actor, specialist_id, item_id, routing=routing, accept=True)


def reject_offer(
    uow: UnitOfWork, actor: Actor, specialist_id: str, item_id: str, *, routing: LiveRouting
) -> WorkItem:
    """The specialist declines: the item goes to the next best specialist (never back to
    them)."""
    return _answer(uow, actor, specialist_id, item_id, routing=routing, accept=False)


def explain_routing(uow: UnitOfWork, actor: Actor, item_id: str) -> list[Decision]:
    """Every routing decision about an item (candidates, scores, reasons), for the operator
    and the item's client."""
    actor.require(Role.CLIENT, action="read routing explanations")
    with uow:
        visible_item(uow, actor, item_id)
    return explain_item(uow, item_id)[1]
