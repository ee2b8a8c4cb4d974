"""Vendors: the outsourcing firms of the network."""

from __future__ import annotations

from dataclasses import dataclass, field

from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money

__all__ = ["RateCard", "Vendor"]


@dataclass(frozen=True, slots=True)
class RateCard:
    """What a vendor charges the client: an hourly rate and optional per-item prices."""

    hourly_rate: Money
    per_item: dict[Channel, Money] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for channel, price in self.per_item.items():
            if price.currency != self.hourly_rate.currency:
                raise ValidationError(
                    f"per-item price for {channel} is in {price.currency}, "
                    f"the rate card is in {self.hourly_rate.currency}",
                    field="per_item",
                )


@dataclass(frozen=True, slots=True)
class Vendor:
    """An outsourcing firm: where it is (country, IANA zone) and what it charges.

    Public holidays come from ``country`` through the holidays adapter.
    """

    id: str
    name: str
    country: str
    time_zone: str
    rate_card: RateCard

    @property
    def currency(self) -> str:
        return self.rate_card.hourly_rate.currency
