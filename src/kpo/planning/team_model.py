"""Team assembly: what a project needs and what the assembler answers (see teams.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from kpo.domain.calendars import WeeklyWindow
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money

__all__ = [
    "Alternative",
    "Booking",
    "Budget",
    "BudgetPeriod",
    "Member",
    "Objective",
    "Project",
    "Role",
    "RoleChoice",
    "Team",
    "TeamInfeasible",
]


class Objective(StrEnum):
    COST = "cost"
    SKILL = "skill"


class BudgetPeriod(StrEnum):
    WEEK = "week"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class Role:
    """``count`` seats needing ``skill`` at ``min_level`` or more for ``hours_per_week``."""

    name: str
    skill: str
    min_level: int
    count: int
    hours_per_week: Decimal
    languages: frozenset[str] = frozenset()
    min_overlap_hours: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``amount`` per week, or in total over the project's ``weeks``."""

    amount: Money
    per: BudgetPeriod


@dataclass(frozen=True, slots=True)
class Booking:
    """Hours a week a specialist already works on other projects."""

    specialist_id: str
    hours_per_week: Decimal


@dataclass(frozen=True, slots=True)
class Project:
    """What a project needs; ``business_hours`` are in ``client_time_zone``."""

    name: str
    client_time_zone: str
    business_hours: tuple[WeeklyWindow, ...]
    start: date
    roles: tuple[Role, ...]
    budget: Budget
    languages: frozenset[str] = frozenset()
    min_overlap_hours: Decimal = Decimal(0)
    weeks: int | None = None
    bookings: tuple[Booking, ...] = ()

    @property
    def seats(self) -> int:
        return sum(role.count for role in self.roles)


@dataclass(frozen=True, slots=True)
class Member:
    """A specialist considered for (or chosen for) one role."""

    specialist_id: str
    name: str
    vendor_id: str
    role: str
    level: int
    weekly_cost: Money
    overlap_hours: Decimal
    free_hours: Decimal


@dataclass(frozen=True, slots=True)
class Alternative:
    """The best candidate left out of a role and the member it would replace.

    Differences are ``candidate − replaced``: cost per week and skill level.
    """

    candidate: Member
    replaces: Member
    cost_difference: Money
    level_difference: int
    within_budget: bool


@dataclass(frozen=True, slots=True)
class RoleChoice:
    role: Role
    members: tuple[Member, ...]
    eligible: int
    excluded: tuple[tuple[str, int], ...]
    alternative: Alternative | None


@dataclass(frozen=True, slots=True)
class Team:
    project: Project
    objective: Objective
    roles: tuple[RoleChoice, ...]
    weekly_cost: Money
    total_cost: Money | None
    total_skill: int
    cheapest_weekly_cost: Money
    candidates_considered: int
    wall_time_seconds: float


class TeamInfeasible(ValidationError):
    """No team meets the project's needs; the message says which need and by how much."""
