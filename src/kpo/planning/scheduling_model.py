"""The shift-scheduling problem: vendors, local shift templates and their expansion to UTC.

This module states the problem and turns it into plain numbers (which UTC intervals each
candidate shift covers, what it costs exactly); :mod:`kpo.planning.scheduling` solves it.

Conventions (also in docs/scheduling.md):

- The horizon is ``len(required) / 48`` days of half-hour UTC intervals from ``week_start``
  (a week is 336 intervals) and is **cyclic**: work that falls after the horizon's end wraps
  to its start, so a Sunday 22:00–06:00 shift covers Monday morning of the same week. The
  plan is a repeating weekly pattern.
- Each vendor plans the local calendar dates ``week_start``'s UTC date + 0 … days-1; a shift
  belongs to the local date on which it starts. Local wall-clock times become UTC with
  ``zoneinfo`` on that actual date, so DST changes are honoured. A start time that does not
  exist (spring-forward gap) or is ambiguous (fall-back) uses ``fold=0``: the offset in force
  before the change.
- ``length`` is elapsed time including the unpaid break; a shift covers an interval only if
  the person is working (not on break) for the whole half hour.
- A shift that starts on one of the vendor's public holidays is not available.
- Premiums are fractions of the hourly rate, applied per worked minute by local wall clock
  and added together: a Saturday night minute at +25 % night and +50 % weekend costs 1.75x.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from kpo.domain.errors import ValidationError
from kpo.domain.money import Money

__all__ = [
    "ALL_WEEKDAYS",
    "INTERVAL",
    "INTERVALS_PER_DAY",
    "CandidateShift",
    "ScheduleRequest",
    "ShiftTemplate",
    "Vendor",
    "expand_candidates",
]

INTERVAL = timedelta(minutes=30)
INTERVAL_MINUTES = 30
INTERVALS_PER_DAY = 48
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
_MAX_SHIFT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift pattern in the vendor's local time.

    ``weekdays`` are the local days (0 = Monday) on which the shift may start.
    ``break_offset`` is measured from the shift start. ``cost_per_hour`` overrides the
    vendor's rate for this template (e.g. a differently paid split or mid shift).
    """

    name: str
    start: time
    length: timedelta
    break_length: timedelta = timedelta(0)
    break_offset: timedelta = timedelta(0)
    weekdays: frozenset[int] = ALL_WEEKDAYS
    cost_per_hour: Decimal | None = None

    @property
    def paid(self) -> timedelta:
        return self.length - self.break_length


@dataclass(frozen=True, slots=True)
class Vendor:
    """One outsourcing firm's site as the scheduler sees it.

    ``max_days_per_week`` and ``headcount_limit`` bound the people needed: see
    :func:`kpo.planning.scheduling.headcount_needed`. ``holidays`` are local dates.
    """

    name: str
    time_zone: ZoneInfo
    cost_per_hour: Money
    templates: tuple[ShiftTemplate, ...]
    max_days_per_week: int = 5
    headcount_limit: int | None = None
    holidays: frozenset[date] = frozenset()
    night_premium: Decimal = Decimal(0)
    weekend_premium: Decimal = Decimal(0)
    night_start: time = time(22)
    night_end: time = time(6)
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """Required staff per half-hour UTC interval from ``week_start`` and the vendors."""

    week_start: datetime
    required: tuple[int, ...]
    vendors: tuple[Vendor, ...]
    currency: str = field(default="")

    def __post_init__(self) -> None:
        if self.week_start.tzinfo is None:
            raise ValidationError("week_start must carry a time zone", field="week_start")
        start = self.week_start.astimezone(UTC)
        if start.second or start.microsecond or start.minute % INTERVAL_MINUTES:
            raise ValidationError("week_start must fall on a half hour (UTC)", field="week_start")
        object.__setattr__(self, "week_start", start)
        n = len(self.required)
        if n == 0 or n % INTERVALS_PER_DAY or n > 7 * INTERVALS_PER_DAY:
            raise ValidationError(
                f"required has {n} intervals: give 48 per day for 1 to 7 days (336 for a week)",
                field="required",
            )
        if any(r < 0 for r in self.required):
            raise ValidationError("required staff cannot be negative", field="required")
        if not self.vendors:
            raise ValidationError("give at least one vendor", field="vendors")
        currencies = {v.cost_per_hour.currency for v in self.vendors}
        if len(currencies) > 1:
            raise ValidationError(
                f"vendors are paid in {', '.join(sorted(currencies))}: convert rates to one "
                "currency first",
                field="vendors",
            )
        object.__setattr__(self, "currency", currencies.pop())
        names = [v.name for v in self.vendors]
        if len(set(names)) != len(names):
            raise ValidationError("vendor names must be unique", field="vendors")
        for vendor in self.vendors:
            for template in vendor.templates:
                _check_template(template)

    @property
    def days(self) -> int:
        return len(self.required) // INTERVALS_PER_DAY

    def interval_start(self, index: int) -> datetime:
        return self.week_start + index * INTERVAL


