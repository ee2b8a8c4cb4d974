"""SQLAlchemy repositories. They read and write; only services commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from kpo.adapters.db import mapping, tables
from kpo.adapters.db.outbox import write_outbox
from kpo.domain.clients import Client, ServiceLine
from kpo.domain.events import DomainEvent
from kpo.domain.queries import ItemOwnership, ItemQuery
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import Vendor
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.explain import Candidate, Decision, Trigger
from kpo.routing.policies import Ranking

__all__ = [
    "SqlClientRepository",
    "SqlDecisionLog",
    "SqlEventLog",
    "SqlServiceLineRepository",
    "SqlSkillRepository",
    "SqlSpecialistRepository",
    "SqlVendorRepository",
    "SqlWorkItemRepository",
]

# Rows per INSERT … VALUES batch: well under SQLite's and psycopg's parameter limits.
_CHUNK = 500


def _insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(table), list(rows[start : start + _CHUNK]))


def _in_chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class SqlSkillRepository:
    """The network's skill catalogue."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, description: str = "") -> None:
        self._session.execute(insert(tables.skills).values(name=name, description=description))

    def names(self) -> set[str]:
        return set(self._session.scalars(select(tables.skills.c.name)))

    def all(self) -> list[tuple[str, str]]:
        rows = self._session.execute(
            select(tables.skills.c.name, tables.skills.c.description).order_by(tables.skills.c.name)
        )
        return [(r.name, r.description) for r in rows]


class SqlClientRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, client: Client) -> None:
        self._session.execute(insert(tables.clients).values(mapping.client_to_row(client)))

    def get(self, client_id: str) -> Client | None:
        row = self._session.execute(
            select(tables.clients).where(tables.clients.c.id == client_id)
        ).one_or_none()
        return None if row is None else mapping.client_from_row(row._mapping)

    def all(self) -> list[Client]:
        rows = self._session.execute(select(tables.clients).order_by(tables.clients.c.id))
        return [mapping.client_from_row(r._mapping) for r in rows]


class SqlServiceLineRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, line: ServiceLine) -> None:
        self._session.execute(
            insert(tables.service_lines).values(mapping.service_line_to_row(line))
        )

    def get(self, line_id: str) -> ServiceLine | None:
        row = self._session.execute(
            select(tables.service_lines).where(tables.service_lines.c.id == line_id)
        ).one_or_none()
        return None if row is None else mapping.service_line_from_row(row._mapping)

    def all(self, *, client_id: str | None = None) -> list[ServiceLine]:
        query = select(tables.service_lines).order_by(tables.service_lines.c.id)
        if client_id is not None:
            query = query.where(tables.service_lines.c.client_id == client_id)
        return [mapping.service_line_from_row(r._mapping) for r in self._session.execute(query)]

    def set_routing_policy(self, line_id: str, text: str | None) -> None:
        self._session.execute(
            update(tables.service_lines)
            .where(tables.service_lines.c.id == line_id)
            .values(routing_policy=text)
        )


class SqlVendorRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, vendor: Vendor) -> None:
        self._session.execute(insert(tables.vendors).values(mapping.vendor_to_row(vendor)))

    def get(self, vendor_id: str) -> Vendor | None:
        row = self._session.execute(
            select(tables.vendors).where(tables.vendors.c.id == vendor_id)
        ).one_or_none()
        return None if row is None else mapping.vendor_from_row(row._mapping)

    def all(self) -> list[Vendor]:
        rows = self._session.execute(select(tables.vendors).order_by(tables.vendors.c.id))
        return [mapping.vendor_from_row(r._mapping) for r in rows]


class SqlSpecialistRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, specialists: Sequence[Specialist]) -> None:
        mains: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        languages: list[dict[str, Any]] = []
        capacity: list[dict[str, Any]] = []
        for specialist in specialists:
            main, s, lang, cap = mapping.specialist_to_rows(specialist)
            mains.append(main)
            skills += s
            languages += lang
            capacity += cap
        _insert_many(self._session, tables.specialists, mains)
        _insert_many(self._session, tables.specialist_skills, skills)
        _insert_many(self._session, tables.specialist_languages, languages)
        _insert_many(self._session, tables.specialist_capacity, capacity)

    def add(self, specialist: Specialist) -> None:
        self.add_many([specialist])

    def save(self, specialist: Specialist) -> None:
        """Write back a changed specialist (all attributes, child rows replaced)."""
        main, skills, languages, capacity = mapping.specialist_to_rows(specialist)
        self._session.execute(
            update(tables.specialists).where(tables.specialists.c.id == specialist.id).values(main)
        )
        for table, rows in (
            (tables.specialist_skills, skills),
            (tables.specialist_languages, languages),
            (tables.specialist_capacity, capacity),
        ):
            self._session.execute(delete(table).where(table.c.specialist_id == specialist.id))
            _insert_many(self._session, table, rows)

    def get(self, specialist_id: str) -> Specialist | None:
        found = self._load([specialist_id])
        return found[0] if found else None

    def ids(self) -> set[str]:
        return set(self._session.scalars(select(tables.specialists.c.id)))

    def all(self, *, vendor_id: str | None = None) -> list[Specialist]:
        query = select(tables.specialists.c.id).order_by(tables.specialists.c.id)
        if vendor_id is not None:
            query = query.where(tables.specialists.c.vendor_id == vendor_id)
        return self._load(list(self._session.scalars(query)))

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(tables.specialists)) or 0)

    def vendor_of(self, specialist_id: str) -> str | None:
        return self._session.scalar(
            select(tables.specialists.c.vendor_id).where(tables.specialists.c.id == specialist_id)
        )

    def _load(self, ids: Sequence[str]) -> list[Specialist]:
        mains: dict[str, Any] = {}
        children: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for chunk in _in_chunks(ids):
            for row in self._session.execute(
                select(tables.specialists).where(tables.specialists.c.id.in_(chunk))
            ):
                mains[row.id] = row._mapping
            for name, table in (
                ("skills", tables.specialist_skills),
                ("languages", tables.specialist_languages),
                ("capacity", tables.specialist_capacity),
            ):
                for row in self._session.execute(
                    select(table).where(table.c.specialist_id.in_(chunk))
                ):
                    children[row.specialist_id][name].append(row._mapping)
        return [
            mapping.specialist_from_rows(
                mains[i],
                children[i]["skills"],
                children[i]["languages"],
                children[i]["capacity"],
            )
            for i in ids
            if i in mains
        ]


class SqlWorkItemRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, items: Sequence[WorkItem]) -> None:
        _insert_many(self._session, tables.work_items, [mapping.work_item_to_row(i) for i in items])
        rows = [row for item in items for row in _transition_rows(item, first=0)]
        _insert_many(self._session, tables.work_item_transitions, rows)

    def add(self, item: WorkItem) -> None:
        self.add_many([item])

    def save(self, item: WorkItem) -> None:
        """Write back state and append transitions not yet stored."""
        row = mapping.work_item_to_row(item)
        self._session.execute(
            update(tables.work_items).where(tables.work_items.c.id == item.id).values(row)
        )
        stored = self._session.scalar(
            select(func.count())
            .select_from(tables.work_item_transitions)
            .where(tables.work_item_transitions.c.item_id == item.id)
        )
        new = _transition_rows(item, first=stored or 0)
        if new:
            _insert_many(self._session, tables.work_item_transitions, new)

    def get(self, item_id: str) -> WorkItem | None:
        found = self._load([item_id])
        return found[0] if found else None

    def ids(self) -> set[str]:
        return set(self._session.scalars(select(tables.work_items.c.id)))

    def all(
        self,
        *,
        state: WorkItemState | None = None,
        service_line_id: str | None = None,
    ) -> list[WorkItem]:
        query = select(tables.work_items.c.id).order_by(
            tables.work_items.c.created_at, tables.work_items.c.id
        )
        if state is not None:
            query = query.where(tables.work_items.c.state == state.value)
        if service_line_id is not None:
            query = query.where(tables.work_items.c.service_line_id == service_line_id)
        return self._load(list(self._session.scalars(query)))

    def open_items(self) -> Iterator[WorkItem]:
        """Every item not resolved or cancelled, oldest first (``created_at``, then id),
        streamed: two queries in all, however many there are (a router rebuilds from this)."""
        items, steps = tables.work_items, tables.work_item_transitions
        final = (WorkItemState.RESOLVED.value, WorkItemState.CANCELLED.value)
        history: dict[str, list[Any]] = defaultdict(list)
        for row in self._session.execute(
            select(steps)
            .join(items, items.c.id == steps.c.item_id)
            .where(items.c.state.not_in(final))
        ):
            history[row.item_id].append(row._mapping)
        query = (
            select(items)
            .where(items.c.state.not_in(final))
            .order_by(items.c.created_at, items.c.id)
        )
        build = mapping.work_item_from_row
        for row in self._session.execute(query):
            yield build(row, history.pop(row.id, ()))

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(tables.work_items)) or 0)

    def page(self, query: ItemQuery) -> list[WorkItem]:
        items = tables.work_items
        stmt = select(items.c.id).order_by(items.c.created_at, items.c.id).limit(query.limit)
        if query.state is not None:
            stmt = stmt.where(items.c.state == query.state.value)
        if query.service_line_id is not None:
            stmt = stmt.where(items.c.service_line_id == query.service_line_id)
        if query.specialist_id is not None:
            stmt = stmt.where(items.c.specialist_id == query.specialist_id)
        if query.client_id is not None:
            lines = tables.service_lines
            stmt = stmt.where(
                items.c.service_line_id.in_(
                    select(lines.c.id).where(lines.c.client_id == query.client_id)
                )
            )
        if query.vendor_id is not None:
            people = tables.specialists
            stmt = stmt.where(
                items.c.specialist_id.in_(
                    select(people.c.id).where(people.c.vendor_id == query.vendor_id)
                )
            )
        if query.created_from is not None:
            stmt = stmt.where(items.c.created_at >= query.created_from)
        if query.created_before is not None:
            stmt = stmt.where(items.c.created_at < query.created_before)
        if query.after is not None:
            at, last_id = query.after
            stmt = stmt.where(
                or_(items.c.created_at > at, and_(items.c.created_at == at, items.c.id > last_id))
            )
        return self._load(list(self._session.scalars(stmt)))

    def ownership(self, item_id: str) -> ItemOwnership | None:
        items, lines, people = tables.work_items, tables.service_lines, tables.specialists
        row = self._session.execute(
            select(lines.c.client_id, items.c.specialist_id, people.c.vendor_id)
            .select_from(items)
            .join(lines, lines.c.id == items.c.service_line_id)
            .outerjoin(people, people.c.id == items.c.specialist_id)
            .where(items.c.id == item_id)
        ).one_or_none()
        if row is None:
            return None
        return ItemOwnership(row.client_id, row.specialist_id, row.vendor_id)

    def state_counts(self) -> dict[tuple[str, WorkItemState], int]:
        items = tables.work_items
        rows = self._session.execute(
            select(items.c.service_line_id, items.c.state, func.count()).group_by(
                items.c.service_line_id, items.c.state
            )
        )
        return {(line, WorkItemState(state)): int(count) for line, state, count in rows}

    def _load(self, ids: Sequence[str]) -> list[WorkItem]:
        mains: dict[str, Any] = {}
        steps: dict[str, list[Any]] = defaultdict(list)
        for chunk in _in_chunks(ids):
            for row in self._session.execute(
                select(tables.work_items).where(tables.work_items.c.id.in_(chunk))
            ):
                mains[row.id] = row._mapping
            for row in self._session.execute(
                select(tables.work_item_transitions).where(
                    tables.work_item_transitions.c.item_id.in_(chunk)
                )
            ):
                steps[row.item_id].append(row._mapping)
        return [mapping.work_item_from_rows(mains[i], steps[i]) for i in ids if i in mains]


