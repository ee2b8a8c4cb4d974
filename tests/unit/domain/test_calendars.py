from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpo.domain.calendars import (
    END_OF_DAY,
    BusinessCalendar,
    FixedHolidays,
    HolidayCalendar,
    NoHolidays,
    WeeklyWindow,
    format_hours,
    parse_hours,
    parse_window,
)
from kpo.domain.errors import UnknownTimeZone, ValidationError

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0) -> datetime:
    """A local wall-clock time in ``zone``, as a UTC instant."""
    return datetime(year, month, day, hour, tzinfo=zone).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def calendar(
    hours: str,
    zone: str = "Europe/Warsaw",
    *,
    holidays: HolidayCalendar | None = None,
    closed_dates: frozenset[date] = frozenset(),
) -> BusinessCalendar:
    return BusinessCalendar(
        zone, parse_hours(hours), holidays=holidays or NoHolidays(), closed_dates=closed_dates
    )


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("mon-fri 09:00-17:00", {0, 1, 2, 3, 4}, time(9), time(17)),
        ("sat 10:00-14:00", {5}, time(10), time(14)),
        ("mon,wed,fri 08:00-12:00", {0, 2, 4}, time(8), time(12)),
        ("sun-tue 22:00-06:00", {6, 0, 1}, time(22), time(6)),
        ("daily 00:00-24:00", set(range(7)), time(0), END_OF_DAY),
        ("MON-SUN 00:00-24:00", set(range(7)), time(0), END_OF_DAY),
        ("  Sat,Sun  7:30-9:45 ", {5, 6}, time(7, 30), time(9, 45)),
    ],
)
def test_parses_windows(text: str, days: set[int], start: time, end: time) -> None:
    assert parse_window(text) == WeeklyWindow(frozenset(days), start, end)


@pytest.mark.parametrize(
    "text",
    [
        "mon-fri 09:00-17:00",
        "sat 10:00-14:00",
        "mon,wed,fri 08:00-12:00",
        "sun-tue 22:00-06:00",
        "daily 00:00-24:00",
        "sat,sun 10:00-11:00",
    ],
)
def test_formats_back_to_the_same_text(text: str) -> None:
    assert parse_window(text).format() == text
    assert str(parse_window(text)) == text


def test_formats_equivalent_spellings_one_way() -> None:
    assert parse_window("mon-sun 00:00-24:00").format() == "daily 00:00-24:00"
    assert parse_window("tue,mon,wed 09:00-10:00").format() == "mon-wed 09:00-10:00"