def _check_template(t: ShiftTemplate) -> None:
    if not timedelta(minutes=INTERVAL_MINUTES) <= t.length <= _MAX_SHIFT:
        raise ValidationError(f"shift {t.name!r} must last 30 min to 24 h", field="length")
    if t.break_length < timedelta(0) or (
        t.break_length and t.break_offset + t.break_length > t.length
    ):
        raise ValidationError(f"the break of shift {t.name!r} must lie inside it", field="break")
    if not t.weekdays or not t.weekdays <= ALL_WEEKDAYS:
        raise ValidationError(f"shift {t.name!r} needs weekdays among 0–6", field="days")


@dataclass(frozen=True, slots=True)
class CandidateShift:
    """One (vendor, template, local date) the solver may staff with any number of people.

    ``intervals`` are the horizon indexes (after wrapping) the shift covers;
    ``cost`` is the exact cost of one person in the currency's major unit.
    """

    vendor: int
    template: int
    day: int
    local_date: date
    utc_start: datetime
    utc_end: datetime
    intervals: tuple[int, ...]
    paid_minutes: int
    night_minutes: int
    weekend_minutes: int
    cost: Fraction


def expand_candidates(request: ScheduleRequest) -> list[CandidateShift]:
    """Every shift that may be staffed: each template on each allowed, non-holiday local date."""
    result: list[CandidateShift] = []
    base_date = request.week_start.date()
    for v_index, vendor in enumerate(request.vendors):
        for t_index, template in enumerate(vendor.templates):
            rate = Fraction(
                template.cost_per_hour
                if template.cost_per_hour is not None
                else vendor.cost_per_hour.amount
            )
            for day in range(request.days):
                local_date = base_date + timedelta(days=day)
                if local_date.weekday() not in template.weekdays or local_date in vendor.holidays:
                    continue
                local_start = datetime.combine(local_date, template.start, vendor.time_zone)
                utc_start = local_start.astimezone(UTC)
                segments = _paid_segments(utc_start, template)
                intervals: list[int] = []
                night = weekend = 0
                for seg_start, seg_end in segments:
                    a = _minutes(seg_start - request.week_start)
                    b = _minutes(seg_end - request.week_start)
                    first = -(-a // INTERVAL_MINUTES)
                    last = b // INTERVAL_MINUTES
                    intervals.extend(i % len(request.required) for i in range(first, last) if b > a)
                    n, w = _premium_minutes(seg_start, seg_end, vendor)
                    night += n
                    weekend += w
                paid = _minutes(template.paid)
                premium_minutes = (
                    Fraction(vendor.night_premium) * night
                    + Fraction(vendor.weekend_premium) * weekend
                )
                cost = rate * (paid + premium_minutes) / 60
                result.append(
                    CandidateShift(
                        vendor=v_index,
                        template=t_index,
                        day=day,
                        local_date=local_date,
                        utc_start=utc_start,
                        utc_end=utc_start + template.length,
                        intervals=tuple(sorted(set(intervals))),
                        paid_minutes=paid,
                        night_minutes=night,
                        weekend_minutes=weekend,
                        cost=cost,
                    )
                )
    return result


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60


def _paid_segments(utc_start: datetime, t: ShiftTemplate) -> list[tuple[datetime, datetime]]:
    end = utc_start + t.length
    if not t.break_length:
        return [(utc_start, end)]
    pause = utc_start + t.break_offset
    resume = pause + t.break_length
    return [(a, b) for a, b in ((utc_start, pause), (resume, end)) if b > a]


def _premium_minutes(start: datetime, end: datetime, vendor: Vendor) -> tuple[int, int]:
    """Worked minutes in [start, end) that fall in the local night window and on a weekend."""
    tz = vendor.time_zone
    night_from = vendor.night_start.hour * 60 + vendor.night_start.minute
    night_to = vendor.night_end.hour * 60 + vendor.night_end.minute
    total = _minutes(end - start)
    night = weekend = 0
    offset_start, offset_end = start.astimezone(tz).utcoffset(), end.astimezone(tz).utcoffset()
    if offset_start == offset_end:
        # No UTC offset change inside the shift: local time advances with UTC minute by minute.
        local = start.astimezone(tz).replace(tzinfo=None)
        points: Sequence[datetime] = [local + timedelta(minutes=k) for k in range(total)]
    else:
        points = [
            (start + timedelta(minutes=k)).astimezone(tz).replace(tzinfo=None) for k in range(total)
        ]
    for moment in points:
        minute = moment.hour * 60 + moment.minute
        if night_from > night_to:
            night += minute >= night_from or minute < night_to
        else:
            night += night_from <= minute < night_to
        weekend += moment.weekday() >= 5
    return night, weekend
