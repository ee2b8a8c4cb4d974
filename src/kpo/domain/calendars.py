"""Business calendars: when is work counted, in a calendar's own time zone.

A :class:`BusinessCalendar` is an IANA time zone, weekly opening windows in local wall-clock
time (``"mon-fri 09:00-17:00"``), public holidays and extra closed dates. It answers the
questions SLA clocks and routing ask: is it open now, when does it open next, how much
business time lies between two instants, and when will a given amount of business time have
passed.

Rules worth knowing (docs/sla.md explains them with examples):

* A window whose end is not after its start runs overnight into the next day.
* A window does not open when the local date of its opening is a holiday or closed date;
  an overnight window that opened the day before runs into such a day.
* Business time is real elapsed time: a 00:00-06:00 window holds 5 hours on the night
  clocks go forward and 7 hours on the night they go back.
* Overlapping or touching windows count once.
* Local times that do not exist (skipped by a clock change) are read with the offset in force
  before the change, i.e. shifted forward by the gap; ambiguous local times (repeated by a
  clock change) are read as their first occurrence.

All instants going in must be timezone-aware (naive ones raise ``ValueError``); all instants
coming out are in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpo.domain.errors import UnknownTimeZone, ValidationError
from kpo.domain.instants import require_utc

__all__ = [
    "END_OF_DAY",
    "BusinessCalendar",
    "FixedHolidays",
    "HolidayCalendar",
    "NoHolidays",
    "WeeklyWindow",
    "format_hours",
    "parse_hours",
    "parse_window",
]

END_OF_DAY = time.max
"""How a window ending at ``24:00`` stores its end: the end of the local day."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALL_DAYS = frozenset(range(7))
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
# A calendar that does not open for this long is treated as never opening.
_LOOKAHEAD = timedelta(days=2 * 366)
_ONE_DAY = timedelta(days=1)


_require_aware = require_utc


# --------------------------------------------------------------------------- weekly windows


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Opening hours on some weekdays, in local time of the calendar that holds them.

    ``days`` are weekday numbers (0 = Monday … 6 = Sunday) on which the window *opens*.
    ``end`` is :data:`END_OF_DAY` for ``24:00``. When ``end`` is not after ``start`` the window
    runs overnight and closes on the following day (``22:00-06:00``; ``09:00-09:00`` is 24 h).
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.days:
            raise ValidationError("a weekly window needs at least one day")
        if not self.days <= _ALL_DAYS:
            raise ValidationError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {self.days}")
        for name, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is not None:
                raise ValidationError(f"window {name} is a local wall-clock time, not {value}")
            if value != END_OF_DAY and (value.second or value.microsecond):
                raise ValidationError(f"window {name} must be whole minutes, got {value}")
        if self.start == END_OF_DAY:
            raise ValidationError("a window cannot start at 24:00; use 00:00")

    @property
    def overnight(self) -> bool:
        """Whether the window closes on the day after it opens."""
        return self.end != END_OF_DAY and self.end <= self.start

    def format(self) -> str:
        """The text form :func:`parse_window` reads back, e.g. ``"mon-fri 09:00-17:00"``."""
        return f"{_format_days(self.days)} {_format_time(self.start)}-{_format_time(self.end)}"

    def __str__(self) -> str:
        return self.format()


def parse_window(text: str, *, field: str | None = None) -> WeeklyWindow:
    """Read one window such as ``"mon-fri 09:00-17:00"``, ``"sat 10:00-14:00"``,
    ``"mon,wed,fri 08:00-12:00"``, ``"sun-tue 22:00-06:00"`` or ``"daily 00:00-24:00"``.

    Day ranges may wrap around the week (``fri-mon``). Case does not matter.
    """
    parts = text.strip().lower().split()
    if len(parts) != 2:
        raise ValidationError(
            f"cannot read opening hours {text!r}: expected days and times such as "
            "'mon-fri 09:00-17:00'",
            field=field,
        )
    days_text, times_text = parts
    days = _parse_days(days_text, text, field)
    bounds = times_text.split("-")
    if len(bounds) != 2:
        raise ValidationError(
            f"cannot read times {times_text!r} in {text!r}: expected HH:MM-HH:MM such as "
            "'09:00-17:00'",
            field=field,
        )
    start = _parse_time(bounds[0], text, field, allow_24=False)
    end = _parse_time(bounds[1], text, field, allow_24=True)
    return WeeklyWindow(days=days, start=start, end=end)


