"""Read a shift-scheduling request from JSON-shaped data, reporting every problem with its path.

Pure: file reading and holiday look-up are the caller's (the CLI passes CSV rows and a
holiday function). The format is documented in docs/scheduling.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpo.domain.errors import KpoError, ValidationError
from kpo.domain.money import CURRENCIES, Money
from kpo.planning.scheduling_model import (
    INTERVAL,
    INTERVALS_PER_DAY,
    ScheduleRequest,
    ShiftTemplate,
    Vendor,
)

__all__ = ["HolidayLookup", "parse_schedule_request"]

HolidayLookup = Callable[[str, Sequence[int]], frozenset[date]]
"""(country code, years) -> public holidays; raises ValidationError for an unknown country."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TOP_KEYS = {"week_start", "currency", "requirement", "requirement_csv", "vendors"}
_VENDOR_KEYS = {
    "name", "time_zone", "country", "holidays", "cost_per_hour", "night_premium",
    "weekend_premium", "night_start", "night_end", "max_days_per_week", "headcount_limit",
    "templates",
}  # fmt: skip
_TEMPLATE_KEYS = {"name", "start", "length", "break_length", "break_after", "days", "cost_per_hour"}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def parse_schedule_request(
    data: object,
    *,
    requirement_rows: Sequence[tuple[str, str]] | None = None,
    holidays_for: HolidayLookup | None = None,
) -> ScheduleRequest:
    """Validate ``data`` (parsed JSON, decimals as ``Decimal``) into a :class:`ScheduleRequest`.

    ``requirement_rows`` are the ``(interval_start, required)`` rows of the file named by
    ``requirement_csv``. ``holidays_for`` fills ``holidays`` for vendors that give a
    ``country`` but no ``holidays``. Raises one :class:`ValidationError` listing every problem.
    """
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise ValidationError("the input must be a JSON object", field="$")
    for key in sorted(set(data) - _TOP_KEYS):
        problems.add(key, "unknown field")
    currency = _currency(data.get("currency"), problems)
    week_start, required = _requirement(data, requirement_rows, problems)
    vendors_raw = data.get("vendors")
    vendors: list[Vendor] = []
    if not isinstance(vendors_raw, list) or not vendors_raw:
        problems.add("vendors", "give a non-empty list of vendors")
    else:
        years = sorted({(week_start or datetime(2000, 1, 1, tzinfo=UTC)).year + d for d in (0, 1)})
        for i, raw in enumerate(vendors_raw):
            vendor = _vendor(raw, f"vendors[{i}]", currency, years, holidays_for, problems)
            if vendor is not None:
                vendors.append(vendor)
        names = [v.get("name") for v in vendors_raw if isinstance(v, Mapping)]
        for i, name in enumerate(names):
            if name in names[:i]:
                problems.add(f"vendors[{i}].name", f"{name!r} is used by an earlier vendor")
    if problems.items or week_start is None or required is None or currency is None:
        _raise(problems)
    try:
        return ScheduleRequest(week_start, required, tuple(vendors))
    except ValidationError as error:  # pragma: no cover - rules are checked above
        raise ValidationError(f"{error.field}: {error.message}", field=error.field) from None


def _raise(problems: _Problems) -> NoReturn:
    count = len(problems.items)
    lines = "\n  ".join(problems.items)
    raise ValidationError(
        f"the schedule input has {count} problem{'s' * (count != 1)}:\n  {lines}",
        field=problems.items[0].split(":", 1)[0] if problems.items else None,
    )


def _currency(raw: object, problems: _Problems) -> str | None:
    if not isinstance(raw, str) or raw.strip().upper() not in CURRENCIES:
        problems.add("currency", f"{raw!r} is not an ISO 4217 currency code such as 'USD'")
        return None
    return raw.strip().upper()


