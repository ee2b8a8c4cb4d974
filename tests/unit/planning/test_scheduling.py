"""Shift scheduling: small instances whose optimum can be worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.planning.scheduling import (
    ScheduleRequest,
    ShiftTemplate,
    SolveOptions,
    SolveStatus,
    Vendor,
    headcount_needed,
    solve_schedule,
)
from kpo.planning.scheduling_input import parse_schedule_request
from kpo.planning.scheduling_model import expand_candidates

MONDAY = datetime(2025, 1, 6, tzinfo=UTC)
OPTIONS = SolveOptions(time_limit_seconds=20)


def _slot(day: int, hh: int, mm: int = 0) -> int:
    return day * 48 + hh * 2 + mm // 30


def _demand(*spans: tuple[int, int, int]) -> tuple[int, ...]:
    """(first interval, end interval, staff) spans on an empty week."""
    required = [0] * 336
    for first, end, staff in spans:
        for i in range(first, end):
            required[i] = staff
    return tuple(required)


def _shift(name: str, start: int, hours: int, **kwargs: Any) -> ShiftTemplate:
    return ShiftTemplate(name, time(start), timedelta(hours=hours), **kwargs)


def _vendor(name: str, templates: tuple[ShiftTemplate, ...], **kwargs: Any) -> Vendor:
    kwargs.setdefault("time_zone", ZoneInfo("UTC"))
    kwargs.setdefault("cost_per_hour", Money.of("10", "USD"))
    return Vendor(name=name, templates=templates, **kwargs)


def test_known_optimum_picks_the_cheapest_cover() -> None:
    # Staff 1 from 08:00 to 20:00 on Monday. A (08–16) + C (14–20) = 14 h beats A + B = 16 h.
    vendor = _vendor("v", (_shift("A", 8, 8), _shift("B", 12, 8), _shift("C", 14, 6)))
    request = ScheduleRequest(MONDAY, _demand((_slot(0, 8), _slot(0, 20), 1)), (vendor,))
    schedule = solve_schedule(request, OPTIONS)
    assert schedule.status is SolveStatus.OPTIMAL
    assert schedule.total_cost == Money.of("140.00", "USD")
    assert schedule.lp_lower_bound == Money.of("140.00", "USD")
    assert schedule.gap == 0
    assert sorted(s.template for s in schedule.shifts) == ["A", "C"]
    assert schedule.shortfall_total == 0


def test_two_people_on_one_shift() -> None:
    vendor = _vendor("v", (_shift("day", 9, 8),))
    request = ScheduleRequest(MONDAY, _demand((_slot(0, 9), _slot(0, 17), 2)), (vendor,))
    schedule = solve_schedule(request, OPTIONS)
    (shift,) = schedule.shifts
    assert shift.people == 2
    assert shift.cost_each == Money.of("80.00", "USD")
    assert schedule.total_cost == Money.of("160.00", "USD")
    assert [c.covered for c in schedule.coverage[_slot(0, 9) : _slot(0, 17)]] == [2] * 16


def test_unpaid_break_is_neither_covered_nor_paid() -> None:
    template = _shift("d", 9, 9, break_length=timedelta(hours=1), break_offset=timedelta(hours=4))
    (candidate,) = expand_candidates(
        ScheduleRequest(MONDAY, _demand(), (_vendor("v", (template,)),))
    )[:1]
    assert candidate.paid_minutes == 480
    assert candidate.cost == 80
    assert _slot(0, 13) not in candidate.intervals
    assert _slot(0, 13, 30) not in candidate.intervals
    assert len(candidate.intervals) == 16


def test_overnight_sunday_shift_covers_monday_morning_of_the_cyclic_week() -> None:
    night = _shift("night", 22, 8, weekdays=frozenset({6}))
    vendor = _vendor("v", (night,))
    required = _demand((_slot(6, 22), 336, 1), (0, _slot(0, 6), 1))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (vendor,)), OPTIONS)
    (shift,) = schedule.shifts
    assert shift.local_date == date(2025, 1, 12)  # Sunday
    assert shift.utc_end == datetime(2025, 1, 13, 6, tzinfo=UTC)
    assert schedule.shortfall_total == 0
    assert schedule.total_cost == Money.of("80.00", "USD")


def test_overnight_across_spring_dst_change_in_local_time() -> None:
    # Warsaw, Saturday 29 March 2025 22:00 CET + 8 h elapsed = Sunday 07:00 CEST (05:00 UTC).
    vendor = _vendor(
        "waw",
        (_shift("night", 22, 8, weekdays=frozenset({5})),),
        time_zone=ZoneInfo("Europe/Warsaw"),
        night_premium=Decimal("0.25"),
        weekend_premium=Decimal("0.5"),
    )
    week = datetime(2025, 3, 24, tzinfo=UTC)
    (candidate,) = expand_candidates(ScheduleRequest(week, _demand(), (vendor,)))
    assert candidate.utc_start == datetime(2025, 3, 29, 21, tzinfo=UTC)
    assert candidate.utc_end.astimezone(vendor.time_zone).hour == 7
    assert candidate.intervals == tuple(range(_slot(5, 21), _slot(6, 5)))
    # Night is 22:00–02:00 CET (4 h) and 03:00–06:00 CEST (3 h); all 8 h are weekend.
    assert candidate.night_minutes == 420
    assert candidate.weekend_minutes == 480
    assert candidate.cost == Decimal("10") * (8 + Decimal("0.25") * 7 + Decimal("0.5") * 8)


def test_overnight_across_autumn_dst_change() -> None:
    # Saturday 25 October 2025 22:00 CEST (20:00 UTC) + 8 h = Sunday 05:00 CET: all night.
    vendor = _vendor(
        "waw",
        (_shift("night", 22, 8, weekdays=frozenset({5})),),
        time_zone=ZoneInfo("Europe/Warsaw"),
        night_premium=Decimal("0.25"),
    )
    week = datetime(2025, 10, 20, tzinfo=UTC)
    (candidate,) = expand_candidates(ScheduleRequest(week, _demand(), (vendor,)))
    assert candidate.utc_start == datetime(2025, 10, 25, 20, tzinfo=UTC)
    assert candidate.intervals == tuple(range(_slot(5, 20), _slot(6, 4)))
    assert candidate.night_minutes == 480
    assert candidate.cost == 100


def test_infeasible_demand_reports_each_short_interval() -> None:
    vendor = _vendor("v", (_shift("day", 9, 8),), headcount_limit=1)
    required = _demand((_slot(0, 9), _slot(0, 17), 1), (_slot(0, 10), _slot(0, 11), 3))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (vendor,)), OPTIONS)
    assert schedule.shortfall_total == 4
    short = [(c.start, c.shortfall) for c in schedule.short_intervals]
    assert short == [
        (datetime(2025, 1, 6, 10, tzinfo=UTC), 2),
        (datetime(2025, 1, 6, 10, 30, tzinfo=UTC), 2),
    ]
    assert schedule.total_cost == Money.of("80.00", "USD")


def test_headcount_limit_with_max_days_per_week() -> None:
    # 3 staff 09–17 every day = 21 shift-days; 4 people x 5 days = 20 from the cheap vendor.
    cheap = _vendor("cheap", (_shift("day", 9, 8),), headcount_limit=4, max_days_per_week=5)
    dear = _vendor("dear", (_shift("day", 9, 8),), cost_per_hour=Money.of("20", "USD"))
    required = tuple(3 if 18 <= i % 48 < 34 else 0 for i in range(336))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (cheap, dear)), OPTIONS)
    by_name = {v.name: v for v in schedule.vendors}
    assert sum(by_name["cheap"].shifts_per_day) == 20
    assert by_name["cheap"].headcount == 4
    assert max(by_name["cheap"].shifts_per_day) <= 4
    assert by_name["dear"].cost == Money.of("160.00", "USD")
    assert schedule.total_cost == Money.of("1760.00", "USD")


def test_headcount_needed() -> None:
    assert headcount_needed([3, 3, 3, 3, 3, 3, 3], max_days_per_week=5) == 5
    assert headcount_needed([8, 0, 0, 0, 0, 0, 0], max_days_per_week=5) == 8
    assert headcount_needed([], max_days_per_week=5) == 0


def test_weekend_and_night_premiums_are_paid() -> None:
    vendor = _vendor(
        "v",
        (_shift("late", 18, 8),),
        night_premium=Decimal("0.25"),
        weekend_premium=Decimal("0.5"),
    )
    # Friday 18:00–02:00: 4 night hours, of which 2 on Saturday (after midnight).
    required = _demand((_slot(4, 18), _slot(5, 2), 1))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (vendor,)), OPTIONS)
    (shift,) = schedule.shifts
    assert (shift.night_minutes, shift.weekend_minutes) == (240, 120)
    assert shift.cost == Money.of("100.00", "USD")  # 10 x (8 + 0.25 x 4 + 0.5 x 2)


def test_holiday_makes_the_shift_unavailable() -> None:
    vendor = _vendor("v", (_shift("day", 9, 8),), holidays=frozenset({date(2025, 1, 6)}))
    required = _demand((_slot(0, 9), _slot(0, 17), 1))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (vendor,)), OPTIONS)
    assert schedule.shifts == ()
    assert schedule.shortfall_total == 16


def test_costs_are_exact_decimals() -> None:
    vendor = _vendor(
        "v",
        (_shift("day", 9, 7, break_length=timedelta(minutes=30), break_offset=timedelta(hours=3)),),
        cost_per_hour=Money.of("7.33", "USD"),
    )
    required = _demand((_slot(0, 9), _slot(0, 12), 3))
    schedule = solve_schedule(ScheduleRequest(MONDAY, required, (vendor,)), OPTIONS)
    assert schedule.total_cost == Money.of("142.94", "USD")  # 3 x 6.5 h x 7.33 = 142.935


def test_follow_the_sun_emerges_from_night_premiums() -> None:
    """Flat 24 h demand: the optimum uses only daytime shifts in each vendor's own zone."""
    templates = tuple(_shift(f"h{h:02d}", h, 8) for h in range(24))
    vendors = tuple(
        _vendor(name, templates, time_zone=ZoneInfo(tz), night_premium=Decimal("0.25"))
        for name, tz in [
            ("manila", "Asia/Manila"),
            ("warsaw", "Europe/Warsaw"),
            ("bogota", "America/Bogota"),
        ]
    )
    schedule = solve_schedule(ScheduleRequest(MONDAY, (10,) * 336, vendors), OPTIONS)
    assert schedule.shortfall_total == 0
    assert sum(s.night_minutes * s.people for s in schedule.shifts) == 0
    # Exactly the demand's hours at the base rate: 336 half hours x 10 staff x 5 USD.
    assert schedule.total_cost == Money.of("16800.00", "USD")
    assert all(6 <= s.local_start.hour <= 14 for s in schedule.shifts)
    assert len({s.vendor for s in schedule.shifts}) >= 2


