"""What services ask storage about work items: page filters and ownership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kpo.domain.work_items import WorkItemState

__all__ = ["ItemOwnership", "ItemQuery"]


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """Filters of a page of work items, oldest first; ``after`` is the last (created_at, id)
    of the previous page."""

    state: WorkItemState | None = None
    service_line_id: str | None = None
    client_id: str | None = None
    vendor_id: str | None = None
    specialist_id: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ItemOwnership:
    """Whose an item is: the client of its line, and who holds it (specialist, vendor)."""

    client_id: str
    specialist_id: str | None
    vendor_id: str | None
