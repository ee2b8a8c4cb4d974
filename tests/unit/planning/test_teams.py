"""Team assembly: exact optimum against brute force, constraints, budget and input errors."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kpo.domain.calendars import BusinessCalendar, parse_hours
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.planning.team_input import parse_project
from kpo.planning.teams import (
    Booking,
    Budget,
    BudgetPeriod,
    Objective,
    Project,
    Role,
    Team,
    TeamInfeasible,
    assemble_team,
)
from tests.factories import specialist

START = date(2026, 3, 2)
CLIENT_HOURS = "mon-fri 09:00-17:00"
PATTERNS = (  # (time zone, weekly hours): a spread of overlaps with London office hours
    ("Europe/Warsaw", "mon-fri 08:00-16:00"),
    ("Asia/Manila", "mon-fri 13:00-22:00"),
    ("Asia/Manila", "mon-fri 21:00-06:00"),
    ("America/Bogota", "mon-fri 07:00-16:00"),
    ("Asia/Kolkata", "sat-sun 09:00-21:00"),
)
SKILLS = ("card_disputes", "payments")
LANGUAGES = ("en", "es")


def usd(amount: str | int) -> Money:
    return Money(Decimal(amount), "USD")


def project(roles: tuple[Role, ...], **overrides: object) -> Project:
    fields: dict[str, object] = {
        "name": "test",
        "client_time_zone": "Europe/London",
        "business_hours": parse_hours(CLIENT_HOURS),
        "start": START,
        "roles": roles,
        "budget": Budget(usd(100_000), BudgetPeriod.WEEK),
    }
    return Project(**(fields | overrides))  # type: ignore[arg-type]


def role(name: str, skill: str = "card_disputes", **overrides: object) -> Role:
    fields: dict[str, object] = {
        "name": name,
        "skill": skill,
        "min_level": 1,
        "count": 1,
        "hours_per_week": Decimal(20),
    }
    return Role(**(fields | overrides))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- brute force


def _hours(person: Specialist, start: date) -> tuple[Decimal, Decimal]:
    """(working hours, hours inside client hours), sampled by quarter hour apart from the engine."""
    zone = ZoneInfo("Europe/London")
    begin = datetime.combine(start, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    client = BusinessCalendar("Europe/London", parse_hours(CLIENT_HOURS))
    own = BusinessCalendar(person.time_zone, person.working_hours)
    working = [begin + k * timedelta(minutes=15) for k in range(7 * 24 * 4)]
    working = [at for at in working if own.is_open(at)]
    both = [at for at in working if client.is_open(at)]
    return Decimal(len(working)) / 4, Decimal(len(both)) / 4


def brute_force(
    plan: Project,
    pool: list[Specialist],
    objective: Objective,
    hours: dict[str, tuple[Decimal, Decimal]],
) -> tuple[Decimal, int] | None:
    """(weekly cost, total skill) of the best team by full enumeration, or None."""
    seats = [r for r in plan.roles for _ in range(r.count)]
    best: tuple[Decimal, int] | None = None
    for people in itertools.permutations(pool, len(seats)):
        cost, skill, ok = Decimal(0), 0, True
        for seat, person in zip(seats, people, strict=True):
            need = (
                plan.min_overlap_hours if seat.min_overlap_hours is None else seat.min_overlap_hours
            )
            ok = (
                person.level_of(seat.skill) >= seat.min_level
                and (plan.languages | seat.languages) <= person.languages
                and hours[person.id][1] >= need
                and hours[person.id][0] >= seat.hours_per_week
            )
            if not ok:
                break
            cost += person.hourly_cost.amount * seat.hours_per_week
            skill += person.level_of(seat.skill)
        if not ok or cost > plan.budget.amount.amount:
            continue
        key = (cost, -skill) if objective is Objective.COST else (-skill, cost)
        if best is None or key < (
            (best[0], -best[1]) if objective is Objective.COST else (-best[1], best[0])
        ):
            best = (cost, skill)
    return best


def random_instance(seed: int, *, wide: bool = False) -> tuple[Project, list[Specialist]]:
    """Small random instances; ``wide`` ones have 20-30 people for at most 3 seats, so that
    pruning (5 × seats per role) drops most of the pool."""
    rng = random.Random(seed)
    pool = []
    for n in range(rng.randint(20, 30) if wide else rng.randint(4, 8)):
        zone, hours = rng.choice(PATTERNS)
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(1, 2))}
        pool.append(
            specialist(
                id=f"s{n}",
                skills=skills,
                languages=frozenset(rng.sample(LANGUAGES, rng.randint(1, 2))),
                time_zone=zone,
                working_hours=parse_hours(hours),
                hourly_cost=usd(rng.choice(("10", "12.5", "15", "20", "22.25", "30"))),
                employment_start=date(2020, 1, 1),
            )
        )
    roles = tuple(
        role(
            f"r{k}",
            rng.choice(SKILLS),
            min_level=rng.randint(1, 4),
            count=1 if wide else rng.randint(1, 2),
            hours_per_week=Decimal(rng.choice((10, 20, 25))),
            languages=frozenset(rng.sample(LANGUAGES, rng.randint(0, 1))),
        )
        for k in range(rng.randint(1, 3))
    )
    budget = Budget(usd(rng.choice((400, 800, 1500, 5000))), BudgetPeriod.WEEK)
    overlap_need = Decimal(rng.choice((0, 10, 20)))
    return project(roles, budget=budget, min_overlap_hours=overlap_need), pool


HOURS_CACHE: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}


def weekly_hours(pool: list[Specialist]) -> dict[str, tuple[Decimal, Decimal]]:
    result = {}
    for person in pool:
        key = (person.time_zone, str(person.working_hours))
        if key not in HOURS_CACHE:
            HOURS_CACHE[key] = _hours(person, START)
        result[person.id] = HOURS_CACHE[key]
    return result


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("objective", list(Objective))
def test_optimal_against_brute_force(objective: Objective, wide: bool) -> None:
    solved = infeasible = 0
    for seed in range(150 if not wide else 40):
        plan, pool = random_instance(seed, wide=wide)
        expected = brute_force(plan, pool, objective, weekly_hours(pool))
        if expected is None:
            with pytest.raises(TeamInfeasible):
                assemble_team(plan, pool, objective=objective)
            infeasible += 1
            continue
        team = assemble_team(plan, pool, objective=objective)
        assert (team.weekly_cost.amount, team.total_skill) == expected, seed
        assert_respects(team, plan, pool)
        solved += 1
    assert solved >= (60 if not wide else 20)
    assert infeasible >= 5


def assert_respects(team: Team, plan: Project, pool: list[Specialist]) -> None:
    people = {p.id: p for p in pool}
    seen: set[str] = set()
    for choice in team.roles:
        assert len(choice.members) == choice.role.count
        for member in choice.members:
            person = people[member.specialist_id]
            assert member.specialist_id not in seen
            seen.add(member.specialist_id)
            assert person.level_of(choice.role.skill) >= choice.role.min_level
            assert plan.languages | choice.role.languages <= person.languages
            need = choice.role.min_overlap_hours
            assert member.overlap_hours >= (plan.min_overlap_hours if need is None else need)


# --------------------------------------------------------------------------- behaviour


def test_overlap_follows_the_clients_clock_changes() -> None:
    manila = specialist(
        id="m1", time_zone="Asia/Manila", working_hours=parse_hours("mon-fri 13:00-22:00")
    )
    winter = assemble_team(project((role("a"),)), [manila])
    summer = assemble_team(project((role("a"),), start=date(2026, 4, 6)), [manila])
    # London 09-17 is 09-17 UTC in winter, 08-16 UTC in summer; Manila 13-22 is 05-14 UTC.
    assert winter.roles[0].members[0].overlap_hours == 25
    assert summer.roles[0].members[0].overlap_hours == 30


def test_languages_overlap_and_bookings_exclude_people() -> None:
    pool = [
        specialist(id="cheap-no-es", hourly_cost=usd(10)),
        specialist(id="cheap-night", hourly_cost=usd(11), languages=frozenset({"en", "es"}),
                   time_zone="Asia/Manila", working_hours=parse_hours("mon-fri 21:00-06:00")),
        specialist(id="booked", hourly_cost=usd(12), languages=frozenset({"en", "es"})),
        specialist(id="fits", hourly_cost=usd(30), languages=frozenset({"en", "es"})),
    ]  # fmt: skip
    plan = project(
        (role("analyst", languages=frozenset({"es"})),),
        min_overlap_hours=Decimal(25),  # Manila's night shift overlaps London 13-17 UTC: 20 h
        bookings=(Booking("booked", Decimal(25)),),
    )
    team = assemble_team(plan, pool)
    (choice,) = team.roles
    assert [m.specialist_id for m in choice.members] == ["fits"]
    assert dict(choice.excluded) == {
        "languages": 1,
        "overlap with client hours": 1,
        "booked": 1,
    }
    assert choice.alternative is None
    assert team.weekly_cost == usd(600)


def test_over_budget_says_by_how_much() -> None:
    pool = [specialist(id=f"p{n}", hourly_cost=usd(20 + n)) for n in range(3)]
    plan = project(
        (role("analyst", count=2, hours_per_week=Decimal(10)),),
        budget=Budget(usd(1000), BudgetPeriod.TOTAL),
        weeks=3,
    )
    # cheapest team: 20 + 21 = 41 USD/hour × 10 h = 410 USD/week, 1230 USD over 3 weeks
    with pytest.raises(TeamInfeasible, match=r"costs 1230.00 USD over 3 weeks, 230.00 USD more"):
        assemble_team(plan, pool)


def test_skill_objective_spends_the_budget_on_level() -> None:
    pool = [
        specialist(id="junior", skills={"card_disputes": 2}, hourly_cost=usd(10)),
        specialist(id="senior", skills={"card_disputes": 5}, hourly_cost=usd(30)),
        specialist(id="mid", skills={"card_disputes": 4}, hourly_cost=usd(18)),
    ]
    plan = project((role("a"),), budget=Budget(usd(400), BudgetPeriod.WEEK))
    assert assemble_team(plan, pool).roles[0].members[0].specialist_id == "junior"
    team = assemble_team(plan, pool, objective=Objective.SKILL)
    (choice,) = team.roles
    assert choice.members[0].specialist_id == "mid"  # senior costs 600 > 400
    alternative = choice.alternative
    assert alternative is not None
    assert alternative.candidate.specialist_id == "senior"
    assert (alternative.cost_difference, alternative.level_difference) == (usd(240), 1)
    assert not alternative.within_budget


def test_too_few_people_are_explained() -> None:
    pool = [specialist(id="only", skills={"card_disputes": 5, "payments": 5})]
    with pytest.raises(TeamInfeasible, match=r"role 'b' needs 2 but only 1"):
        assemble_team(project((role("a"), role("b", count=2))), pool)
    with pytest.raises(TeamInfeasible, match="2 different people"):
        assemble_team(project((role("a"), role("b", "payments"))), pool)


def test_unknown_booking_is_named_by_path() -> None:
    plan = project((role("a"),), bookings=(Booking("ghost", Decimal(5)),))
    with pytest.raises(ValidationError, match=r"bookings\[0\].specialist: unknown specialist"):
        assemble_team(plan, [specialist()])


def test_employment_and_currency_exclude() -> None:
    pool = [
        specialist(id="later", employment_start=date(2026, 6, 1)),
        specialist(id="eur", hourly_cost=Money(Decimal(5), "EUR")),
        replace(specialist(id="ok"), hourly_cost=usd(40)),
    ]
    (choice,) = assemble_team(project((role("a"),)), pool).roles
    assert [m.specialist_id for m in choice.members] == ["ok"]
    assert dict(choice.excluded) == {"not employed on the start date": 1, "other currency": 1}


# --------------------------------------------------------------------------- input


GOOD = {
    "name": "Disputes",
    "client_time_zone": "Europe/London",
    "business_hours": ["mon-fri 09:00-17:00"],
    "languages": ["en"],
    "start": "2026-04-06",
    "budget": {"amount": Decimal("5000"), "currency": "usd", "per": "week"},
    "roles": [{"name": "lead", "skill": "card_disputes", "min_level": 4, "hours_per_week": 20}],
    "bookings": [{"specialist": "krakow-001", "hours_per_week": Decimal("7.5")}],
}


def test_parse_project() -> None:
    plan = parse_project(GOOD)
    assert plan.budget == Budget(usd(5000), BudgetPeriod.WEEK)
    assert plan.roles == (role("lead", min_level=4),)
    assert plan.bookings == (Booking("krakow-001", Decimal("7.5")),)
    assert plan.languages == frozenset({"en"})


def test_parse_project_reports_every_problem_with_its_path() -> None:
    bad = GOOD | {
        "client_time_zone": "Mars/Base",
        "start": "06/04/2026",
        "budget": {"amount": "5000", "currency": "USD", "per": "total"},
        "roles": [
            {"name": "lead", "skill": "card_disputes", "min_level": 7, "hours_per_week": 0},
            {"name": "lead", "skill": "card_disputes", "count": 1.5, "hours_per_week": 10},
        ],
        "extra": 1,
    }
    with pytest.raises(ValidationError) as caught:
        parse_project(bad)
    message = caught.value.message
    for expected in (
        "extra: unknown field",
        "client_time_zone: unknown time zone",
        "start: '06/04/2026' is not a date",
        "roles[0].min_level: must be 1 to 5, got 7",
        "roles[0].hours_per_week: must be more than 0",
        "roles[1].count: expected a whole number",
        "weeks: a total budget needs",
    ):
        assert expected in message