def test_mixed_currencies_are_refused() -> None:
    a = _vendor("a", (_shift("d", 9, 8),))
    b = _vendor("b", (_shift("d", 9, 8),), cost_per_hour=Money.of("10", "EUR"))
    with pytest.raises(ValidationError, match="one currency"):
        ScheduleRequest(MONDAY, _demand(), (a, b))


def _input(**changes: Any) -> dict[str, Any]:
    template = {"name": "day", "start": "09:00", "length": "8:00"}
    data: dict[str, Any] = {
        "week_start": "2025-01-06T00:00:00Z",
        "currency": "USD",
        "requirement": [0] * 336,
        "vendors": [
            {"name": "a", "time_zone": "UTC", "cost_per_hour": "10", "templates": [template]},
            {
                "name": "b",
                "time_zone": "Europe/Warsaw",
                "cost_per_hour": Decimal("12.5"),
                "holidays": ["2025-01-06"],
                "templates": [dict(template) for _ in range(4)],
            },
        ],
    }
    data.update(changes)
    return data


def test_input_parses() -> None:
    request = parse_schedule_request(_input())
    assert request.week_start == MONDAY
    assert request.vendors[1].cost_per_hour == Money.of("12.5", "USD")
    assert request.vendors[1].holidays == frozenset({date(2025, 1, 6)})


