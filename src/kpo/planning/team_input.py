"""Read a team-assembly project from JSON-shaped data, reporting every problem with its path.

The format (PROJECT.json) is documented in docs/planning.md, "Team assembly".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from kpo.domain.calendars import WeeklyWindow, parse_hours
from kpo.domain.errors import KpoError, ValidationError
from kpo.domain.money import Money, parse_currency
from kpo.domain.reference import parse_language, parse_skill_name, parse_time_zone
from kpo.planning.team_model import Booking, Budget, BudgetPeriod, Project, Role

__all__ = ["parse_project"]

T = TypeVar("T")

_TOP = {
    "name", "client_time_zone", "business_hours", "min_overlap_hours", "languages", "start",
    "weeks", "budget", "roles", "bookings",
}  # fmt: skip
_ROLE = {"name", "skill", "min_level", "count", "hours_per_week", "languages", "min_overlap_hours"}
_BUDGET = {"amount", "currency", "per"}
_BOOKING = {"specialist", "hours_per_week"}
_WEEK_HOURS = Decimal(168)
_NONE: frozenset[str] = frozenset()


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def unknown(self, data: Mapping[str, object], allowed: set[str], path: str) -> None:
        for key in sorted(set(data) - allowed):
            self.add(f"{path}{key}", f"unknown field; expected one of {', '.join(sorted(allowed))}")


def _get(
    data: Mapping[str, object],
    key: str,
    path: str,
    parse: Callable[[object], T],
    problems: _Problems,
    *,
    default: T | None = None,
    required: bool = True,
) -> T | None:
    if key not in data or data[key] is None:
        if required:
            problems.add(f"{path}{key}", "is required")
        return default
    try:
        return parse(data[key])
    except KpoError as error:
        problems.add(f"{path}{key}", error.message)
    return None


def _text(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(f"expected non-empty text, got {raw!r}")
    return raw.strip()


def _decimal(low: Decimal, high: Decimal, *, low_open: bool = False) -> Callable[[object], Decimal]:
    def parse(raw: object) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
            raise ValidationError(f"expected a number, got {raw!r}")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ValidationError(f"{raw!r} is not a number") from None
        if not value.is_finite() or value > high or value < low or (low_open and value == low):
            bound = f"more than {low}" if low_open else f"at least {low}"
            raise ValidationError(f"must be {bound} and at most {high}, got {raw}")
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(f"use at most two decimals, got {raw}")
        return value

    return parse


def _integer(low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValidationError(f"expected a whole number, got {raw!r}")
        if not low <= raw <= high:
            raise ValidationError(f"must be {low} to {high}, got {raw}")
        return raw

    return parse


def _languages(raw: object) -> frozenset[str]:
    if not isinstance(raw, list):
        raise ValidationError(f"expected a list of ISO 639-1 codes such as ['en'], got {raw!r}")
    return frozenset(parse_language(_text(code)) for code in raw)


def _hours(raw: object) -> tuple[WeeklyWindow, ...]:
    text = ";".join(raw) if isinstance(raw, list) and all(isinstance(r, str) for r in raw) else raw
    windows = parse_hours(_text(text))
    if not windows:
        raise ValidationError("give at least one window such as 'mon-fri 09:00-17:00'")
    return windows


def _date(raw: object) -> date:
    try:
        return date.fromisoformat(_text(raw))
    except ValueError:
        raise ValidationError(f"{raw!r} is not a date such as 2026-04-06") from None


def _budget(raw: object) -> Budget:
    if not isinstance(raw, Mapping):
        raise ValidationError(
            'expected an object such as {"amount": "12000", "currency": "USD", "per": "week"}'
        )
    unknown = sorted(set(raw) - _BUDGET)
    if unknown:
        raise ValidationError(
            f"unknown field(s) {', '.join(unknown)}; expected amount, currency, per"
        )
    currency = parse_currency(_text(raw.get("currency")))
    amount = _decimal(Decimal(0), Decimal(10) ** 12, low_open=True)(raw.get("amount"))
    per = raw.get("per", "week")
    if per not in {"week", "total"}:
        raise ValidationError(f"per must be 'week' or 'total', got {per!r}")
    return Budget(Money(amount, currency), BudgetPeriod(per))


def _role(raw: object, path: str, problems: _Problems) -> Role | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "expected an object with name, skill, min_level, count, hours_per_week")
        return None
    before = len(problems.items)
    problems.unknown(raw, _ROLE, f"{path}.")
    p = f"{path}."
    name = _get(raw, "name", p, _text, problems)
    skill = _get(raw, "skill", p, lambda r: parse_skill_name(_text(r)), problems)
    level = _get(raw, "min_level", p, _integer(1, 5), problems, default=1, required=False)
    count = _get(raw, "count", p, _integer(1, 1000), problems, default=1, required=False)
    hours = _get(
        raw, "hours_per_week", p, _decimal(Decimal(0), _WEEK_HOURS, low_open=True), problems
    )
    languages = _get(raw, "languages", p, _languages, problems, default=_NONE, required=False)
    overlap = _get(
        raw, "min_overlap_hours", p, _decimal(Decimal(0), _WEEK_HOURS), problems, required=False
    )
    if len(problems.items) > before:
        return None
    assert name
    assert skill
    assert level
    assert count
    assert hours is not None
    assert languages is not None
    return Role(name, skill, level, count, hours, languages, overlap)


def _booking(raw: object, path: str, problems: _Problems) -> Booking | None:
    if not isinstance(raw, Mapping):
        problems.add(
            path, 'expected an object such as {"specialist": "krakow-001", "hours_per_week": 20}'
        )
        return None
    before = len(problems.items)
    problems.unknown(raw, _BOOKING, f"{path}.")
    who = _get(raw, "specialist", f"{path}.", _text, problems)
    hours = _get(
        raw,
        "hours_per_week",
        f"{path}.",
        _decimal(Decimal(0), _WEEK_HOURS, low_open=True),
        problems,
    )
    if len(problems.items) > before:
        return None
    assert who
    assert hours is not None
    return Booking(who, hours)


def _items(
    data: Mapping[str, object], key: str, problems: _Problems, *, required: bool
) -> list[object]:
    raw = data.get(key)
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        problems.add(key, "give a non-empty list" if required else "expected a list")
        return []
    return raw


def parse_project(data: object) -> Project:
    """Validate ``data`` (parsed JSON, decimals as ``Decimal``) into a :class:`Project`.

    Raises one :class:`ValidationError` listing every problem with its JSON path.
    """
    if not isinstance(data, Mapping):
        raise ValidationError("the project must be a JSON object", field="$")
    problems = _Problems()
    problems.unknown(data, _TOP, "")
    name = _get(data, "name", "", _text, problems)
    zone = _get(data, "client_time_zone", "", lambda r: parse_time_zone(_text(r)), problems)
    hours = _get(data, "business_hours", "", _hours, problems)
    overlap = _get(
        data, "min_overlap_hours", "", _decimal(Decimal(0), _WEEK_HOURS), problems,
        default=Decimal(0), required=False,
    )  # fmt: skip
    languages = _get(data, "languages", "", _languages, problems, default=_NONE, required=False)
    start = _get(data, "start", "", _date, problems)
    weeks = _get(data, "weeks", "", _integer(1, 520), problems, required=False)
    budget = _get(data, "budget", "", _budget, problems)
    roles = [
        role
        for i, raw in enumerate(_items(data, "roles", problems, required=True))
        if (role := _role(raw, f"roles[{i}]", problems)) is not None
    ]
    names = [role.name for role in roles]
    for i, role_name in enumerate(names):
        if role_name in names[:i]:
            problems.add(f"roles[{i}].name", f"{role_name!r} is used by an earlier role")
    bookings = [
        booking
        for i, raw in enumerate(_items(data, "bookings", problems, required=False))
        if (booking := _booking(raw, f"bookings[{i}]", problems)) is not None
    ]
    if budget is not None and budget.per is BudgetPeriod.TOTAL and weeks is None:
        problems.add("weeks", "a total budget needs the project's length in weeks")
    if problems.items:
        count = len(problems.items)
        listed = "\n  ".join(problems.items)
        raise ValidationError(
            f"the project has {count} problem{'s' * (count != 1)}:\n  {listed}",
            field=problems.items[0].split(":", 1)[0],
        )
    assert name
    assert zone
    assert hours
    assert start
    assert budget
    assert overlap is not None
    assert languages is not None
    return Project(
        name=name,
        client_time_zone=zone,
        business_hours=hours,
        start=start,
        roles=tuple(roles),
        budget=budget,
        languages=languages,
        min_overlap_hours=overlap,
        weeks=weeks,
        bookings=tuple(bookings),
    )
