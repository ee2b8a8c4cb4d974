"""Plain records the knowledge engine takes as input (no storage, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Resolution"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolved work item as the knowledge reports see it: who resolved it, in which service
    line, when, and which articles helped (empty: none did)."""

    item_id: str
    service_line_id: str
    specialist_id: str | None
    resolved_at: datetime
    article_ids: tuple[str, ...] = ()
