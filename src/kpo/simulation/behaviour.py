"""How the simulated people behave: specialists answering offers and working, customers
waiting and hanging up.

Durations are drawn from a seeded numpy ``Generator``; the defaults are plausible for a
contact centre and a help desk and are the figures the demo week uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError

__all__ = ["Behaviour", "HandleTimes", "Lognormal"]


@dataclass(frozen=True, slots=True)
class Lognormal:
    """A lognormal duration given by its median (seconds) and the σ of its logarithm."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median) and self.median >= 0):
            raise ValidationError(f"median must be zero or more, got {self.median}")
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ValidationError(f"sigma must be zero or more, got {self.sigma}")

    def draw(self, z: float) -> float:
        """The duration at standard-normal quantile ``z``."""
        return self.median * math.exp(self.sigma * z)


class HandleTimes(StrEnum):
    """How handle times vary around a specialist's expected handle time.

    ``lognormal``: expected time × lognormal noise with mean 1 (σ = ``handle_sigma``);
    ``exponential``: exponential with the expected time as its mean (the M/M/N model of
    Erlang C and A).
    """

    LOGNORMAL = "lognormal"
    EXPONENTIAL = "exponential"


_REALTIME_ACCEPT = Lognormal(median=8.0, sigma=0.5)
_TICKET_ACCEPT = Lognormal(median=45.0, sigma=0.7)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Knobs of the simulated people.

    - ``accept_delay`` per channel: time from an offer to the specialist's answer; an answer
      later than the router's offer timeout comes too late (the router has timed the offer
      out and offered the item to someone else).
    - ``reject_share``: share of offers rejected; ``ignore_share``: share never answered
      (the router's timeout handles them).
    - ``handle_times`` / ``handle_sigma``: see :class:`HandleTimes`; the expected time is
      the line's handle time at the specialist's pace (:func:`kpo.routing.model.pace`).
    - ``patience`` per channel: mean of the exponential time a caller or chatter waits for an
      answer before hanging up (tickets never abandon).
    - ``client_wait_share``: share of tickets that wait on the client once, halfway through
      their handling, for a lognormal ``client_wait``; the specialist keeps the slot
      (the work-item state machine resumes waiting items with their holder).
    - ``withdraw_share``: share of tickets the client withdraws (cancels) after an exponential
      ``withdraw_after`` mean, if nobody started them by then.
    """

    accept_delay: tuple[tuple[Channel, Lognormal], ...] = (
        (Channel.CALL, _REALTIME_ACCEPT),
        (Channel.CHAT, _REALTIME_ACCEPT),
        (Channel.TICKET, _TICKET_ACCEPT),
        (Channel.BACK_OFFICE, _TICKET_ACCEPT),
        (Channel.PROJECT, _TICKET_ACCEPT),
    )
    reject_share: float = 0.05
    ignore_share: float = 0.005
    handle_times: HandleTimes = HandleTimes.LOGNORMAL
    handle_sigma: float = 0.45
    patience: tuple[tuple[Channel, float], ...] = ((Channel.CALL, 90.0), (Channel.CHAT, 240.0))
    client_wait_share: float = 0.1
    client_wait: Lognormal = Lognormal(median=600.0, sigma=0.8)
    withdraw_share: float = 0.01
    withdraw_after: float = 4 * 3600.0

    def __post_init__(self) -> None:
        for name in ("reject_share", "ignore_share", "client_wait_share", "withdraw_share"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 1):
                raise ValidationError(f"{name} must be a share between 0 and 1, got {value}")
        if self.reject_share + self.ignore_share > 1:
            raise ValidationError("reject_share + ignore_share must not exceed 1")
        for channel, mean in self.patience:
            if not (mean > 0):
                raise ValidationError(f"patience of {channel} must be positive, got {mean}")
        if not (self.handle_sigma >= 0 and self.withdraw_after > 0):
            raise ValidationError("handle_sigma must be ≥ 0 and withdraw_after positive")

    @classmethod
    def queueing_model(cls, *, patience_seconds: float | None = None) -> Behaviour:
        """M/M/N(+M): answered at once, never rejected, exponential handle times, and
        exponential patience on calls when given."""
        instant = tuple((c, Lognormal(0.0, 0.0)) for c in Channel)
        return cls(
            accept_delay=instant,
            reject_share=0.0,
            ignore_share=0.0,
            handle_times=HandleTimes.EXPONENTIAL,
            patience=() if patience_seconds is None else ((Channel.CALL, patience_seconds),),
            client_wait_share=0.0,
            withdraw_share=0.0,
        )