def _requirement(
    data: Mapping[str, object],
    rows: Sequence[tuple[str, str]] | None,
    problems: _Problems,
) -> tuple[datetime | None, tuple[int, ...] | None]:
    week_start = None
    if "week_start" in data:
        week_start = _instant(data["week_start"], "week_start", problems)
    has_list, has_csv = "requirement" in data, "requirement_csv" in data
    if has_list == has_csv:
        problems.add("requirement", "give either 'requirement' (a list) or 'requirement_csv'")
        return week_start, None
    if has_list:
        raw = data["requirement"]
        if week_start is None and "week_start" not in data:
            problems.add("week_start", "required with 'requirement'")
        if not isinstance(raw, list):
            problems.add("requirement", "must be a list of staff counts")
            return week_start, None
        values = [_count(v, f"requirement[{i}]", problems) for i, v in enumerate(raw)]
        _check_length(len(raw), "requirement", problems)
        return week_start, tuple(v or 0 for v in values)
    if rows is None:
        problems.add("requirement_csv", "the CSV file was not read")
        return week_start, None
    starts: list[datetime | None] = []
    values = []
    for n, (start_text, value_text) in enumerate(rows, start=2):
        path = f"requirement_csv:row {n}"
        starts.append(_instant(start_text, f"{path}.interval_start", problems))
        try:
            values.append(_count(int(value_text), f"{path}.required", problems))
        except ValueError:
            problems.add(f"{path}.required", f"{value_text!r} is not a whole number")
    _check_length(len(rows), "requirement_csv", problems)
    first = starts[0] if starts else None
    if week_start is None:
        week_start = first
    elif first is not None and first != week_start:
        problems.add("requirement_csv:row 2.interval_start", "does not equal week_start")
    if week_start is not None:
        for n, start in enumerate(starts):
            if start is not None and start != week_start + n * INTERVAL:
                problems.add(
                    f"requirement_csv:row {n + 2}.interval_start",
                    f"expected {(week_start + n * INTERVAL).isoformat()}: rows must be "
                    "consecutive half hours",
                )
    return week_start, tuple(v or 0 for v in values)


def _check_length(n: int, path: str, problems: _Problems) -> None:
    if n == 0 or n % INTERVALS_PER_DAY or n > 7 * INTERVALS_PER_DAY:
        problems.add(path, f"has {n} intervals: give 336 half hours for a week (48 per day)")


def _instant(raw: object, path: str, problems: _Problems) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        problems.add(path, f"{raw!r} is not an ISO 8601 date and time")
        return None
    if value.tzinfo is None:
        problems.add(path, f"{raw!r} has no UTC offset: add 'Z' or '+HH:MM'")
        return None
    value = value.astimezone(UTC)
    if value.minute % 30 or value.second or value.microsecond:
        problems.add(path, f"{raw!r} does not start a half hour")
        return None
    return value


def _count(raw: object, path: str, problems: _Problems) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal) or raw != int(raw) or raw < 0:
        problems.add(path, f"{raw!r} is not a whole number of staff (0 or more)")
        return None
    return int(raw)


def _decimal(raw: object, path: str, problems: _Problems, *, default: str | None = None) -> Decimal:
    if raw is None and default is not None:
        return Decimal(default)
    try:
        if isinstance(raw, bool | float) or raw is None:
            raise InvalidOperation
        value = Decimal(str(raw))
    except InvalidOperation:
        problems.add(path, f'{raw!r} is not a decimal number (write it as "6.50")')
        return Decimal(0)
    if not value.is_finite() or value < 0:
        problems.add(path, f"{raw!r} must be 0 or more")
        return Decimal(0)
    return value