def parse_hours(text: str, *, field: str | None = None) -> tuple[WeeklyWindow, ...]:
    """Read ``';'``-separated windows, e.g. ``"mon-fri 09:00-17:00;sat 10:00-14:00"``.

    Blank text means no windows (a calendar that never opens).
    """
    return tuple(parse_window(part, field=field) for part in text.split(";") if part.strip() != "")


def format_hours(windows: Iterable[WeeklyWindow]) -> str:
    """The text form :func:`parse_hours` reads back."""
    return ";".join(window.format() for window in windows)


def _parse_days(days_text: str, text: str, field: str | None) -> frozenset[int]:
    if days_text == "daily":
        return _ALL_DAYS
    days: set[int] = set()
    for item in days_text.split(","):
        ends = item.split("-")
        if len(ends) > 2 or "" in ends:
            raise ValidationError(
                f"cannot read days {item!r} in {text!r}: use a day, a range such as "
                "'mon-fri', a list such as 'mon,wed,fri', or 'daily'",
                field=field,
            )
        first, last = (_day_number(name, text, field) for name in (ends[0], ends[-1]))
        # Ranges wrap around the week: 'sun-tue' is Sunday, Monday, Tuesday.
        days.update((first + offset) % 7 for offset in range((last - first) % 7 + 1))
    return frozenset(days)


def _day_number(name: str, text: str, field: str | None) -> int:
    try:
        return DAY_NAMES.index(name)
    except ValueError:
        raise ValidationError(
            f"unknown day {name!r} in {text!r}; use mon..sun", field=field
        ) from None


def _parse_time(value: str, text: str, field: str | None, *, allow_24: bool) -> time:
    match = _TIME.match(value)
    if match is None:
        raise ValidationError(
            f"cannot read time {value!r} in {text!r}: use HH:MM such as '09:00'", field=field
        )
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        if not allow_24:
            raise ValidationError(
                f"a window cannot start at 24:00 in {text!r}; use 00:00", field=field
            )
        return END_OF_DAY
    if hour > 23 or minute > 59:
        raise ValidationError(
            f"time {value!r} in {text!r} is out of range; use 00:00 to 23:59, or 24:00 as an end",
            field=field,
        )
    return time(hour, minute)


