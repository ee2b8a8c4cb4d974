"""Reports."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["LineQueuePublic", "LineSlaPublic"]


class LineQueuePublic(BaseModel):
    service_line_id: str
    client_id: str
    states: dict[str, int]


class LineSlaPublic(BaseModel):
    service_line_id: str
    open_items: int
    on_track: int
    at_risk: int
    breached: int
