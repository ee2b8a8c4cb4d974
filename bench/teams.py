"""Team-assembly benchmark; figures go to docs/benchmarks.md ("Team assembly").

``python -m bench teams`` assembles an 8-role, 20-seat project from a pool of 10,000
specialists (four vendors in four time zones on 13 shift patterns, 1–3 of 16 skills each,
English plus other languages, 5 % partly or fully booked), for both objectives. It prints the
median wall time of ``assemble_team`` (eligibility, overlap, pruning, CP-SAT, explanation)
over five runs each, the candidates kept by pruning and the team's cost and skill.
"""

from __future__ import annotations

import platform
import statistics
import time
from datetime import date
from decimal import Decimal
from importlib.metadata import version
from random import Random

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.planning.teams import (
    Booking,
    Budget,
    BudgetPeriod,
    Objective,
    Project,
    Role,
    Team,
    assemble_team,
)
from kpo.services.catalogue import DEFAULT_SKILLS

__all__ = ["main", "pool", "project"]

POOL_SIZE = 10_000
SHIFTS = {
    "Asia/Manila": ("mon-fri 21:00-06:00", "mon-fri 13:00-22:00", "mon-sat 07:00-16:00"),
    "Asia/Kolkata": ("mon-fri 09:00-18:00", "mon-fri 13:00-22:00", "mon-fri 19:30-04:30"),
    "Europe/Warsaw": ("mon-fri 08:00-16:00", "mon-fri 12:00-20:00", "sat-sun 09:00-17:00"),
    "America/Bogota": ("mon-fri 07:00-16:00", "mon-fri 13:00-22:00", "mon-fri 22:00-07:00",
                       "sat-sun 08:00-20:00"),
}  # fmt: skip
VENDORS = {
    "Asia/Manila": "manila",
    "Asia/Kolkata": "bengaluru",
    "Europe/Warsaw": "krakow",
    "America/Bogota": "bogota",
}
EXTRA_LANGUAGES = ("es", "de", "pl", "hi", "fr")


def pool(seed: int = 1, size: int = POOL_SIZE) -> list[Specialist]:
    rng = Random(seed)
    skills = sorted(DEFAULT_SKILLS)
    people: list[Specialist] = []
    for n in range(size):
        zone = rng.choice(sorted(SHIFTS))
        languages = {"en"} | {lang for lang in EXTRA_LANGUAGES if rng.random() < 0.15}
        people.append(
            Specialist(
                id=f"p{n:05d}",
                vendor_id=VENDORS[zone],
                name=f"Person {n}",
                skills={s: rng.randint(1, 5) for s in rng.sample(skills, rng.randint(1, 3))},
                languages=frozenset(languages),
                time_zone=zone,
                working_hours=parse_hours(rng.choice(SHIFTS[zone])),
                capacity={Channel.TICKET: 1},
                hourly_cost=Money(Decimal(rng.randint(800, 4000)) / 100, "USD"),
                employment_start=date(2024, 1, 1),
            )
        )
    return people


def project(people: list[Specialist], seed: int = 2) -> Project:
    rng = Random(seed)
    roles = (
        Role("dispute lead", "card_disputes", 5, 1, Decimal(40)),
        Role("dispute analyst", "card_disputes", 3, 5, Decimal(20)),
        Role("payments investigator", "payments", 3, 3, Decimal(20)),
        Role("fraud reviewer", "fraud_review", 4, 2, Decimal(20), frozenset({"es"})),
        Role("KYC checker", "kyc", 2, 3, Decimal(15)),
        Role("data analyst", "data_analysis", 4, 2, Decimal(25)),
        Role("technical writer", "technical_writing", 3, 2, Decimal(10)),
        Role("QA reviewer", "quality_assurance", 4, 2, Decimal(10), min_overlap_hours=Decimal(30)),
    )
    bookings = tuple(
        Booking(person.id, Decimal(rng.choice((10, 20, 40))))
        for person in rng.sample(people, len(people) // 20)
    )
    return Project(
        name="bench",
        client_time_zone="Europe/London",
        business_hours=parse_hours("mon-fri 09:00-17:30"),
        start=date(2026, 3, 23),  # the week London's clocks go forward
        roles=roles,
        budget=Budget(Money(Decimal(12_000), "USD"), BudgetPeriod.WEEK),
        languages=frozenset({"en"}),
        min_overlap_hours=Decimal(15),
        bookings=bookings,
    )


def _time(plan: Project, people: list[Specialist], objective: Objective) -> tuple[float, Team]:
    times: list[float] = []
    team = None
    for _ in range(5):
        started = time.perf_counter()
        team = assemble_team(plan, people, objective=objective)
        times.append(time.perf_counter() - started)
    assert team is not None
    return statistics.median(times), team


def main() -> None:
    print(
        f"python {platform.python_version()}, {platform.machine()}, OR-Tools {version('ortools')}"
    )
    people = pool()
    plan = project(people)
    for objective in Objective:
        seconds, team = _time(plan, people, objective)
        eligible = sum(choice.eligible for choice in team.roles)
        print(
            f"{objective.value:>5}: {seconds * 1000:7.1f} ms median of 5 "
            f"(pool {len(people):,}, {len(plan.roles)} roles, {plan.seats} seats, "
            f"{eligible:,} eligible role-candidates, {team.candidates_considered} kept after "
            f"pruning) -> {team.weekly_cost}/week, total skill {team.total_skill}"
        )