def _format_time(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _format_days(days: frozenset[int]) -> str:
    if days == _ALL_DAYS:
        return "daily"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[0] = runs.pop() + runs[0]  # Sunday runs into Monday: write it as 'sat-tue'.
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return ",".join(parts)


# --------------------------------------------------------------------------- holidays


class HolidayCalendar(Protocol):
    """Port: which local dates are public holidays (windows do not open on them)."""

    def is_holiday(self, day: date) -> bool: ...


@dataclass(frozen=True, slots=True)
class NoHolidays:
    """A calendar without public holidays."""

    def is_holiday(self, day: date) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class FixedHolidays:
    """An explicit set of holiday dates (tests, or holidays agreed in a contract)."""

    dates: frozenset[date]

    def is_holiday(self, day: date) -> bool:
        return day in self.dates


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class BusinessCalendar:
    """When business time runs: weekly windows in ``time_zone`` minus holidays and closed dates.

    ``time_zone`` is an IANA name (``"Europe/Warsaw"``); an unknown name raises
    :class:`~kpo.domain.errors.UnknownTimeZone`.
    """

    time_zone: str
    windows: tuple[WeeklyWindow, ...]
    holidays: HolidayCalendar = field(default_factory=NoHolidays)
    closed_dates: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _by_weekday: tuple[tuple[WeeklyWindow, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise UnknownTimeZone(self.time_zone, field="time_zone") from None
        windows = tuple(self.windows)
        by_weekday = tuple(
            tuple(sorted((w for w in windows if day in w.days), key=lambda w: w.start))
            for day in range(7)
        )
        # Frozen dataclass: derived caches are set once here and never change.
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_by_weekday", by_weekday)

    # -- queries -------------------------------------------------------------------------

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business intervals ``[open, close)`` in UTC that intersect ``[start, end)``,
        merged and sorted, clipped to ``[start, end)``."""
        start = _require_aware(start, "start")
        end = _require_aware(end, "end")
        if end <= start:
            return
        for opens, closes in self._merged(start, until=end):
            if opens >= end:
                return
            yield max(opens, start), min(closes, end)

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when ``end`` is not after ``start``."""
        total = timedelta(0)
        for opens, closes in self.open_intervals(start, end):
            total += closes - opens
        return total

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed after ``start``.

        Outside business hours the clock starts at the next opening. A zero duration returns
        ``start``. Raises :class:`ValidationError` for a negative duration or a calendar that
        does not open within two years.
        """
        start = _require_aware(start, "start")
        if duration < timedelta(0):
            raise ValidationError(f"business time to add must not be negative, got {duration}")
        if duration == timedelta(0):
            return start
        remaining = duration
        for opens, closes in self._pieces(start):
            if closes - opens >= remaining:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: _pieces without a bound raises or never ends")

    def is_open(self, at: datetime) -> bool:
        """Whether business time runs at the instant ``at``."""
        at = _require_aware(at, "at")
        return any(True for _ in self.open_intervals(at, at + timedelta(microseconds=1)))

    def next_opening(self, at: datetime) -> datetime:
        """The first instant at or after ``at`` when the calendar is open (``at`` if open)."""
        at = _require_aware(at, "at")
        opens, _ = next(self._pieces(at))
        return opens

    # -- internals -----------------------------------------------------------------------

    def _pieces(
        self, start: datetime, *, until: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Non-overlapping open pieces (UTC) from ``start`` on, in order, the first clipped to
        ``start``. Pieces may touch; :meth:`open_intervals` merges them.

        Touching pieces are not merged here because a round-the-clock calendar would never
        finish merging. Without ``until`` the sequence is endless, except that it raises
        ValidationError when the calendar stays closed for longer than the lookahead.
        """
        if not self.windows and until is None:
            raise self._never_opens("it has no opening hours")
        covered = start
        for opens, closes in self._raw(start, until):
            if closes > covered:
                yield max(opens, covered), closes
                covered = closes

    def _merged(self, start: datetime, *, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Pieces from :meth:`_pieces` with touching ones joined (bounded, so it ends)."""
        pending: tuple[datetime, datetime] | None = None
        for opens, closes in self._pieces(start, until=until):
            if pending is None:
                pending = (opens, closes)
            elif opens <= pending[1]:
                pending = (pending[0], closes)
            else:
                yield pending
                pending = (opens, closes)
        if pending is not None:
            yield pending

    def _raw(self, start: datetime, until: datetime | None) -> Iterator[tuple[datetime, datetime]]:
        """Intervals of each window opening, day by day from the local day before ``start``.

        Openings come out in order of their start, so a single pass can remove overlaps.
        """
        zone = self._zone
        day = start.astimezone(zone).date() - _ONE_DAY  # an overnight window may still run
        last_day = until.astimezone(zone).date() if until is not None else None
        last_open = start
        while last_day is None or day <= last_day:
            if not (day in self.closed_dates or self.holidays.is_holiday(day)):
                for window in self._by_weekday[day.weekday()]:
                    opens = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
                    closes = _local_close(day, window, zone)
                    if closes > opens:
                        last_open = opens
                        yield opens, closes
            if last_day is None and (
                datetime.combine(day, time(), tzinfo=zone) - last_open > _LOOKAHEAD
            ):
                raise self._never_opens(f"it stays closed for more than {_LOOKAHEAD.days} days")
            day += _ONE_DAY

    def _never_opens(self, reason: str) -> ValidationError:
        return ValidationError(
            f"the business calendar in {self.time_zone} never opens: {reason}; "
            "check its opening hours, holidays and closed dates",
            field="windows",
        )


def _local_close(day: date, window: WeeklyWindow, zone: ZoneInfo) -> datetime:
    if window.end == END_OF_DAY:
        return datetime.combine(day + _ONE_DAY, time(), tzinfo=zone).astimezone(UTC)
    close_day = day + _ONE_DAY if window.overnight else day
    return datetime.combine(close_day, window.end, tzinfo=zone).astimezone(UTC)
