"""Specialists: the people at vendors who do the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kpo.domain.calendars import WeeklyWindow
from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money

__all__ = ["DEFAULT_CAPACITY", "Specialist", "SpecialistStatus"]

# How many items of each channel one person works at once unless told otherwise.
DEFAULT_CAPACITY: dict[Channel, int] = {
    Channel.CALL: 1,
    Channel.CHAT: 3,
    Channel.TICKET: 1,
    Channel.BACK_OFFICE: 1,
    Channel.PROJECT: 1,
}


class SpecialistStatus(StrEnum):
    AVAILABLE = "available"
    BREAK = "break"
    OFFLINE = "offline"


@dataclass(slots=True)
class Specialist:
    """A person at a vendor.

    ``working_hours`` are weekly windows in local time of ``time_zone``; ``skills`` maps a
    skill to its level 1–5; ``capacity`` is how many items of a channel they work at once
    (a channel missing from it cannot be worked at all).
    """

    id: str
    vendor_id: str
    name: str
    skills: dict[str, int]
    languages: frozenset[str]
    time_zone: str
    working_hours: tuple[WeeklyWindow, ...]
    capacity: dict[Channel, int]
    hourly_cost: Money
    employment_start: date
    employment_end: date | None = None
    status: SpecialistStatus = SpecialistStatus.AVAILABLE
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for skill, level in self.skills.items():
            if not 1 <= level <= 5:
                raise ValidationError(
                    f"level {level} of skill {skill!r} is outside 1-5", field="skills"
                )
        for channel, slots in self.capacity.items():
            if slots < 0:
                raise ValidationError(
                    f"capacity {slots} for {channel} is negative", field="capacity"
                )
        if self.employment_end is not None and self.employment_end < self.employment_start:
            raise ValidationError(
                f"employment ends {self.employment_end} before it starts {self.employment_start}",
                field="employment_end",
            )
        if self.hourly_cost.amount < 0:
            raise ValidationError("hourly cost is negative", field="hourly_cost")

    def is_employed_on(self, day: date) -> bool:
        """Employment is active from its start to its end date, both included."""
        return self.employment_start <= day and (
            self.employment_end is None or day <= self.employment_end
        )

    def level_of(self, skill: str) -> int:
        """The level of ``skill``, 0 when the specialist does not have it."""
        return self.skills.get(skill, 0)