def _transition_rows(item: WorkItem, *, first: int) -> list[dict[str, Any]]:
    """Rows for the item's transitions from number ``first`` on (earlier ones are stored)."""
    return [
        {
            "item_id": item.id,
            "seq": seq,
            "at": step.at,
            "from_state": step.from_state.value,
            "to_state": step.to_state.value,
        }
        for seq, step in enumerate(item.transitions)
        if seq >= first
    ]


class SqlEventLog:
    """Append-only log of domain events. Appending also writes the webhook outbox rows of the
    events, in the same transaction (see :mod:`kpo.adapters.db.outbox`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, events: Iterable[DomainEvent]) -> None:
        events = list(events)
        payloads = [event_payload(event) for event in events]
        rows = [
            {"item_id": event.item_id, "name": event.name, "at": event.at, "payload": payload}
            for event, payload in zip(events, payloads, strict=True)
        ]
        _insert_many(self._session, tables.event_log, rows)
        write_outbox(self._session, events, payloads)

    def for_item(self, item_id: str) -> list[tuple[str, Any, dict[str, Any]]]:
        rows = self._session.execute(
            select(tables.event_log)
            .where(tables.event_log.c.item_id == item_id)
            .order_by(tables.event_log.c.id)
        )
        return [(r.name, r.at, dict(r.payload)) for r in rows]

    def refused_offers(self) -> dict[str, set[str]]:
        log, items = tables.event_log, tables.work_items
        rows = self._session.execute(
            select(log.c.item_id, log.c.payload)
            .join(items, items.c.id == log.c.item_id)
            .where(
                items.c.state.not_in(_FINAL_STATES),
                log.c.name.in_(("OfferRejected", "OfferTimedOut")),
            )
        )
        refused: dict[str, set[str]] = {}
        for item_id, payload in rows:
            refused.setdefault(item_id, set()).add(payload["specialist_id"])
        return refused


_FINAL_STATES = tuple(state.value for state in WorkItemState if state.is_final)


def event_payload(event: DomainEvent) -> dict[str, Any]:
    fields = getattr(event, "__dataclass_fields__", {})
    payload: dict[str, Any] = {}
    for name in fields:
        value = getattr(event, name)
        if name in ("item_id", "at"):
            continue
        if isinstance(value, datetime):
            payload[name] = value.isoformat()
        elif isinstance(value, str | int | None):
            payload[name] = value
    return payload


class SqlDecisionLog:
    """Routing decisions, append-only: what ``kpo explain`` shows."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, decisions: Iterable[Decision]) -> None:
        rows = [
            {
                "item_id": d.item_id,
                "at": d.at,
                "trigger": d.trigger.value,
                "step": d.step,
                "ranking": d.ranking.value,
                "eligible_count": d.eligible_count,
                "candidates": [c.to_json() for c in d.candidates],
                "winner": d.winner,
                "reason": d.reason,
            }
            for d in decisions
        ]
        _insert_many(self._session, tables.routing_decisions, rows)

    def for_item(self, item_id: str) -> list[Decision]:
        table = tables.routing_decisions
        rows = self._session.execute(
            select(table).where(table.c.item_id == item_id).order_by(table.c.id)
        )
        return [
            Decision(
                r.item_id,
                r.at,
                Trigger(r.trigger),
                r.step,
                Ranking(r.ranking),
                r.eligible_count,
                tuple(
                    Candidate(c["specialist"], c["vendor"], float(c["score"])) for c in r.candidates
                ),
                r.winner,
                r.reason,
            )
            for r in rows
        ]
