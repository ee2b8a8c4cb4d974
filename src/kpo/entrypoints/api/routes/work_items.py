"""Work items: submit, read, list, comment, wait on the client, resolve, cancel; their event
log and SLA clocks."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc
from kpo.domain.queries import ItemQuery
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.entrypoints.api.deps import ActorDep, ClockDep, RoutingDep, RuntimeDep, UowDep, locate
from kpo.entrypoints.api.routes import PROBLEMS
from kpo.entrypoints.api.schemas.common import Id, Page
from kpo.entrypoints.api.schemas.work_items import (
    CancelRequest,
    CommentCreate,
    DecisionPublic,
    EventPublic,
    ResolveRequest,
    SlaClockPublic,
    WorkItemCreate,
    WorkItemPublic,
    WorkItemSla,
)
from kpo.services import offers, work_items

__all__ = ["router"]

router = APIRouter(prefix="/work-items", tags=["work items"], responses=PROBLEMS)


def _cursor(item: WorkItem) -> str:
    raw = json.dumps([item.created_at.isoformat(), item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, item_id = json.loads(raw)
        return require_utc(datetime.fromisoformat(at_text)), str(item_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(
            "cursor is not one this API returned; pass next_cursor unchanged", field="cursor"
        ) from None


def _instant(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationError(f"{field} needs a time zone, e.g. Z or +02:00", field=field)
    return require_utc(value, field)


@router.post("", status_code=201)
def submit_work_item(
    body: WorkItemCreate, actor: ActorDep, uow: UowDep, clock: ClockDep, routing: RoutingDep
) -> WorkItemPublic:
    """Submit an item to a service line (operator, or the line's client). It is validated,
    stored and routed in one transaction: the answer may already show it offered."""
    item_id = work_items.new_item_id()
    locate(uow, f"/v1/work-items/{item_id}")
    item = work_items.submit_work_item(
        uow, actor, body.to_command(), clock=clock, routing=routing, fresh_id=item_id
    )
    return WorkItemPublic.of(item)


@router.get("")
def list_work_items(
    actor: ActorDep,
    uow: UowDep,
    state: WorkItemState | None = None,
    service_line_id: Id | None = None,
    client_id: Id | None = None,
    vendor_id: Id | None = None,
    specialist_id: Id | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[WorkItemPublic]:
    """Items the caller may see, oldest first, ``limit`` per page."""
    query = ItemQuery(
        state=state,
        service_line_id=service_line_id,
        client_id=client_id,
        vendor_id=vendor_id,
        specialist_id=specialist_id,
        created_from=_instant(created_from, "created_from"),
        created_before=_instant(created_before, "created_before"),
        after=None if cursor is None else _after(cursor),
        limit=limit,
    )
    found = work_items.list_work_items(uow, actor, query)
    next_cursor = _cursor(found[-1]) if len(found) == limit else None
    return Page[WorkItemPublic](
        items=[WorkItemPublic.of(i) for i in found], next_cursor=next_cursor
    )


@router.get("/{item_id}")
def get_work_item(item_id: Id, actor: ActorDep, uow: UowDep) -> WorkItemPublic:
    return WorkItemPublic.of(work_items.get_work_item(uow, actor, item_id))


@router.post("/{item_id}/comments")
def comment_on_item(
    item_id: Id,
    body: CommentCreate,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    routing: RoutingDep,
) -> WorkItemPublic:
    """Add a note. A client's note on an item waiting on the client resumes it."""
    locate(uow, f"/v1/work-items/{item_id}")
    item = work_items.comment_on_item(uow, actor, item_id, body.text, clock=clock, routing=routing)
    return WorkItemPublic.of(item)


@router.post("/{item_id}/waiting-on-client")
def wait_on_client(
    item_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, routing: RoutingDep
) -> WorkItemPublic:
    """Pause the resolution clock until the client answers (the holder or its vendor)."""
    locate(uow, f"/v1/work-items/{item_id}")
    item = work_items.wait_on_client(uow, actor, item_id, clock=clock, routing=routing)
    return WorkItemPublic.of(item)


@router.post("/{item_id}/resolve")
def resolve_item(
    item_id: Id,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    routing: RoutingDep,
    body: ResolveRequest | None = None,
) -> WorkItemPublic:
    """Resolve the item (its holder or their vendor). The resolution is recorded for the
    client's knowledge base in the same transaction: ``article_ids`` names the articles that
    helped; when none did and the ``note`` has at least five words, a draft article
    ``draft-<item id>`` is proposed from it for the client to review."""
    locate(uow, f"/v1/work-items/{item_id}")
    request = body or ResolveRequest()
    item = work_items.resolve_item(
        uow,
        actor,
        item_id,
        clock=clock,
        routing=routing,
        note=request.note,
        helped=request.article_ids,
    )
    return WorkItemPublic.of(item)


@router.post("/{item_id}/cancel")
def cancel_item(
    item_id: Id,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    routing: RoutingDep,
    body: CancelRequest | None = None,
) -> WorkItemPublic:
    locate(uow, f"/v1/work-items/{item_id}")
    reason = "" if body is None else body.reason
    item = work_items.cancel_item(uow, actor, item_id, clock=clock, reason=reason, routing=routing)
    return WorkItemPublic.of(item)


@router.get("/{item_id}/events")
def item_events(item_id: Id, actor: ActorDep, uow: UowDep) -> list[EventPublic]:
    """The item's event log, oldest first."""
    return [EventPublic.of(e) for e in work_items.item_events(uow, actor, item_id)]


@router.get("/{item_id}/sla")
def item_sla(
    item_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, runtime: RuntimeDep
) -> WorkItemSla:
    """Where the item stands against each SLA target of its service line, now."""
    item, clocks = work_items.item_sla(
        uow, actor, item_id, clock=clock, calendar_for=runtime.calendar_for
    )
    return WorkItemSla(
        item_id=item.id, state=item.state, clocks=[SlaClockPublic.of(c) for c in clocks]
    )


@router.get("/{item_id}/routing")
def routing_explanation(item_id: Id, actor: ActorDep, uow: UowDep) -> list[DecisionPublic]:
    """Every routing decision about the item: trigger, policy step, ranking, how many were
    eligible, the best candidates with scores, the winner and why (operator and the item's
    client)."""
    return [DecisionPublic.of(d) for d in offers.explain_routing(uow, actor, item_id)]
