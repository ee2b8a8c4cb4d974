"""Work items, their comments, events and SLA clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from kpo.domain.item_sla import ClockStatus
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.entrypoints.api.schemas.common import Id, Strict
from kpo.entrypoints.api.schemas.knowledge import ArticleId
from kpo.routing.explain import Decision
from kpo.services.resolutions import MAX_HELPED
from kpo.services.work_items import (
    MAX_COMMENT_CHARS,
    MAX_NOTE_CHARS,
    LoggedEvent,
    SubmitWorkItem,
)

__all__ = [
    "CancelRequest",
    "CommentCreate",
    "DecisionPublic",
    "EventPublic",
    "OfferPublic",
    "ResolveRequest",
    "SlaClockPublic",
    "TransitionPublic",
    "WorkItemCreate",
    "WorkItemPublic",
    "WorkItemSla",
]


class WorkItemCreate(Strict):
    service_line_id: Id
    language: Annotated[str, StringConstraints(min_length=2, max_length=8)] = Field(examples=["en"])
    subject: Annotated[str, StringConstraints(max_length=500)] = ""
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    priority: Annotated[int, Field(ge=0, le=9, description="0-9, 9 most urgent")] = 0
    external_ref: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    def to_command(self) -> SubmitWorkItem:
        return SubmitWorkItem(
            service_line_id=self.service_line_id,
            language=self.language,
            subject=self.subject,
            description=self.description,
            priority=self.priority,
            external_ref=self.external_ref,
        )


class TransitionPublic(BaseModel):
    at: datetime
    from_state: WorkItemState
    to_state: WorkItemState


class WorkItemPublic(BaseModel):
    id: str
    service_line_id: str
    state: WorkItemState
    created_at: datetime
    subject: str
    description: str
    language: str
    priority: int
    external_ref: str | None
    specialist_id: str | None
    transitions: list[TransitionPublic]

    @classmethod
    def of(cls, item: WorkItem) -> WorkItemPublic:
        return cls(
            id=item.id,
            service_line_id=item.service_line_id,
            state=item.state,
            created_at=item.created_at,
            subject=item.subject,
            description=item.description,
            language=item.language,
            priority=item.priority,
            external_ref=item.external_ref,
            specialist_id=item.specialist_id,
            transitions=[
                TransitionPublic(at=t.at, from_state=t.from_state, to_state=t.to_state)
                for t in item.transitions
            ],
        )


class CandidatePublic(BaseModel):
    specialist_id: str
    vendor_id: str
    score: float


class DecisionPublic(BaseModel):
    at: datetime
    trigger: str
    step: int
    ranking: str
    eligible_count: int
    candidates: list[CandidatePublic]
    winner: str | None
    reason: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionPublic:
        return cls(
            at=decision.at,
            trigger=decision.trigger.value,
            step=decision.step,
            ranking=decision.ranking.value,
            eligible_count=decision.eligible_count,
            candidates=[
                CandidatePublic(specialist_id=c.specialist_id, vendor_id=c.vendor_id, score=c.score)
                for c in decision.candidates
            ],
            winner=decision.winner,
            reason=decision.reason,
        )


class OfferPublic(BaseModel):
    item: WorkItemPublic
    offered_at: datetime
    expires_at: datetime


class CommentCreate(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_COMMENT_CHARS)]


class ResolveRequest(Strict):
    """How the item was resolved, for the client's knowledge base."""

    note: Annotated[str, StringConstraints(max_length=MAX_NOTE_CHARS)] = Field(
        default="",
        description="The resolution. When no article helped and the note has at least five "
        "words, a draft article is proposed from it.",
    )
    article_ids: Annotated[
        list[ArticleId],
        Field(max_length=MAX_HELPED, description="The client's articles that helped."),
    ] = Field(default_factory=list)


class CancelRequest(Strict):
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""


class EventPublic(BaseModel):
    name: str
    at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, event: LoggedEvent) -> EventPublic:
        return cls(name=event.name, at=event.at, data=event.data)


class SlaClockPublic(BaseModel):
    target: str
    target_seconds: int
    started_at: datetime
    stopped_at: datetime | None
    due: datetime | None
    elapsed_seconds: int
    remaining_seconds: int
    paused: bool
    breached: bool

    @classmethod
    def of(cls, clock: ClockStatus) -> SlaClockPublic:
        return cls(
            target=clock.target_name,
            target_seconds=int(clock.target.total_seconds()),
            started_at=clock.started_at,
            stopped_at=clock.stopped_at,
            due=clock.due,
            elapsed_seconds=int(clock.elapsed.total_seconds()),
            remaining_seconds=int(clock.remaining.total_seconds()),
            paused=clock.paused,
            breached=clock.breached,
        )


class WorkItemSla(BaseModel):
    item_id: str
    state: WorkItemState
    clocks: list[SlaClockPublic]