def _clock(raw: object, path: str, problems: _Problems) -> time | None:
    match = _CLOCK.match(raw) if isinstance(raw, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        problems.add(path, f"{raw!r} is not a time (HH:MM, 00:00 to 23:59)")
        return None
    return time(int(match[1]), int(match[2]))


def _duration(raw: object, path: str, problems: _Problems) -> timedelta | None:
    match = _CLOCK.match(raw) if isinstance(raw, str) else None
    if not match or int(match[2]) > 59:
        problems.add(path, f"{raw!r} is not a duration (H:MM, such as '8:30')")
        return None
    return timedelta(hours=int(match[1]), minutes=int(match[2]))


def _vendor(
    raw: object,
    path: str,
    currency: str | None,
    years: Sequence[int],
    holidays_for: HolidayLookup | None,
    problems: _Problems,
) -> Vendor | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "must be an object")
        return None
    before = len(problems.items)
    for key in sorted(set(raw) - _VENDOR_KEYS):
        problems.add(f"{path}.{key}", "unknown field")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{path}.name", "give a non-empty name")
    zone = None
    try:
        zone = ZoneInfo(str(raw.get("time_zone")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(
            f"{path}.time_zone",
            f"{raw.get('time_zone')!r} is not an IANA time zone such as 'Europe/Warsaw'",
        )
    rate = _decimal(raw.get("cost_per_hour"), f"{path}.cost_per_hour", problems)
    night = _decimal(raw.get("night_premium"), f"{path}.night_premium", problems, default="0")
    weekend = _decimal(raw.get("weekend_premium"), f"{path}.weekend_premium", problems, default="0")
    night_start = _clock(raw.get("night_start", "22:00"), f"{path}.night_start", problems)
    night_end = _clock(raw.get("night_end", "06:00"), f"{path}.night_end", problems)
    max_days = raw.get("max_days_per_week", 5)
    if isinstance(max_days, bool) or not isinstance(max_days, int) or not 1 <= max_days <= 7:
        problems.add(f"{path}.max_days_per_week", f"{max_days!r} is not a whole number 1–7")
        max_days = 5
    limit = raw.get("headcount_limit")
    if limit is not None and _count(limit, f"{path}.headcount_limit", problems) is None:
        limit = None
    country = raw.get("country")
    if country is not None and not (
        isinstance(country, str) and re.fullmatch("[A-Za-z]{2}", country)
    ):
        problems.add(f"{path}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
        country = None
    holiday_dates = _holidays(raw, path, country, years, holidays_for, problems)
    templates_raw = raw.get("templates")
    templates: list[ShiftTemplate] = []
    if not isinstance(templates_raw, list) or not templates_raw:
        problems.add(f"{path}.templates", "give a non-empty list of shift templates")
    else:
        for j, t_raw in enumerate(templates_raw):
            template = _template(t_raw, f"{path}.templates[{j}]", problems)
            if template is not None:
                templates.append(template)
    if len(problems.items) > before or zone is None or currency is None:
        return None
    assert night_start is not None
    assert night_end is not None
    assert isinstance(name, str)
    return Vendor(
        name=name,
        time_zone=zone,
        cost_per_hour=Money(rate, currency),
        templates=tuple(templates),
        max_days_per_week=int(max_days),
        headcount_limit=None if limit is None else int(limit),
        holidays=holiday_dates,
        night_premium=night,
        weekend_premium=weekend,
        night_start=night_start,
        night_end=night_end,
        country=country.upper() if isinstance(country, str) else None,
    )


def _holidays(
    raw: Mapping[str, object],
    path: str,
    country: object,
    years: Sequence[int],
    holidays_for: HolidayLookup | None,
    problems: _Problems,
) -> frozenset[date]:
    given = raw.get("holidays")
    if given is None:
        if isinstance(country, str) and holidays_for is not None:
            try:
                return holidays_for(country.upper(), years)
            except KpoError as error:
                problems.add(f"{path}.country", error.message)
        return frozenset()
    if not isinstance(given, list):
        problems.add(f"{path}.holidays", "must be a list of dates (YYYY-MM-DD)")
        return frozenset()
    dates: set[date] = set()
    for k, text in enumerate(given):
        try:
            dates.add(date.fromisoformat(str(text)))
        except ValueError:
            problems.add(f"{path}.holidays[{k}]", f"{text!r} is not a date (YYYY-MM-DD)")
    return frozenset(dates)


def _template(raw: object, path: str, problems: _Problems) -> ShiftTemplate | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "must be an object")
        return None
    before = len(problems.items)
    for key in sorted(set(raw) - _TEMPLATE_KEYS):
        problems.add(f"{path}.{key}", "unknown field")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{path}.name", "give a non-empty name")
    start = _clock(raw.get("start"), f"{path}.start", problems)
    length = _duration(raw.get("length"), f"{path}.length", problems)
    if length is not None and not timedelta(minutes=30) <= length <= timedelta(hours=24):
        problems.add(f"{path}.length", f"{raw.get('length')!r} must be 0:30 to 24:00")
    break_length = _duration(raw.get("break_length", "0:00"), f"{path}.break_length", problems)
    break_after = _duration(raw.get("break_after", "0:00"), f"{path}.break_after", problems)
    if (
        length is not None
        and break_length is not None
        and break_after is not None
        and break_length
        and (break_after + break_length > length or break_length >= length)
    ):
        problems.add(f"{path}.break_after", "the break must end before the shift does")
    days_raw = raw.get("days", list(WEEKDAYS))
    weekdays: set[int] = set()
    if not isinstance(days_raw, list) or not days_raw:
        problems.add(f"{path}.days", f"give a non-empty list of days among {', '.join(WEEKDAYS)}")
    else:
        for k, day in enumerate(days_raw):
            if isinstance(day, str) and day.lower()[:3] in WEEKDAYS:
                weekdays.add(WEEKDAYS.index(day.lower()[:3]))
            else:
                problems.add(f"{path}.days[{k}]", f"{day!r} is not a day ({', '.join(WEEKDAYS)})")
    rate = None
    if raw.get("cost_per_hour") is not None:
        rate = _decimal(raw.get("cost_per_hour"), f"{path}.cost_per_hour", problems)
    if len(problems.items) > before:
        return None
    assert start is not None
    assert length is not None
    assert isinstance(name, str)
    return ShiftTemplate(
        name=name,
        start=start,
        length=length,
        break_length=break_length or timedelta(0),
        break_offset=break_after or timedelta(0),
        weekdays=frozenset(weekdays),
        cost_per_hour=rate,
    )
