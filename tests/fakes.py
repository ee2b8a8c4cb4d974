"""In-memory fakes of the storage ports, for unit tests of services."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from kpo.domain.clients import Client, ServiceLine
from kpo.domain.events import DomainEvent
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import Vendor
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.explain import Decision


class _Store:
    """Committed state shared by every unit of work made from one fake."""

    def __init__(self) -> None:
        self.skills: dict[str, str] = {}
        self.clients: dict[str, Client] = {}
        self.service_lines: dict[str, ServiceLine] = {}
        self.vendors: dict[str, Vendor] = {}
        self.specialists: dict[str, Specialist] = {}
        self.work_items: dict[str, WorkItem] = {}
        self.events: list[DomainEvent] = []
        self.decisions: list[Decision] = []


class FakeSkills:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, name: str, description: str = "") -> None:
        self._s.skills[name] = description

    def names(self) -> set[str]:
        return set(self._s.skills)

    def all(self) -> list[tuple[str, str]]:
        return sorted(self._s.skills.items())


class _Keyed:
    def __init__(self, table: dict[str, Any]) -> None:
        self._t = table

    def add(self, record: Any) -> None:
        if record.id in self._t:
            raise KeyError(record.id)
        self._t[record.id] = record

    def add_many(self, records: Sequence[Any]) -> None:
        for record in records:
            self.add(record)

    def save(self, record: Any) -> None:
        self._t[record.id] = record

    def get(self, key: str) -> Any:
        return self._t.get(key)

    def ids(self) -> set[str]:
        return set(self._t)

    def count(self) -> int:
        return len(self._t)


class FakeClients(_Keyed):
    def all(self) -> list[Client]:
        return sorted(self._t.values(), key=lambda c: c.id)


class FakeVendors(_Keyed):
    def all(self) -> list[Vendor]:
        return sorted(self._t.values(), key=lambda v: v.id)


class FakeServiceLines(_Keyed):
    def all(self, *, client_id: str | None = None) -> list[ServiceLine]:
        lines = sorted(self._t.values(), key=lambda line: line.id)
        return [line for line in lines if client_id in (None, line.client_id)]

    def set_routing_policy(self, line_id: str, text: str | None) -> None:
        self._t[line_id] = dataclasses.replace(self._t[line_id], routing_policy=text)


class FakeSpecialists(_Keyed):
    def all(self, *, vendor_id: str | None = None) -> list[Specialist]:
        people = sorted(self._t.values(), key=lambda s: s.id)
        return [s for s in people if vendor_id in (None, s.vendor_id)]


class FakeWorkItems(_Keyed):
    def all(
        self, *, state: WorkItemState | None = None, service_line_id: str | None = None
    ) -> list[WorkItem]:
        items = sorted(self._t.values(), key=lambda i: (i.created_at, i.id))
        return [
            i
            for i in items
            if state in (None, i.state) and service_line_id in (None, i.service_line_id)
        ]


class FakeEventLog:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def append(self, events: Iterable[DomainEvent]) -> None:
        self._s.events.extend(events)

    def for_item(self, item_id: str) -> list[tuple[str, Any, dict[str, Any]]]:
        return [(e.name, e.at, {}) for e in self._s.events if e.item_id == item_id]


class FakeDecisionLog:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def append(self, decisions: Iterable[Decision]) -> None:
        self._s.decisions.extend(decisions)

    def for_item(self, item_id: str) -> list[Decision]:
        return [d for d in self._s.decisions if d.item_id == item_id]


class FakeUnitOfWork:
    """Works on a copy of the committed store; ``commit`` publishes the copy."""

    def __init__(self) -> None:
        self.committed = _Store()
        self.commits = 0

    def __enter__(self) -> Self:
        self._work = copy.deepcopy(self.committed)
        self.skills = FakeSkills(self._work)
        self.clients = FakeClients(self._work.clients)
        self.service_lines = FakeServiceLines(self._work.service_lines)
        self.vendors = FakeVendors(self._work.vendors)
        self.specialists = FakeSpecialists(self._work.specialists)
        self.work_items = FakeWorkItems(self._work.work_items)
        self.events = FakeEventLog(self._work)
        self.decisions = FakeDecisionLog(self._work)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._work

    def commit(self) -> None:
        self.committed = copy.deepcopy(self._work)
        self.commits += 1

    def rollback(self) -> None:
        self._work = copy.deepcopy(self.committed)