def test_parses_and_formats_a_list_of_windows() -> None:
    text = "mon-fri 09:00-17:00;sat 10:00-14:00"
    windows = parse_hours(text)
    assert len(windows) == 2
    assert format_hours(windows) == text
    assert parse_hours(" mon 09:00-10:00 ; ") == (parse_window("mon 09:00-10:00"),)
    assert parse_hours("") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fry 09:00-17:00", "unknown day 'fry' in 'fry 09:00-17:00'; use mon..sun"),
        ("mon-fri", "expected days and times"),
        ("mon-fri 09:00 17:00", "expected days and times"),
        ("mon-fri 9-17", "cannot read time '9'"),
        ("mon-fri 09:00", "expected HH:MM-HH:MM"),
        ("mon 24:00-06:00", "cannot start at 24:00"),
        ("mon 09:00-24:30", "out of range"),
        ("mon 09:60-10:00", "out of range"),
        ("mon--fri 09:00-10:00", "cannot read days 'mon--fri'"),
        ("mon, 09:00-10:00", "cannot read days ''"),
    ],
)
def test_rejects_bad_window_text_naming_it(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_window(text, field="hours")
    assert message in caught.value.message
    assert caught.value.field == "hours"


window_strategy = st.builds(
    WeeklyWindow,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    end=st.one_of(st.just(END_OF_DAY), st.builds(time, st.integers(0, 23), st.integers(0, 59))),
)


@given(st.lists(window_strategy, max_size=4))
def test_text_form_round_trips(windows: list[WeeklyWindow]) -> None:
    assert parse_hours(format_hours(windows)) == tuple(windows)


def test_window_refuses_nonsense() -> None:
    with pytest.raises(ValidationError):
        WeeklyWindow(frozenset(), time(9), time(17))
    with pytest.raises(ValidationError):
        WeeklyWindow(frozenset({7}), time(9), time(17))
    with pytest.raises(ValidationError):
        WeeklyWindow(frozenset({0}), time(9, 0, 30), time(17))


# --------------------------------------------------------------------------- calendar basics


def test_unknown_time_zone() -> None:
    with pytest.raises(UnknownTimeZone, match="'Mars/Olympus'"):
        calendar("mon-fri 09:00-17:00", zone="Mars/Olympus")
    with pytest.raises(UnknownTimeZone):
        calendar("mon-fri 09:00-17:00", zone="")


def test_rejects_naive_datetimes() -> None:
    office = calendar("mon-fri 09:00-17:00")
    naive = datetime(2026, 10, 23, 12)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        office.is_open(naive)
    with pytest.raises(ValueError, match="naive"):
        office.business_time(naive, utc(2026, 10, 24))
    with pytest.raises(ValueError, match="naive"):
        office.add_business_time(naive, H)


def test_office_hours_over_a_weekend() -> None:
    office = calendar("mon-fri 09:00-17:00")
    friday_afternoon = local(WARSAW, 2026, 6, 12, 15)
    assert office.add_business_time(friday_afternoon, 3 * H) == local(WARSAW, 2026, 6, 15, 10)
    assert office.business_time(friday_afternoon, local(WARSAW, 2026, 6, 15, 10)) == 3 * H
    assert office.business_time(local(WARSAW, 2026, 6, 8), local(WARSAW, 2026, 6, 15)) == 40 * H
    assert not office.is_open(local(WARSAW, 2026, 6, 13, 12))
    assert office.next_opening(local(WARSAW, 2026, 6, 13, 12)) == local(WARSAW, 2026, 6, 15, 9)


def test_accepts_any_aware_datetime_and_answers_in_utc() -> None:
    office = calendar("mon-fri 09:00-17:00")
    start = datetime(2026, 6, 12, 15, tzinfo=WARSAW)
    due = office.add_business_time(start, 3 * H)
    assert due.tzinfo is UTC
    assert due == local(WARSAW, 2026, 6, 15, 10)


def test_zero_duration_returns_start_even_when_closed() -> None:
    office = calendar("mon-fri 09:00-17:00")
    saturday = local(WARSAW, 2026, 6, 13, 12)
    assert office.add_business_time(saturday, timedelta(0)) == saturday


def test_clock_starting_outside_hours_starts_at_next_opening() -> None:
    office = calendar("mon-fri 09:00-17:00")
    early = local(WARSAW, 2026, 6, 10, 6)
    assert office.add_business_time(early, H) == local(WARSAW, 2026, 6, 10, 10)


def test_due_exactly_at_closing_is_the_closing_instant() -> None:
    office = calendar("mon-fri 09:00-17:00")
    assert office.add_business_time(local(WARSAW, 2026, 6, 10, 9), 8 * H) == local(
        WARSAW, 2026, 6, 10, 17
    )


def test_next_opening_of_an_open_calendar_is_now() -> None:
    office = calendar("mon-fri 09:00-17:00")
    noon = local(WARSAW, 2026, 6, 10, 12)
    assert office.is_open(noon)
    assert office.next_opening(noon) == noon
    assert not office.is_open(local(WARSAW, 2026, 6, 10, 17))  # closing is exclusive
    assert office.is_open(local(WARSAW, 2026, 6, 10, 9))  # opening is inclusive


def test_open_intervals_are_clipped_merged_and_sorted() -> None:
    overlapping = calendar("mon-fri 09:00-13:00;mon 12:00-18:00;mon 18:00-19:00")
    intervals = list(
        overlapping.open_intervals(local(WARSAW, 2026, 6, 8, 10), local(WARSAW, 2026, 6, 9, 11))
    )
    assert intervals == [
        (local(WARSAW, 2026, 6, 8, 10), local(WARSAW, 2026, 6, 8, 19)),
        (local(WARSAW, 2026, 6, 9, 9), local(WARSAW, 2026, 6, 9, 11)),
    ]
    assert list(overlapping.open_intervals(utc(2026, 6, 9), utc(2026, 6, 8))) == []


def test_never_opening_calendar_fails_clearly() -> None:
    start = utc(2026, 6, 1)
    with pytest.raises(ValidationError, match="never opens: it has no opening hours"):
        calendar("").add_business_time(start, H)
    with pytest.raises(ValidationError, match="never opens"):
        calendar("").next_opening(start)
    all_closed = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(365 * 3))
    shut = calendar("mon-fri 09:00-17:00", closed_dates=all_closed)
    with pytest.raises(ValidationError, match="stays closed for more than"):
        shut.add_business_time(start, H)
    assert calendar("").business_time(start, start + 1000 * H) == timedelta(0)


