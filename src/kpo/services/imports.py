"""Importing and exporting records as CSV: all-or-nothing per file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpo.services import formats
from kpo.services.formats import References
from kpo.services.ports import UnitOfWork
from kpo.services.tabular import ImportFailed, RecordFormat, read_csv

__all__ = ["KINDS", "Kind", "export_records", "import_file"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One importable kind of record: its format, what rows are checked against, how to store."""

    format: RecordFormat[Any, References]
    references: Callable[[UnitOfWork], References]
    store: Callable[[UnitOfWork, Sequence[Any]], None]
    list_all: Callable[[UnitOfWork], Sequence[Any]]


def _client_refs(uow: UnitOfWork) -> References:
    known = uow.clients.all()
    return References(ids={c.id for c in known}, names={c.name for c in known})


def _vendor_refs(uow: UnitOfWork) -> References:
    known = uow.vendors.all()
    return References(ids={v.id for v in known}, names={v.name for v in known})


def _line_refs(uow: UnitOfWork) -> References:
    return References(
        ids={line.id for line in uow.service_lines.all()},
        skills=uow.skills.names(),
        clients={c.id for c in uow.clients.all()},
    )


def _specialist_refs(uow: UnitOfWork) -> References:
    return References(
        ids=uow.specialists.ids(),
        skills=uow.skills.names(),
        vendors={v.id for v in uow.vendors.all()},
    )


def _item_refs(uow: UnitOfWork) -> References:
    return References(
        ids=uow.work_items.ids(),
        line_languages={line.id: line.languages for line in uow.service_lines.all()},
    )


def _store_each(
    add: Callable[[UnitOfWork], Callable[[Any], None]],
) -> Callable[[UnitOfWork, Sequence[Any]], None]:
    def store(uow: UnitOfWork, records: Sequence[Any]) -> None:
        for record in records:
            add(uow)(record)

    return store


def _store_work_items(uow: UnitOfWork, records: Sequence[Any]) -> None:
    for item in records:
        item.record_queued()
    uow.work_items.add_many(records)
    uow.events.append(event for item in records for event in item.events)


KINDS: dict[str, Kind] = {
    "clients": Kind(
        formats.CLIENTS,
        _client_refs,
        _store_each(lambda uow: uow.clients.add),
        lambda uow: uow.clients.all(),
    ),
    "vendors": Kind(
        formats.VENDORS,
        _vendor_refs,
        _store_each(lambda uow: uow.vendors.add),
        lambda uow: uow.vendors.all(),
    ),
    "service-lines": Kind(
        formats.SERVICE_LINES,
        _line_refs,
        _store_each(lambda uow: uow.service_lines.add),
        lambda uow: uow.service_lines.all(),
    ),
    "specialists": Kind(
        formats.SPECIALISTS,
        _specialist_refs,
        lambda uow, records: uow.specialists.add_many(records),
        lambda uow: uow.specialists.all(),
    ),
    "work-items": Kind(
        formats.WORK_ITEMS,
        _item_refs,
        _store_work_items,
        lambda uow: uow.work_items.all(),
    ),
}


def import_file(uow: UnitOfWork, kind: str, path: Path) -> int:
    """Import every record of ``path`` or none; raises :class:`ImportFailed` listing all errors."""
    spec = KINDS[kind]
    with uow:
        records, errors = read_csv(path, spec.format, spec.references(uow))
        if errors:
            raise ImportFailed(str(path), sorted(errors, key=lambda e: e.row))
        spec.store(uow, [record for _, record in records])
        uow.commit()
    return len(records)


def export_records(uow: UnitOfWork, kind: str) -> list[Any]:
    with uow:
        return list(KINDS[kind].list_all(uow))
