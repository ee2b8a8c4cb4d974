"""Use case: the pool of specialists a project team is assembled from (store or CSV file)."""

from __future__ import annotations

from pathlib import Path

from kpo.domain.specialists import Specialist
from kpo.services.formats import NO_REFERENCES, SPECIALISTS
from kpo.services.ports import UnitOfWork
from kpo.services.tabular import ImportFailed, read_csv

__all__ = ["specialists_from_csv", "specialists_in_store"]


def specialists_in_store(uow: UnitOfWork) -> list[Specialist]:
    """Every stored specialist, in id order (read-only: nothing is committed)."""
    with uow:
        return sorted(uow.specialists.all(), key=lambda s: s.id)


def specialists_from_csv(path: Path) -> list[Specialist]:
    """Specialists from a file in the import format (docs/csv-formats.md), all or nothing.

    Vendors and skills are not checked against a store. Raises :class:`ImportFailed`
    listing every bad row.
    """
    records, errors = read_csv(path, SPECIALISTS, NO_REFERENCES)
    if errors:
        raise ImportFailed(str(path), sorted(errors, key=lambda e: e.row))
    return [record for _, record in records]