def test_rejects_negative_duration() -> None:
    with pytest.raises(ValidationError, match="negative"):
        calendar("daily 00:00-24:00").add_business_time(utc(2026, 6, 1), -H)


# --------------------------------------------------------------------------- DST


def test_night_window_holds_five_hours_when_clocks_go_forward() -> None:
    nights = calendar("daily 00:00-06:00")
    assert nights.business_time(local(WARSAW, 2026, 3, 29), local(WARSAW, 2026, 3, 30)) == 5 * H
    assert nights.business_time(local(WARSAW, 2026, 3, 28), local(WARSAW, 2026, 3, 29)) == 6 * H


def test_night_window_holds_seven_hours_when_clocks_go_back() -> None:
    nights = calendar("daily 00:00-06:00")
    day = local(WARSAW, 2026, 10, 25)
    assert nights.business_time(day, local(WARSAW, 2026, 10, 26)) == 7 * H
    assert nights.add_business_time(day, 7 * H) == local(WARSAW, 2026, 10, 25, 6)


def test_office_day_across_the_autumn_change() -> None:
    office = calendar("mon-fri 09:00-17:00")
    friday = utc(2026, 10, 23, 14, 30)  # 16:30 CEST
    assert office.add_business_time(friday, 240 * timedelta(minutes=1)) == utc(2026, 10, 26, 11, 30)


def test_new_york_in_both_directions() -> None:
    nights = calendar("daily 00:00-06:00", zone="America/New_York")
    spring = nights.business_time(local(NEW_YORK, 2026, 3, 8), local(NEW_YORK, 2026, 3, 9))
    autumn = nights.business_time(local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 2))
    assert (spring, autumn) == (5 * H, 7 * H)
    office = calendar("mon-fri 09:00-17:00", zone="America/New_York")
    # Friday 16:00 EDT + 2 business hours = Monday 10:00 EST after the change.
    assert office.add_business_time(local(NEW_YORK, 2026, 10, 30, 16), 2 * H) == utc(
        2026, 11, 2, 15
    )


def test_round_the_clock_is_real_elapsed_time() -> None:
    always = calendar("daily 00:00-24:00")
    day = local(WARSAW, 2026, 3, 29)
    assert always.business_time(day, local(WARSAW, 2026, 3, 30)) == 23 * H
    assert always.add_business_time(utc(2026, 3, 28, 12), 48 * H) == utc(2026, 3, 30, 12)
    assert list(always.open_intervals(utc(2026, 3, 27), utc(2026, 3, 31))) == [
        (utc(2026, 3, 27), utc(2026, 3, 31))
    ]


# --------------------------------------------------------------------------- overnight


def test_overnight_window_crosses_midnight() -> None:
    nights = calendar("mon-fri 22:00-06:00")
    assert nights.is_open(local(WARSAW, 2026, 6, 9, 2))  # Tuesday 02:00, opened Monday
    assert not nights.is_open(local(WARSAW, 2026, 6, 8, 2))  # Monday 02:00: Sunday has none
    assert nights.is_open(local(WARSAW, 2026, 6, 13, 5))  # Saturday 05:00, opened Friday
    assert not nights.is_open(local(WARSAW, 2026, 6, 13, 22))
    assert nights.business_time(local(WARSAW, 2026, 6, 8), local(WARSAW, 2026, 6, 15)) == 40 * H


def test_overnight_window_across_a_weekend() -> None:
    nights = calendar("mon-fri 22:00-06:00")
    friday_night = local(WARSAW, 2026, 6, 12, 23)
    # 7 hours left on the Friday night, then Monday 22:00 + 3 h.
    assert nights.add_business_time(friday_night, 10 * H) == local(WARSAW, 2026, 6, 16, 1)


