"""Clients and their service lines: who outsources what, under which SLA and hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.sla import SlaPolicy

__all__ = ["Client", "Coverage", "ServiceLine", "SkillRequirement"]


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    """A service line needs ``skill`` at ``min_level`` (1–5) or above."""

    skill: str
    min_level: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_level <= 5:
            raise ValidationError(
                f"minimum level {self.min_level} of skill {self.skill!r} is outside 1-5",
                field="min_level",
            )


@dataclass(frozen=True, slots=True)
class Coverage:
    """When a service line is served: the description of its business calendar.

    Kept as data (zone, weekly hours text, holiday country, closed dates) so that it can be
    stored and shown; :func:`kpo.bootstrap.calendar_for` turns it into a ``BusinessCalendar``
    with the public holidays of ``country``.
    """

    time_zone: str
    hours: str
    country: str | None = None
    closed_dates: frozenset[date] = frozenset()


@dataclass(frozen=True, slots=True)
class Client:
    """An organization that outsources work; owns service lines and a knowledge base."""

    id: str
    name: str
    time_zone: str
    currency: str


@dataclass(slots=True)
class ServiceLine:
    """One stream of work of a client, e.g. "Card disputes EN/ES"."""

    id: str
    client_id: str
    name: str
    channel: Channel
    required_skills: tuple[SkillRequirement, ...]
    languages: frozenset[str]
    sla: SlaPolicy
    coverage: Coverage
    handle_time: timedelta = timedelta(minutes=6)
    routing_policy: str | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.required_skills:
            raise ValidationError(
                f"service line {self.id!r} needs at least one required skill",
                field="required_skills",
            )
        if not self.languages:
            raise ValidationError(
                f"service line {self.id!r} needs at least one language", field="languages"
            )
        if self.handle_time <= timedelta(0):
            raise ValidationError("expected handle time must be positive", field="handle_time")