def test_input_errors_name_every_path() -> None:
    data = _input(requirement=[1] * 335 + [-1, 2])
    data["vendors"][1]["templates"][3]["start"] = "25:00"
    data["vendors"][1]["templates"][0]["days"] = ["mon", "funday"]
    data["vendors"][0]["time_zone"] = "Mars/Olympus"
    data["vendors"][0]["colour"] = "red"
    with pytest.raises(ValidationError) as caught:
        parse_schedule_request(data)
    message = caught.value.message
    assert "vendors[1].templates[3].start: '25:00' is not a time" in message
    assert "vendors[1].templates[0].days[1]: 'funday' is not a day" in message
    assert "vendors[0].time_zone: 'Mars/Olympus' is not an IANA time zone" in message
    assert "vendors[0].colour: unknown field" in message
    assert "requirement[335]: -1 is not a whole number" in message
    assert "requirement: has 337 intervals" in message
    assert "6 problems" in message


def test_input_holidays_come_from_the_lookup_by_country() -> None:
    data = _input()
    data["vendors"][0]["country"] = "PL"
    seen: list[tuple[str, list[int]]] = []

    def lookup(country: str, years: Any) -> frozenset[date]:
        seen.append((country, list(years)))
        return frozenset({date(2025, 1, 6)})

    request = parse_schedule_request(data, holidays_for=lookup)
    assert seen == [("PL", [2025, 2026])]
    assert request.vendors[0].holidays == frozenset({date(2025, 1, 6)})


def test_requirement_csv_rows() -> None:
    data = _input()
    del data["requirement"]
    del data["week_start"]
    data["requirement_csv"] = "req.csv"
    rows = [((MONDAY + timedelta(minutes=30 * i)).isoformat(), "2") for i in range(336)]
    request = parse_schedule_request(data, requirement_rows=rows)
    assert request.week_start == MONDAY
    assert request.required == (2,) * 336
    rows[5] = ("2025-01-06T09:00:00Z", "x")
    with pytest.raises(ValidationError) as caught:
        parse_schedule_request(data, requirement_rows=rows)
    assert "requirement_csv:row 7.interval_start: expected 2025-01-06T02:30:00+00:00" in str(
        caught.value
    )
    assert "requirement_csv:row 7.required: 'x' is not a whole number" in str(caught.value)