def test_windows_touching_at_midnight_are_one_interval() -> None:
    split = calendar("mon 18:00-24:00;tue 00:00-06:00")
    intervals = list(split.open_intervals(utc(2026, 6, 3), utc(2026, 6, 14)))
    assert intervals == [(local(WARSAW, 2026, 6, 8, 18), local(WARSAW, 2026, 6, 9, 6))]
    assert split.add_business_time(local(WARSAW, 2026, 6, 8, 23), 2 * H) == local(
        WARSAW, 2026, 6, 9, 1
    )


# --------------------------------------------------------------------------- holidays


def test_no_window_opens_on_a_public_holiday() -> None:
    office = calendar(
        "mon-fri 09:00-17:00", holidays=FixedHolidays(frozenset({date(2026, 11, 11)}))
    )
    tuesday = local(WARSAW, 2026, 11, 10, 16)
    assert not office.is_open(local(WARSAW, 2026, 11, 11, 12))
    assert office.add_business_time(tuesday, 2 * H) == local(WARSAW, 2026, 11, 12, 10)


def test_closed_dates_close_like_holidays() -> None:
    office = calendar("mon-fri 09:00-17:00", closed_dates=frozenset({date(2026, 12, 31)}))
    assert office.business_time(local(WARSAW, 2026, 12, 30), local(WARSAW, 2027, 1, 2)) == 16 * H


def test_overnight_window_runs_into_a_holiday_but_does_not_open_on_it() -> None:
    nights = calendar("daily 22:00-06:00", holidays=FixedHolidays(frozenset({date(2026, 11, 11)})))
    assert nights.is_open(local(WARSAW, 2026, 11, 11, 5))  # opened Tuesday 22:00
    assert not nights.is_open(local(WARSAW, 2026, 11, 11, 23))  # Wednesday's does not open
    assert nights.is_open(local(WARSAW, 2026, 11, 12, 23))
    assert nights.next_opening(local(WARSAW, 2026, 11, 11, 12)) == local(WARSAW, 2026, 11, 12, 22)


# --------------------------------------------------------------------------- properties

CALENDARS = [
    calendar("mon-fri 09:00-17:00", holidays=FixedHolidays(frozenset({date(2026, 11, 11)}))),
    calendar("mon-fri 22:00-06:00;sat 10:00-14:00"),
    calendar("daily 00:00-06:00;mon-fri 05:00-09:30", zone="America/New_York"),
    calendar("daily 00:00-24:00", zone="Australia/Lord_Howe"),
    calendar("sun-tue 01:30-03:30", zone="Europe/Warsaw"),
    calendar("mon 18:00-24:00;tue 00:00-06:00", zone="America/New_York"),
]
calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - Hypothesis bounds are naive
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5))


@settings(deadline=None)
@given(calendars, instants, durations)
def test_business_time_undoes_add_business_time(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = cal.add_business_time(start, duration)
    assert due >= start
    assert cal.business_time(start, due) == duration


@settings(deadline=None)
@given(calendars, instants, durations, durations)
def test_add_business_time_is_monotonic(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted((first, second))
    assert cal.add_business_time(start, shorter) <= cal.add_business_time(start, longer)
    later = start + (longer - shorter)
    assert cal.add_business_time(start, first) <= cal.add_business_time(later, first)


@settings(deadline=None)
@given(calendars, instants, durations, durations)
def test_business_time_adds_up(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle, end = start + first, start + first + second
    assert cal.business_time(start, end) == cal.business_time(start, middle) + cal.business_time(
        middle, end
    )
    assert cal.business_time(start, end) <= end - start


@settings(deadline=None)
@given(calendars, instants)
def test_is_open_agrees_with_intervals(cal: BusinessCalendar, at: datetime) -> None:
    opening = cal.next_opening(at)
    assert opening >= at
    assert cal.is_open(opening)
    assert cal.is_open(at) == (opening == at)
    if opening > at:
        assert cal.business_time(at, opening) == timedelta(0)
    intervals = list(cal.open_intervals(at, at + timedelta(days=3)))
    for (_, closes), (opens, _) in pairwise(intervals):
        assert closes < opens
        assert not cal.is_open(closes)
    for opens, closes in intervals:
        assert opens < closes
        assert cal.is_open(opens)
        assert cal.is_open(closes - timedelta(microseconds=1))
