"""Team assembly: the cheapest (or most skilled, within budget) team for a project.

A project needs roles — a skill at a minimum level, a number of seats, hours per week — and
every member must speak the project's (and the role's) languages, work at least
``min_overlap_hours`` a week inside the client's business hours, be employed on the start
date and have the role's hours free after existing bookings. A person fills at most one seat.

Exact optimum with CP-SAT on a pruned candidate set. Pruning is exact: with ``N`` seats in
all, a candidate for a role who is beaten on both cost and level by ``N`` other candidates
for that role can never be needed — at most ``N − 1`` of those are busy in other seats, so
one is free to swap in at no loss. So each role keeps, per skill level, the ``N`` cheapest
candidates at that level or above: at most ``5·N`` per role, whatever the pool size.

Objectives (both lexicographic, solved exactly):

* ``cost`` — lowest weekly cost; among equal costs, the highest total skill level;
* ``skill`` — highest total skill level (sum of members' levels in their role's skill) within
  the budget; among equal skill, the lowest cost.

Weekly cost of a member is ``hourly_cost × hours_per_week`` of their role; costs are compared
to 1/10,000 of the currency unit. Overlap and capacity are measured over the reference week
that starts at 00:00 of the start date in the client's time zone (so that week's clock
changes count).
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from kpo.domain.calendars import BusinessCalendar, WeeklyWindow
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.planning.team_model import (
    Alternative,
    Booking,
    Budget,
    BudgetPeriod,
    Member,
    Objective,
    Project,
    Role,
    RoleChoice,
    Team,
    TeamInfeasible,
)

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
    "assemble_team",
]

_WEEK = timedelta(days=7)
_SCALE = Decimal(10_000)  # costs in CP-SAT: 1/10,000 of the currency unit
_MAX_LEVEL = 5
_RankKey = Callable[["Member"], tuple[Decimal | int | str, ...]]


# --------------------------------------------------------------------------- availability


def _hours(span: timedelta) -> Decimal:
    return Decimal(int(span.total_seconds())) / 3600


def _overlap(
    a: Sequence[tuple[datetime, datetime]], b: Sequence[tuple[datetime, datetime]]
) -> timedelta:
    total, i, j = timedelta(0), 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += end - start
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


class _Week:
    """Capacity and client overlap of working-hour patterns over the reference week,
    cached per (time zone, weekly hours): pools share a few shift patterns."""

    def __init__(self, project: Project) -> None:
        zone = ZoneInfo(project.client_time_zone)
        self.start = datetime.combine(project.start, datetime.min.time(), tzinfo=zone)
        self.end = self.start + _WEEK
        client = BusinessCalendar(project.client_time_zone, project.business_hours)
        self.client = list(client.open_intervals(self.start, self.end))
        self._cache: dict[tuple[str, tuple[WeeklyWindow, ...]], tuple[Decimal, Decimal]] = {}

    def of(self, specialist: Specialist) -> tuple[Decimal, Decimal]:
        """(weekly working hours, hours of them inside the client's business hours)."""
        key = (specialist.time_zone, specialist.working_hours)
        found = self._cache.get(key)
        if found is None:
            calendar = BusinessCalendar(specialist.time_zone, specialist.working_hours)
            own = list(calendar.open_intervals(self.start, self.end))
            capacity = sum((end - start for start, end in own), timedelta(0))
            found = (_hours(capacity), _hours(_overlap(own, self.client)))
            self._cache[key] = found
        return found


# --------------------------------------------------------------------------- candidates


def _booked(project: Project, known: set[str]) -> dict[str, Decimal]:
    booked: dict[str, Decimal] = {}
    for index, booking in enumerate(project.bookings):
        if booking.specialist_id not in known:
            raise ValidationError(
                f"bookings[{index}].specialist: unknown specialist {booking.specialist_id!r}",
                field=f"bookings[{index}].specialist",
            )
        booked[booking.specialist_id] = (
            booked.get(booking.specialist_id, Decimal(0)) + booking.hours_per_week
        )
    return booked


def _candidates(
    project: Project, specialists: Sequence[Specialist]
) -> tuple[list[list[Member]], list[dict[str, int]]]:
    """Eligible members per role, and how many were excluded for which first reason."""
    week = _Week(project)
    booked = _booked(project, {s.id for s in specialists})
    currency = project.budget.amount.currency
    eligible: list[list[Member]] = [[] for _ in project.roles]
    excluded: list[dict[str, int]] = [{} for _ in project.roles]
    for person in specialists:
        employed = person.is_employed_on(project.start)
        capacity, overlap = week.of(person)
        free = capacity - booked.get(person.id, Decimal(0))
        for index, role in enumerate(project.roles):
            level = person.skills.get(role.skill, 0)
            need_overlap = (
                project.min_overlap_hours if role.min_overlap_hours is None
                else role.min_overlap_hours
            )  # fmt: skip
            reason = None
            if level < role.min_level:
                reason = "skill level"
            elif not (project.languages | role.languages) <= person.languages:
                reason = "languages"
            elif not employed:
                reason = "not employed on the start date"
            elif overlap < need_overlap:
                reason = "overlap with client hours"
            elif free < role.hours_per_week:
                reason = "booked"
            elif person.hourly_cost.currency != currency:
                reason = "other currency"
            if reason is not None:
                excluded[index][reason] = excluded[index].get(reason, 0) + 1
                continue
            eligible[index].append(
                Member(
                    person.id,
                    person.name,
                    person.vendor_id,
                    role.name,
                    level,
                    person.hourly_cost * role.hours_per_week,
                    overlap,
                    free,
                )
            )
    return eligible, excluded


def _rank(objective: Objective) -> _RankKey:
    if objective is Objective.COST:
        return lambda m: (m.weekly_cost.amount, -m.level, m.specialist_id)
    return lambda m: (-m.level, m.weekly_cost.amount, m.specialist_id)


def _prune(members: Iterable[Member], seats: int) -> list[Member]:
    """Per level ℓ, the ``seats`` cheapest candidates at level ℓ or above (see module doc)."""
    ordered = sorted(members, key=lambda m: (m.weekly_cost.amount, m.specialist_id))
    kept: dict[str, Member] = {}
    for level in range(1, _MAX_LEVEL + 1):
        for member in [m for m in ordered if m.level >= level][:seats]:
            kept[member.specialist_id] = member
    return sorted(kept.values(), key=lambda m: (m.weekly_cost.amount, m.specialist_id))


# --------------------------------------------------------------------------- solver


def _units(amount: Decimal) -> int:
    return int((amount * _SCALE).to_integral_value(rounding=ROUND_HALF_EVEN))


def _weekly_limit(project: Project) -> int:
    """The budget as the highest weekly cost in solver units."""
    budget = project.budget
    units = _units(budget.amount.amount)
    if budget.per is BudgetPeriod.WEEK:
        return units
    assert project.weeks is not None  # checked by the input reader and by assemble_team
    return units // project.weeks


def _solve(
    pools: list[list[Member]],
    project: Project,
    *,
    objective: Objective,
    limit: int | None,
    hint: set[tuple[int, str]] | None = None,
) -> set[tuple[int, str]] | None:
    """Chosen (role index, specialist id) pairs, or ``None`` when no team fits."""
    model = cp_model.CpModel()
    chosen: dict[tuple[int, str], cp_model.IntVar] = {}
    for index, pool in enumerate(pools):
        for member in pool:
            chosen[index, member.specialist_id] = model.new_bool_var(
                f"x{index}_{member.specialist_id}"
            )
        model.add(sum(chosen[index, m.specialist_id] for m in pool) == project.roles[index].count)
    by_person: dict[str, list[cp_model.IntVar]] = {}
    for (_, person), var in chosen.items():
        by_person.setdefault(person, []).append(var)
    for variables in by_person.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    costs = {
        (i, m.specialist_id): _units(m.weekly_cost.amount) for i, p in enumerate(pools) for m in p
    }
    shortfall = {(i, m.specialist_id): _MAX_LEVEL - m.level for i, p in enumerate(pools) for m in p}
    cost = sum(costs[key] * var for key, var in chosen.items())
    if limit is not None:
        model.add(cost <= limit)
    missing = sum(shortfall[key] * var for key, var in chosen.items())
    if objective is Objective.COST:
        model.minimize(cost * (_MAX_LEVEL * project.seats + 1) + missing)
    else:
        top = sum(sorted(costs.values(), reverse=True)[: project.seats]) + 1
        model.minimize(missing * top + cost)
    if hint:
        for key, var in chosen.items():
            model.add_hint(var, key in hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic: ties always resolve the same way
    solver.parameters.max_time_in_seconds = 60.0
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return {key for key, var in chosen.items() if solver.value(var)}
    if status == cp_model.INFEASIBLE:
        return None
    raise ValidationError(  # pragma: no cover - the pruned model is small
        f"the team solver stopped without a proven optimum ({solver.status_name(status)})"
    )


# --------------------------------------------------------------------------- use


def _check(project: Project) -> None:
    if not project.roles:
        raise ValidationError("the project needs at least one role", field="roles")
    if project.budget.per is BudgetPeriod.TOTAL and project.weeks is None:
        raise ValidationError(
            "a total budget needs the project's length: give 'weeks'", field="weeks"
        )


def _short_roles(
    project: Project, eligible: list[list[Member]], excluded: list[dict[str, int]]
) -> list[str]:
    lines = []
    for role, pool, reasons in zip(project.roles, eligible, excluded, strict=True):
        if len(pool) < role.count:
            why = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
            lines.append(
                f"role {role.name!r} needs {role.count} but only {len(pool)} specialist(s) "
                f"qualify (excluded: {why or 'none'})"
            )
    return lines


def _over_budget(project: Project, cheapest: Money) -> TeamInfeasible:
    budget = project.budget
    if budget.per is BudgetPeriod.WEEK:
        cost, period = cheapest, "per week"
    else:
        assert project.weeks is not None
        cost, period = cheapest * project.weeks, f"over {project.weeks} weeks"
    over = (cost - budget.amount).rounded()
    return TeamInfeasible(
        f"over budget: the cheapest team that meets every need costs {cost.rounded()} "
        f"{period}, {over} more than the budget of {budget.amount.rounded()} {period}; "
        "raise the budget or relax a role (count, level, hours, languages, overlap)",
        field="budget",
    )


def assemble_team(
    project: Project,
    specialists: Sequence[Specialist],
    *,
    objective: Objective = Objective.COST,
) -> Team:
    """The optimal team for ``project`` from ``specialists``, with the reasons for it.

    Raises :class:`TeamInfeasible` when a role has too few qualifying people, the roles
    together need more distinct people than qualify, or the cheapest team is over budget
    (saying by how much); :class:`ValidationError` for a booking of an unknown specialist.
    """
    started = timer.perf_counter()
    _check(project)
    eligible, excluded = _candidates(project, specialists)
    short = _short_roles(project, eligible, excluded)
    if short:
        raise TeamInfeasible("no team fits: " + "; ".join(short), field="roles")
    pools = [_prune(pool, project.seats) for pool in eligible]
    cheapest = _solve(pools, project, objective=Objective.COST, limit=None)
    if cheapest is None:
        raise TeamInfeasible(
            f"no team fits: the roles need {project.seats} different people and a person fills "
            "at most one seat, but too few qualify for several roles at once ("
            + ", ".join(f"{r.name}: {len(p)}" for r, p in zip(project.roles, eligible, strict=True))
            + " qualify)",
            field="roles",
        )
    currency = project.budget.amount.currency
    lookup = {(i, m.specialist_id): m for i, pool in enumerate(pools) for m in pool}
    cheapest_cost = sum((lookup[key].weekly_cost for key in cheapest), Money.zero(currency))
    limit = _weekly_limit(project)
    if _units(cheapest_cost.amount) > limit:
        raise _over_budget(project, cheapest_cost)
    picked = cheapest
    if objective is Objective.SKILL:
        best = _solve(pools, project, objective=objective, limit=limit, hint=cheapest)
        assert best is not None  # the cheapest team is within the budget
        picked = best
    members = [[lookup[i, person] for (i, person) in sorted(picked) if i == index]
               for index in range(len(project.roles))]  # fmt: skip
    weekly = sum((m.weekly_cost for group in members for m in group), Money.zero(currency))
    in_team = {m.specialist_id for group in members for m in group}
    rank = _rank(objective)
    choices = []
    for index, role in enumerate(project.roles):
        group = sorted(members[index], key=rank)
        others = [m for m in eligible[index] if m.specialist_id not in in_team]
        alternative = None
        if others and group:
            candidate, replaced = min(others, key=rank), group[-1]
            difference = candidate.weekly_cost - replaced.weekly_cost
            alternative = Alternative(
                candidate,
                replaced,
                difference.rounded(),
                candidate.level - replaced.level,
                _units((weekly + difference).amount) <= limit,
            )
        choices.append(
            RoleChoice(
                role,
                tuple(group),
                len(eligible[index]),
                tuple(sorted(excluded[index].items())),
                alternative,
            )
        )
    return Team(
        project=project,
        objective=objective,
        roles=tuple(choices),
        weekly_cost=weekly.rounded(),
        total_cost=None if project.weeks is None else (weekly * project.weeks).rounded(),
        total_skill=sum(m.level for group in members for m in group),
        cheapest_weekly_cost=cheapest_cost.rounded(),
        candidates_considered=sum(len(pool) for pool in pools),
        wall_time_seconds=timer.perf_counter() - started,
    )
