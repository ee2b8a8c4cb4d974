"""SLA policies and the SLA clock of a work item, counted in business time.

An :class:`SlaClock` is an immutable value: :meth:`SlaClock.pause` and
:meth:`SlaClock.resume` return a new clock, so a work item keeps its clocks as plain values
and a service stores whichever it ends up with. Time is always passed in (``now``); nothing
here reads the system clock.

A clock counts business time of its calendar from ``started_at`` and stops while paused
(the item waits on the client). Its *due* instant is when the counted time reaches the
target. The clock is *breached* once ``now`` is past the due instant; ``remaining`` can be
zero for a while before that turns negative, because business time stands still outside
business hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from kpo.domain.calendars import BusinessCalendar
from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc

__all__ = ["ItemSla", "Pause", "SlaClock", "SlaPolicy"]

_ZERO = timedelta(0)


_utc = require_utc


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets of a service line, in business time of its calendar.

    ``first_response`` and ``resolution`` are business durations. For calls,
    ``answer_target`` (a share in (0, 1]) of calls must be answered within ``answer_within``
    (e.g. 80 % within 20 s); both are given or neither. Any target may be absent.
    """

    first_response: timedelta | None = None
    resolution: timedelta | None = None
    answer_within: timedelta | None = None
    answer_target: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("first_response", "resolution", "answer_within"):
            value: timedelta | None = getattr(self, name)
            if value is not None and value <= _ZERO:
                raise ValidationError(
                    f"{name} must be a positive duration, got {value}", field=name
                )
        if (self.answer_within is None) != (self.answer_target is None):
            raise ValidationError(
                "answer_within and answer_target go together: give both (e.g. 80 % within "
                "20 s) or neither",
                field="answer_target" if self.answer_target is None else "answer_within",
            )
        target = self.answer_target
        if target is not None and (
            not isinstance(target, Decimal) or not target.is_finite() or not 0 < target <= 1
        ):
            raise ValidationError(
                f"answer_target is a share of calls between 0 (exclusive) and 1, such as "
                f"Decimal('0.8'); got {target!r}",
                field="answer_target",
            )


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stood still from ``start`` until ``end`` (``None``: still paused)."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One SLA target of one work item: ``target`` business time from ``started_at``.

    Immutable: :meth:`pause` and :meth:`resume` return a new clock. Pauses are in order, do
    not overlap, and only the last may still be open.
    """

    calendar: BusinessCalendar
    started_at: datetime
    target: timedelta
    pauses: tuple[Pause, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", _utc(self.started_at, "started_at"))
        if self.target <= _ZERO:
            raise ValidationError(
                f"an SLA target must be a positive duration, got {self.target}", field="target"
            )
        previous_end = self.started_at
        for index, pause in enumerate(self.pauses):
            start = _utc(pause.start, "pause start")
            if start < previous_end:
                raise ValidationError(
                    f"pause {index + 1} starts at {start.isoformat()}, before the clock started "
                    "or the previous pause ended",
                    field="pauses",
                )
            if pause.end is None:
                if index != len(self.pauses) - 1:
                    raise ValidationError("only the last pause may still be open", field="pauses")
                continue
            previous_end = _utc(pause.end, "pause end")
            if previous_end < start:
                raise ValidationError(f"pause {index + 1} ends before it starts", field="pauses")

    @property
    def paused(self) -> bool:
        """Whether the last recorded pause is still open."""
        return bool(self.pauses) and self.pauses[-1].end is None

    def pause(self, at: datetime) -> SlaClock:
        """Stop the clock at ``at`` (the item now waits on the client)."""
        at = _utc(at, "at")
        if self.paused:
            raise ValidationError(
                f"the SLA clock is already paused (since {self.pauses[-1].start.isoformat()}); "
                "resume it before pausing again",
                field="at",
            )
        last = self.pauses[-1].end or self.started_at if self.pauses else self.started_at
        if at < last:
            raise ValidationError(
                f"cannot pause at {at.isoformat()}: the clock's last event was at "
                f"{last.isoformat()}",
                field="at",
            )
        return SlaClock(self.calendar, self.started_at, self.target, (*self.pauses, Pause(at)))

    def resume(self, at: datetime) -> SlaClock:
        """Restart a paused clock at ``at``."""
        at = _utc(at, "at")
        if not self.paused:
            raise ValidationError(
                "the SLA clock is running, not paused; pause it before resuming", field="at"
            )
        open_pause = self.pauses[-1]
        if at < open_pause.start:
            raise ValidationError(
                f"cannot resume at {at.isoformat()}: the clock was paused later, at "
                f"{open_pause.start.isoformat()}",
                field="at",
            )
        return SlaClock(
            self.calendar,
            self.started_at,
            self.target,
            (*self.pauses[:-1], Pause(open_pause.start, at)),
        )

    def elapsed(self, now: datetime) -> timedelta:
        """Business time counted up to ``now``, paused business time excluded."""
        now = _utc(now, "now")
        total = self.calendar.business_time(self.started_at, now)
        for start, end in self._pauses_known_at(now):
            total -= self.calendar.business_time(start, end or now)
        return total

    def remaining(self, now: datetime) -> timedelta:
        """Business time left at ``now``; negative once the target is overrun."""
        return self.target - self.elapsed(now)

    def due(self, now: datetime) -> datetime | None:
        """The instant the target is reached, counting pauses so far; ``None`` while paused."""
        now = _utc(now, "now")
        if any(end is None for _, end in self._pauses_known_at(now)):
            return None
        return self._deadline(now)

    def breached_at(self, now: datetime) -> datetime | None:
        """The due instant if ``now`` is past it, else ``None``; a paused clock stays
        breached if it was breached before the pause."""
        now = _utc(now, "now")
        deadline = self._deadline(now)
        return deadline if deadline is not None and deadline < now else None

    def is_breached(self, now: datetime) -> bool:
        """Whether ``now`` is past the due instant."""
        return self.breached_at(now) is not None

    def _pauses_known_at(self, now: datetime) -> list[tuple[datetime, datetime | None]]:
        """Pauses as they stood at ``now``: later ones ignored, one still running is open."""
        known: list[tuple[datetime, datetime | None]] = []
        for pause in self.pauses:
            if pause.start > now:
                break
            end = pause.end if pause.end is not None and pause.end <= now else None
            known.append((pause.start, end))
        return known

    def _deadline(self, now: datetime) -> datetime | None:
        """When counted time reaches the target given the pauses known at ``now``; ``None``
        if the clock is paused before that."""
        cursor, remaining = self.started_at, self.target
        for start, end in self._pauses_known_at(now):
            reached = self.calendar.add_business_time(cursor, remaining)
            if reached <= start:
                return reached
            remaining -= self.calendar.business_time(cursor, start)
            if end is None:
                return None
            cursor = end
        return self.calendar.add_business_time(cursor, remaining)


@dataclass(frozen=True, slots=True)
class ItemSla:
    """The SLA clocks of one work item; a clock is ``None`` when the policy has no target."""

    first_response: SlaClock | None
    resolution: SlaClock | None

    @classmethod
    def start(
        cls, policy: SlaPolicy, calendar: BusinessCalendar, *, received_at: datetime
    ) -> ItemSla:
        """Start both clocks of a work item received at ``received_at``."""

        def clock(target: timedelta | None) -> SlaClock | None:
            return None if target is None else SlaClock(calendar, received_at, target)

        return cls(clock(policy.first_response), clock(policy.resolution))
