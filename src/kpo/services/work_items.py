"""Use cases of work items over their life: submit, read, comment, wait, resolve, cancel.

Every function takes the calling :class:`~kpo.domain.access.Actor`; an item outside the
caller's scope is reported as not found. Each change is one transaction that stores the item,
its new transitions and its events (and so the webhook outbox rows of those events).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kpo.domain.access import Actor, Role
from kpo.domain.calendars import BusinessCalendar
from kpo.domain.clients import Coverage, ServiceLine
from kpo.domain.errors import Conflict, NotFound, ValidationError
from kpo.domain.events import ItemCommented
from kpo.domain.item_sla import ClockStatus
from kpo.domain.queries import ItemOwnership, ItemQuery
from kpo.domain.reference import parse_language
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.engine import Router
from kpo.services.live_routing import LiveRouting, Stored
from kpo.services.ports import UnitOfWork
from kpo.services.resolutions import check_helped, record_resolution
from kpo.services.sla_status import Clock, item_sla_status

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_NOTE_CHARS",
    "LoggedEvent",
    "SubmitWorkItem",
    "cancel_item",
    "comment_on_item",
    "get_work_item",
    "item_events",
    "item_sla",
    "list_work_items",
    "new_item_id",
    "resolve_item",
    "submit_work_item",
    "visible_item",
    "wait_on_client",
]

MAX_COMMENT_CHARS = 10_000
MAX_NOTE_CHARS = 20_000


def new_item_id() -> str:
    """A fresh work-item id for items submitted without one."""
    return f"wi_{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class SubmitWorkItem:
    service_line_id: str
    language: str
    subject: str = ""
    description: str = ""
    priority: int = 0
    external_ref: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    name: str
    at: datetime
    data: dict[str, Any]


def submit_work_item(
    uow: UnitOfWork,
    actor: Actor,
    command: SubmitWorkItem,
    *,
    clock: Clock,
    routing: LiveRouting | None = None,
    fresh_id: str | None = None,
) -> WorkItem:
    """Validate and store a new queued item of a service line the caller may submit to; with
    the routing engine, route it in the same transaction (it may leave already offered).

    The item's id is ``command.id`` (checked: it must be new), else ``fresh_id`` (a value of
    :func:`new_item_id` the caller took in advance, not checked), else a new one."""
    actor.require(Role.CLIENT, action="submit work items")
    language = parse_language(command.language, field="language")

    def checked(store: UnitOfWork, known: ServiceLine | None = None) -> tuple[ServiceLine, str]:
        line = known or store.service_lines.get(command.service_line_id)
        if line is None or not actor.sees_client(line.client_id):
            raise NotFound("service line", command.service_line_id)
        if language not in line.languages:
            raise ValidationError(
                f"service line {line.id!r} does not serve {language!r} (it serves "
                f"{', '.join(sorted(line.languages))})",
                field="language",
            )
        item_id = command.id or fresh_id or new_item_id()
        if command.id is not None and store.work_items.ownership(item_id) is not None:
            raise Conflict("work item", item_id)
        return line, item_id

    if routing is None:
        with uow:
            line, item_id = checked(uow)
            item = _new_item(item_id, line.id, command, language, clock.now())
            item.record_queued()
            uow.work_items.add(item)
            uow.events.append(item.events)
            uow.commit()
            item.take_events()
            return item

    def submit(router: Router, now: datetime, store: UnitOfWork) -> tuple[WorkItem, Stored]:
        # The engine holds every line it routes (rebuilt when lines change): no query for it.
        line, item_id = checked(store, router.line(command.service_line_id))
        item = _new_item(item_id, line.id, command, language, now)
        router.submit(item, now=now, due=routing.due(item, line, now))
        return item, Stored(added=[item])

    return routing.run(submit, uow=uow)


def _new_item(
    item_id: str, line_id: str, command: SubmitWorkItem, language: str, now: datetime
) -> WorkItem:
    return WorkItem(
        id=item_id,
        service_line_id=line_id,
        created_at=now,
        subject=command.subject,
        description=command.description,
        language=language,
        priority=command.priority,
        external_ref=command.external_ref,
    )


def visible_item(uow: UnitOfWork, actor: Actor, item_id: str) -> tuple[WorkItem, ItemOwnership]:
    """The item and whose it is, inside an open unit of work; not found when out of scope."""
    owner = uow.work_items.ownership(item_id)
    if owner is None or not actor.sees_item(
        client_id=owner.client_id,
        specialist_id=owner.specialist_id,
        holder_vendor_id=owner.vendor_id,
    ):
        raise NotFound("work item", item_id)
    item = uow.work_items.get(item_id)
    assert item is not None
    return item, owner


def get_work_item(uow: UnitOfWork, actor: Actor, item_id: str) -> WorkItem:
    with uow:
        return visible_item(uow, actor, item_id)[0]


def list_work_items(uow: UnitOfWork, actor: Actor, query: ItemQuery) -> list[WorkItem]:
    """One page of the items the caller may see, oldest first."""
    if actor.role is Role.CLIENT:
        if query.client_id not in (None, actor.org_id):
            return []
        query = replace(query, client_id=actor.org_id)
    elif actor.role is Role.VENDOR:
        if query.vendor_id not in (None, actor.org_id):
            return []
        query = replace(query, vendor_id=actor.org_id)
    elif actor.role is Role.SPECIALIST:
        if query.specialist_id not in (None, actor.org_id):
            return []
        query = replace(query, specialist_id=actor.org_id)
    with uow:
        return uow.work_items.page(query)


def _save(uow: UnitOfWork, item: WorkItem) -> WorkItem:
    uow.work_items.save(item)
    uow.events.append(item.events)
    uow.commit()
    item.take_events()
    return item


Change = Callable[["Router | None", WorkItem, datetime, UnitOfWork], None]


def _change(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    apply: Change,
    *,
    clock: Clock,
    routing: LiveRouting | None,
) -> WorkItem:
    """Apply ``apply`` to a visible item: through the engine while it holds the item open,
    else to the stored item; store the item, its events, the engine's and whatever ``apply``
    wrote into the open unit of work in one commit."""
    if routing is None:
        now = clock.now()
        with uow:
            item, _ = visible_item(uow, actor, item_id)
            apply(None, item, now, uow)
            return _save(uow, item)

    def act(router: Router, now: datetime, store: UnitOfWork) -> tuple[WorkItem, Stored]:
        stored, _ = visible_item(store, actor, item_id)
        live = router.find(item_id)
        item = stored if live is None else live
        apply(None if live is None else router, item, now, store)
        return item, Stored(touched=[item])

    return routing.run(act, uow=uow)


def comment_on_item(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    text: str,
    *,
    clock: Clock,
    routing: LiveRouting | None = None,
) -> WorkItem:
    """Add a note to the item. A client's note on an item waiting on the client resumes it."""
    text = text.strip()
    if not text:
        raise ValidationError("the comment is empty", field="text")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(
            f"the comment has {len(text):,} characters; the limit is {MAX_COMMENT_CHARS:,}",
            field="text",
        )

    def comment(_router: Router | None, item: WorkItem, now: datetime, _uow: UnitOfWork) -> None:
        if item.state.is_final:
            raise ValidationError(
                f"work item {item_id!r} is {item.state.value}; it takes no more comments",
                field="text",
            )
        item.record(ItemCommented(item.id, now, actor.label, text))
        if actor.role is Role.CLIENT and item.state is WorkItemState.WAITING_ON_CLIENT:
            item.resume(at=now)

    return _change(uow, actor, item_id, comment, clock=clock, routing=routing)


def _worked_on(router: Router | None, item: WorkItem, now: datetime) -> None:
    """An assigned item counts as started when its holder first acts on it."""
    if item.state is WorkItemState.ASSIGNED:
        if router is None:
            item.start(at=now)
        else:
            router.start(item.id, specialist_id=item.specialist_id or "", now=now)


def wait_on_client(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    *,
    clock: Clock,
    routing: LiveRouting | None = None,
) -> WorkItem:
    """Pause the resolution clock: the item waits for the client's answer."""
    actor.require(Role.VENDOR, Role.SPECIALIST, action="put work items on hold for the client")

    def wait(router: Router | None, item: WorkItem, now: datetime, _uow: UnitOfWork) -> None:
        _worked_on(router, item, now)
        item.wait_on_client(at=now)

    return _change(uow, actor, item_id, wait, clock=clock, routing=routing)


def resolve_item(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    *,
    clock: Clock,
    routing: LiveRouting | None = None,
    note: str = "",
    helped: Sequence[str] = (),
) -> WorkItem:
    """Resolve the item and, in the same transaction, record the resolution for the knowledge
    base: ``helped`` names the client's articles that helped (checked before anything
    changes); when none did, a draft article is proposed from ``note``
    (:mod:`kpo.services.resolutions`)."""
    actor.require(Role.VENDOR, Role.SPECIALIST, action="resolve work items")
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(
            f"the note has {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}",
            field="note",
        )

    def resolve(router: Router | None, item: WorkItem, now: datetime, store: UnitOfWork) -> None:
        line = store.service_lines.get(item.service_line_id)
        assert line is not None  # an item's line is never removed
        used = check_helped(store, line.client_id, helped, field="article_ids")
        _worked_on(router, item, now)
        if router is None:
            item.resolve(at=now)
        else:
            router.resolve(item.id, specialist_id=item.specialist_id or "", now=now)
        record_resolution(
            store,
            item,
            client_id=line.client_id,
            note=note,
            helped=used,
            resolved_at=now,
            author=None,
            at=now,
        )

    return _change(uow, actor, item_id, resolve, clock=clock, routing=routing)


def cancel_item(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    *,
    clock: Clock,
    reason: str = "",
    routing: LiveRouting | None = None,
) -> WorkItem:
    actor.require(Role.CLIENT, action="cancel work items")

    def cancel(router: Router | None, item: WorkItem, now: datetime, _uow: UnitOfWork) -> None:
        if router is None:
            item.cancel(at=now, reason=reason)
        else:
            router.cancel(item.id, now=now, reason=reason)

    return _change(uow, actor, item_id, cancel, clock=clock, routing=routing)


def item_events(uow: UnitOfWork, actor: Actor, item_id: str) -> list[LoggedEvent]:
    """The item's event log, oldest first."""
    with uow:
        visible_item(uow, actor, item_id)
        return [LoggedEvent(name, at, data) for name, at, data in uow.events.for_item(item_id)]


def item_sla(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    *,
    clock: Clock,
    calendar_for: Callable[[Coverage], BusinessCalendar],
) -> tuple[WorkItem, tuple[ClockStatus, ...]]:
    """The SLA clocks of an item the caller may see (see :mod:`kpo.services.sla_status`)."""
    with uow:
        visible_item(uow, actor, item_id)
    return item_sla_status(uow, item_id, clock=clock, calendar_for=calendar_for)
